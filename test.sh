#!/usr/bin/env bash
# The project's test command (README): builds the solution in Release and runs every test project.
# Prints one closing line "tests: N passed, N failed, N skipped" summed over all test projects.
set -euo pipefail
cd "$(dirname "$0")"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test EdgeMobileNet.sln -c Release "$@" 2>&1 | tee "$log" || status=$?
# VSTest prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, ...".
awk '/(Passed|Failed)! +- +Failed:/ {
        for (i = 1; i <= NF; i++) {
            if ($i == "Failed:")  { v = $(i+1); sub(",", "", v); f += v }
            if ($i == "Passed:")  { v = $(i+1); sub(",", "", v); p += v }
            if ($i == "Skipped:") { v = $(i+1); sub(",", "", v); s += v }
        }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
