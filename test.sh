#!/usr/bin/env bash
# The project's test command (README): builds the solution in Release and runs every test project, then the
# emulated-ARM stages (the managed engine's kernel and model tests under qemu on three CPU models, and the published
# linux-arm64 release classifying a photo on an emulated Cortex-A72, the capture ABI tests on an emulated Cortex-A72).
# Set EDGEMOBILENET_SKIP_ARM=1 to run only the native tests. Closing line: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test EdgeMobileNet.sln -c Release "$@" 2>&1 | tee "$log" || status=$?
if [ "${EDGEMOBILENET_SKIP_ARM:-0}" != 1 ]; then
    .ci/arm64-tests.sh 2>&1 | tee -a "$log" || status=$?
    # The capture code's V4L2 structures as laid out by the runtime on arm64, against the arm64 kernel headers.
    .ci/arm64-capture-abi.sh 2>&1 | tee -a "$log" || status=$?
    # The linux-arm64 release itself, unpacked and run on an emulated Cortex-A72 (counts as one test).
    if .ci/arm64-smoke.sh 2>&1 | tee -a "$log"; then
        echo "arm64: 1 passed, 0 failed" | tee -a "$log"
    else
        status=1
        echo "arm64: 0 passed, 1 failed" | tee -a "$log"
    fi
fi
# The failed tests again, next to the totals, so the end of a long log says what failed and why (first lines).
if grep -q '\[FAIL\]' "$log"; then
    echo "failed tests:"
    grep -A 6 '\[FAIL\]' "$log" | cut -c1-400 | head -n 120
fi
# VSTest prints one summary per test assembly ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, ..."); the ARM stage
# prints "arm64: N passed, N failed".
awk '/(Passed|Failed)! +- +Failed:/ {
        for (i = 1; i <= NF; i++) {
            v = $(i+1); sub(",", "", v)
            if ($i == "Failed:")  { f += v }
            if ($i == "Passed:")  { p += v }
            if ($i == "Skipped:") { s += v }
        }
     }
     /^arm64: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
