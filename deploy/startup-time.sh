#!/usr/bin/env bash
# Time from process start to first classification of an unpacked release: runs `edgemobilenet classify` on one image
# N times (fresh process each time, so every run pays the full start-up: runtime, JIT or ReadyToRun code, model load,
# decode, one inference) and prints the median and min wall time from exec to exit.
#
#   deploy/startup-time.sh <release-folder> <model.onnx> <image> [engine=managed] [runs=5] [-- prefix command…]
#   deploy/startup-time.sh out/edgemobilenet-…-linux-arm64 model.onnx finch.jpeg managed 3 -- qemu-aarch64-static -cpu cortex-a72
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
dir=$1 model=$2 image=$3 engine=${4:-managed} runs=${5:-5}
shift $(( $# < 5 ? $# : 5 ))
prefix=()
if [ "${1:-}" = -- ]; then shift; prefix=("$@"); fi
[ -x "$dir/edgemobilenet" ] || { echo "startup-time.sh: $dir/edgemobilenet not found" >&2; exit 2; }

# Wall time is what a user waits; CPU time (user + system) is the work done, and is the steadier figure on a busy
# machine.
TIMEFORMAT='%R %U %S'
walls=() cpus=()
for _ in $(seq "$runs"); do
    t=$( { time "${prefix[@]}" "$dir/edgemobilenet" classify --engine "$engine" --model "$model" "$image" >/dev/null 2>&1; } 2>&1 ) \
        || { echo "startup-time.sh: classify failed" >&2; exit 1; }
    read -r real user sys <<<"$t"
    walls+=("$(awk -v r="$real" 'BEGIN { printf "%d", r * 1000 }')")
    cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }')")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
minimum() { printf '%s\n' "$@" | sort -n | head -1; }
echo "$(basename "$dir") --engine $engine: start→first classification wall median $(median "${walls[@]}") ms (min $(minimum "${walls[@]}")), CPU median $(median "${cpus[@]}") ms; $runs runs"
