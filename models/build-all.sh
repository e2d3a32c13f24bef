#!/usr/bin/env bash
# Builds the project's generated model set with the model builder (see models/README.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/models/out}
mkdir -p "$out"
dotnet build "$root/src/EdgeMobileNet" -c Release -v quiet -nologo >/dev/null
emn() { dotnet "$root/src/EdgeMobileNet/bin/Release/net10.0/edgemobilenet.dll" "$@"; }
for arch in mobilenetv1 mobilenetv2 mobilenetv3-large mobilenetv3-small; do
  for wr in "1.0 224" "0.35 96"; do
    set -- $wr
    emn models build --arch "$arch" --width "$1" --resolution "$2" --precision float --out "$out/$arch-$1-$2-float.onnx"
    for act in u8 s8; do
      emn models build --arch "$arch" --width "$1" --resolution "$2" --precision int8 --activations "$act" \
        --out "$out/$arch-$1-$2-int8-$act.onnx"
    done
  done
done
emn models build --arch mobilenetv2 --width 1.0 --resolution 224 --precision int8 --format qoperator \
  --out "$out/mobilenetv2-1.0-224-int8-qoperator.onnx"
emn models build --arch mobilenetv2 --width 1.0 --resolution 224 --precision float --layout nhwc-keras \
  --out "$out/mobilenetv2-1.0-224-float-keras.onnx"
emn models demo --out "$out/colour-demo.onnx"
ls -l "$out"
