#!/usr/bin/env bash
# arm64 stage of the capture code's ABI check: publishes the capture tests for linux-arm64 and runs the V4L2 ABI tests
# under qemu on a Cortex-A72 (natively on an arm64 machine), so the managed structure layout is measured on arm64
# itself and compared with the arm64 kernel headers (the x86-64 run of the same tests covers the other side).
# Closing line: "arm64: N passed, N failed"; exits non-zero on any failure.
# Environment: EDGEMOBILENET_SHARED (default <repo>/../shared), ARM64_RUN_TIMEOUT seconds (default 600).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
started=$(date +%s)
out=$repo/artifacts/arm64-capture
rm -rf "$out"
mkdir -p "$out"
echo "arm64: publishing tests/EdgeMobileNet.Capture.Tests for linux-arm64"
dotnet publish tests/EdgeMobileNet.Capture.Tests -c Release -r linux-arm64 --self-contained -o "$out/publish" \
    >"$out/publish.log" 2>&1 || { cat "$out/publish.log"; echo "arm64: 0 passed, 1 failed"; exit 1; }

export EDGEMOBILENET_REPO=$repo EDGEMOBILENET_SHARED=${EDGEMOBILENET_SHARED:-$repo/../shared} CI=true
prefix=()
if [ "$(uname -m)" != aarch64 ]; then
    # See arm64-tests.sh: qemu user mode needs the JIT's code written in place.
    export DOTNET_EnableWriteXorExecute=0
    prefix=(qemu-aarch64-static -cpu cortex-a72)
fi
rc=0
timeout "${ARM64_RUN_TIMEOUT:-600}" "${prefix[@]}" "$out/publish/EdgeMobileNet.Capture.Tests" -noLogo -noColor \
    -class EdgeMobileNet.Capture.Tests.AbiTests -xml "$out/abi.xml" >"$out/abi.log" 2>&1 || rc=$?
attr() { grep -m1 -oE "<assembly [^>]*" "$out/abi.xml" 2>/dev/null | grep -oE " $1=\"[0-9]+\"" | grep -oE '[0-9]+' || echo 0; }
p=$(attr passed) f=$(( $(attr failed) + $(attr errors) )) total=$(attr total)
grep -A6 -E '\[FAIL\]' "$out/abi.log" | sed 's/^/arm64: [capture abi] /' || true
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    tail -n 20 "$out/abi.log" | sed 's/^/arm64: [capture abi] /'
    echo "arm64: [capture abi] runner exited with $rc"
    f=1
fi
if [ "$total" -eq 0 ] && [ "$f" -eq 0 ]; then
    echo "arm64: [capture abi] no tests ran"
    f=1
fi
echo "arm64: [capture abi] took $(( $(date +%s) - started )) s; logs in artifacts/arm64-capture"
echo "arm64: $p passed, $f failed"
[ "$f" -eq 0 ]
