#!/usr/bin/env bash
# Latency of both inference engines on a set of models, as a Markdown table (the one in docs/BENCHMARKS.md):
# engines x models x thread counts, medians and minimums, and the managed / ONNX Runtime ratio from the same run.
# Builds the MobileNetV3-Large and -Small int8 models with the model builder (deterministic from a seed) next to
# the given ONNX files. Runs from the repository (after `dotnet build src/EdgeMobileNet -c Release`) or from an
# unpacked release (on a Pi: the managed-only release has no ONNX Runtime, so pass ENGINES=managed).
#
#   deploy/benchmark.sh [model.onnx ...]
#   ITERATIONS=200 THREADS=1,2 ENGINES=ort,managed deploy/benchmark.sh ../shared/models/mobilenetv2-12-int8.onnx
#
# Environment: EDGEMOBILENET (the executable; default: the release this script sits in, else the repo's Release
# build), ITERATIONS (200), WARMUP (20), THREADS (1,2), ENGINES (ort,managed), ISA (managed kernels; default: best),
# V3 (1: add the builder's V3-Large and V3-Small int8 models; 0: only the given files), WORK (where built models go),
# FRAME (a photo: also time preprocessing of 640x480 I420, YUYV and MJPEG frames ffmpeg makes from it against the
# first model's inference, engine managed, 1 thread; needs ffmpeg).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
iterations=${ITERATIONS:-200} warmup=${WARMUP:-20} threads=${THREADS:-1,2} engines=${ENGINES:-ort,managed}
exe=${EDGEMOBILENET:-}
if [ -z "$exe" ]; then
    for candidate in "$here/../edgemobilenet" "$here/../src/EdgeMobileNet/bin/Release/net10.0/edgemobilenet"; do
        [ -x "$candidate" ] && { exe=$candidate; break; }
    done
fi
[ -n "$exe" ] && [ -x "$exe" ] || { echo "benchmark.sh: edgemobilenet not found (set EDGEMOBILENET or build src/EdgeMobileNet -c Release)" >&2; exit 2; }

models=("$@")
if [ "${V3:-1}" = 1 ]; then
    work=${WORK:-$(mktemp -d)}
    for arch in mobilenetv3-large mobilenetv3-small; do
        out=$work/$arch-1.0-224-int8-u8.onnx
        [ -f "$out" ] || "$exe" models build --arch "$arch" --width 1.0 --resolution 224 --precision int8 --activations u8 --out "$out" >&2
        models+=("$out")
    done
fi
[ ${#models[@]} -gt 0 ] || { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

isa=()
[ -n "${ISA:-}" ] && isa=(--isa "$ISA")
echo "| model | engine | threads | median ms | min ms | managed / ORT (median) | peak activations B |"
echo "|---|---|---|---|---|---|---|"
for model in "${models[@]}"; do
    [ -f "$model" ] || { echo "benchmark.sh: $model: file not found" >&2; exit 2; }
    # bench prints one row per engine and thread count ("engine threads iters median p90 min alloc"), then the
    # managed engine's memory line after each of its rows; the ratio is taken between rows of the same thread count of this one run.
    "$exe" bench --model "$model" --engine "$engines" --threads "$threads" --warmup "$warmup" --iterations "$iterations" "${isa[@]}" \
        | awk -v name="$(basename "$model" .onnx)" '
            $1 == "ort" || $1 == "managed" { n++; eng[n] = $1; thr[n] = $2; med[n] = $4; mn[n] = $6; if ($1 == "ort") ort[$2] = $4 }
            /peak activations/ { for (i = 1; i <= NF; i++) if ($i == "activations") peak[n] = $(i + 1) }
            END {
                for (i = 1; i <= n; i++) {
                    ratio = (eng[i] == "managed" && ort[thr[i]] > 0) ? sprintf("%.2fx", med[i] / ort[thr[i]]) : ""
                    printf "| %s | %s | %s | %.2f | %.2f | %s | %s |\n", name, eng[i], thr[i], med[i], mn[i], ratio, eng[i] == "managed" ? peak[i] : ""
                }
            }'
done

if [ -n "${FRAME:-}" ]; then
    command -v ffmpeg >/dev/null || { echo "benchmark.sh: FRAME needs ffmpeg" >&2; exit 2; }
    frames=${WORK:-$(mktemp -d)}
    for f in yuv420p:i420 yuyv422:yuyv; do
        ffmpeg -hide_banner -loglevel error -y -i "$FRAME" -vf scale=640:480 -frames:v 1 -pix_fmt "${f%%:*}" -f rawvideo "$frames/frame_640x480.${f##*:}"
    done
    ffmpeg -hide_banner -loglevel error -y -i "$FRAME" -vf scale=640:480 -frames:v 1 -q:v 3 "$frames/frame_640x480.jpg"
    echo
    "$exe" bench --model "${models[0]}" --engine managed --threads 1 --warmup "$warmup" --iterations "$iterations" "${isa[@]}" \
        --frame-size 640x480 --frame "$frames/frame_640x480.i420" --frame "$frames/frame_640x480.yuyv" --frame "$frames/frame_640x480.jpg"
fi
