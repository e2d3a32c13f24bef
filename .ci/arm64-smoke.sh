#!/usr/bin/env bash
# CI stage: the linux-arm64 releases on an emulated Cortex-A72 (Raspberry Pi 4). Publishes both arm64 archives with
# publish.sh, checks their sha256 files and contents, unpacks them and classifies ../shared/images/imagenet_finch.jpeg
# with ../shared/models/mobilenetv2-12-int8.onnx on the managed engine, which must answer class 12 (house finch;
# ../shared/images/expected_labels.tsv). Prints sizes and timings; exits non-zero on any failure.
#
# Needs: qemu-user-static and the arm64 C runtime (installed here on Debian when missing and running as root or sudo).
# EDGEMOBILENET_SHARED overrides the location of the shared assets.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DEBIAN_FRONTEND=noninteractive
started=$(date +%s)
fail() { echo "arm64-smoke: FAIL: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
now_ms() { date +%s%3N; }

shared=${EDGEMOBILENET_SHARED:-$(cd .. && pwd)/shared}
model="$shared/models/mobilenetv2-12-int8.onnx"
image="$shared/images/imagenet_finch.jpeg"
[ -f "$model" ] || fail "missing $model"
[ -f "$image" ] || fail "missing $image"
expected=$(awk -F'\t' '$1 == "imagenet_finch.jpeg" { print $2 }' "$shared/images/expected_labels.tsv")
[ -n "$expected" ] || fail "imagenet_finch.jpeg not in $shared/images/expected_labels.tsv"

# Emulator and the arm64 C/C++ runtime the .NET host and SkiaSharp link against. No ICU: the release runs with
# InvariantGlobalization.
# An arm64-capable strip lets publish.sh drop SkiaSharp's symbol table.
if ! command -v qemu-aarch64-static >/dev/null 2>&1 || [ ! -e /lib/ld-linux-aarch64.so.1 ] || ! command -v file >/dev/null 2>&1 \
        || ! { command -v llvm-strip || command -v aarch64-linux-gnu-strip; } >/dev/null 2>&1; then
    dpkg --print-foreign-architectures | grep -qx arm64 || as_root dpkg --add-architecture arm64
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends qemu-user-static file binutils-aarch64-linux-gnu \
        libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 libssl3:arm64 >/dev/null
fi
# W^X off under emulation only: the runtime's double-mapped code pages are a known weak spot of qemu-user.
qemu=(env DOTNET_EnableWriteXorExecute=0 qemu-aarch64-static -cpu cortex-a72)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
t0=$(date +%s)
EDGEMOBILENET_VERSION=smoke ./publish.sh --rid linux-arm64 --variant full --variant managed --out "$out/release"
publish_s=$(( $(date +%s) - t0 ))

(cd "$out/release" && sha256sum --quiet -c ./*.sha256) || fail "sha256 mismatch"

# classify <folder> <engine>: prints the top-1 index; the JSON is kept for the log.
classify() {
    local dir=$1 engine=$2 json code=0 attempt
    for attempt in 1 2; do
        code=0
        json=$("${qemu[@]}" "$dir/edgemobilenet" classify --engine "$engine" --json --model "$model" "$image") || code=$?
        # Death by a signal under the emulator (seen rarely: SIGSEGV inside plain managed code that runs cleanly on
        # hardware and in every other run) gets one retry, loudly; any other failure or a wrong answer does not.
        [ "$code" -ge 128 ] && [ "$attempt" = 1 ] || break
        echo "arm64-smoke: WARNING: $(basename "$dir") --engine $engine died with signal $((code - 128)) under qemu; retrying once" >&2
    done
    [ "$code" = 0 ] || fail "$(basename "$dir"): classify --engine $engine exited $code"
    echo "$json" >"$out/$(basename "$dir")-$engine.json"
    # {"model":…,"results":[{"input":…,"top":[{"index":12,…
    echo "$json" | tr -d ' \n' | sed -n 's/.*"top":\[{"index":\([0-9]*\).*/\1/p'
}

report=()
for variant in full managed; do
    name=edgemobilenet-smoke-linux-arm64
    [ "$variant" = managed ] && name="$name-managed"
    tar -xzf "$out/release/$name.tar.gz" -C "$out"
    dir="$out/$name"
    file "$dir/edgemobilenet" | grep -q 'ARM aarch64' || fail "$name: edgemobilenet is not an arm64 executable"
    file "$dir/libSkiaSharp.so" | grep -q 'ARM aarch64' || fail "$name: libSkiaSharp.so missing or not arm64"
    if [ "$variant" = full ]; then
        file "$dir/libonnxruntime.so" | grep -q 'ARM aarch64' || fail "$name: libonnxruntime.so missing or not arm64"
    elif ls "$dir"/libonnxruntime* >/dev/null 2>&1; then
        fail "$name: contains ONNX Runtime"
    fi

    # managed never loads ONNX Runtime. auto must end up on the managed engine in both releases: without the library
    # in the managed-only one, and in the full one because ONNX Runtime is never loaded under emulation (its CPU
    # detection kills the process there).
    engines=(managed auto)
    for engine in "${engines[@]}"; do
        t=$(now_ms)
        top=$(classify "$dir" "$engine")
        ms=$(( $(now_ms) - t ))
        [ "$top" = "$expected" ] || fail "$name --engine $engine: top-1 is '$top', expected $expected ($(cat "$out/$name-$engine.json"))"
        report+=("$(printf '%-40s --engine %-8s class %-4s start→exit %6d ms (emulated)' "$name" "$engine" "$top" "$ms")")
    done
    if [ "$variant" = full ]; then
        # Explicitly asking for ONNX Runtime under emulation is a clean one-line error, not a crash.
        set +e
        err=$("${qemu[@]}" "$dir/edgemobilenet" classify --engine ort --model "$model" "$image" 2>&1 >/dev/null)
        code=$?
        set -e
        [ "$code" = 2 ] && [ "$(echo "$err" | wc -l)" = 1 ] && echo "$err" | grep -q 'ONNX Runtime is not available' \
            || fail "$name --engine ort under emulation: exit $code, expected 2 and one line: $err"
        report+=("$(printf '%-40s --engine ort      exit 2: %s' "$name" "$err")")
    fi
    bytes=$(du -sb --exclude=deploy "$dir" | cut -f1)
    # The managed-only release's size limit: 40 MB (decimal, the stricter reading), with the web server inside.
    [ "$variant" = full ] || [ "$bytes" -le 40000000 ] || fail "$name: $bytes bytes unpacked, limit is 40 MB"
    report+=("$(printf '%-40s unpacked %s bytes (%s MiB)' "$name" "$bytes" "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')")")
done

echo
for line in "${report[@]}"; do echo "arm64-smoke: $line"; done
echo "arm64-smoke: publish ${publish_s} s, total $(( $(date +%s) - started )) s: OK"
