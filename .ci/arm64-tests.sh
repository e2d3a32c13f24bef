#!/usr/bin/env bash
# arm64 stage: publishes the inference tests self-contained for linux-arm64 and runs the kernel and model-conformance
# tests (trait arm=true, none of which loads ONNX Runtime) under qemu user-mode emulation on three CPU models:
#   cortex-a53 (Pi 3 / Zero 2), cortex-a72 (Pi 4: NEON, no SDOT), max (Pi 5 class: NEON with SDOT).
# On an arm64 machine (a real Pi) it runs the same tests once, natively, without qemu.
# Closing line: "arm64: N passed, N failed"; exits non-zero on any failure.
#
# Environment: ARM64_CPUS (default "cortex-a53 cortex-a72 max"), EDGEMOBILENET_SHARED (default <repo>/../shared),
# ARM64_RUN_TIMEOUT seconds per CPU model (default 600).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DEBIAN_FRONTEND=noninteractive
started=$(date +%s)
# The kernels the engine must pick on each CPU model (checked by CpuFeatureTests.EngineChoosesTheExpectedKernels).
# NEON without the dot product on the ARMv8.0 cores (Pi 3, Zero 2, Pi 4), SDOT on max (ARMv8.2 and newer).
expected_isa="cortex-a53=neon cortex-a72=neon max=sdot"
cpus=${ARM64_CPUS:-cortex-a53 cortex-a72 max}
run_timeout=${ARM64_RUN_TIMEOUT:-600}
shared=${EDGEMOBILENET_SHARED:-$repo/../shared}
out=$repo/artifacts/arm64-tests
bundle=$out/publish
native=false
[ "$(uname -m)" = aarch64 ] && native=true

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# What the published bundle needs on an x86-64 host: qemu, and the arm64 libraries its native parts link against
# (libstdc++/libgcc_s for the runtime host and JIT; libssl for System.Security.Cryptography, which the test runner
# uses for test IDs). No libicu: InvariantGlobalization is on. No binfmt: qemu is called explicitly.
if ! $native; then
    need=()
    command -v qemu-aarch64-static >/dev/null 2>&1 || need+=(qemu-user-static)
    for p in libc6 libstdc++6 libgcc-s1 libssl3; do
        dpkg-query -W -f='${Status}' "$p:arm64" 2>/dev/null | grep -q 'ok installed' || need+=("$p:arm64")
    done
    if [ ${#need[@]} -gt 0 ]; then
        if printf '%s\n' "${need[@]}" | grep -q ':arm64$' && ! dpkg --print-foreign-architectures | grep -qx arm64; then
            as_root dpkg --add-architecture arm64
        fi
        as_root apt-get update -qq
        as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
fi

rm -rf "$out"
mkdir -p "$out"
echo "arm64: publishing tests/EdgeMobileNet.Inference.Tests for linux-arm64"
dotnet publish tests/EdgeMobileNet.Inference.Tests -c Release -r linux-arm64 --self-contained -o "$bundle" \
    >"$out/publish.log" 2>&1 || { cat "$out/publish.log"; echo "arm64: 0 passed, 1 failed"; exit 1; }
echo "arm64: published in $(( $(date +%s) - started )) s"

# The bundle runs outside the build tree: tell it where the repo and the shared assets are. CI=true turns a missing
# asset into a failure. Skips are legitimate (kernel tests for another architecture's ISA) and listed with reasons.
export EDGEMOBILENET_REPO=$repo EDGEMOBILENET_SHARED=$shared CI=true
# qemu user mode does not see the runtime's writes to code through its second (writable) mapping of JIT'd code and
# keeps running stale translations: reflection stubs then fail at random. One mapping, written in place, avoids it.
$native || export DOTNET_EnableWriteXorExecute=0

passed=0
failed=0
run_one() { # $1: label (qemu CPU model or "native"), rest: command prefix
    local label=$1
    shift
    local log=$out/$label.log xml=$out/$label.xml t0 rc=0
    t0=$(date +%s)
    echo "arm64: [$label] running"
    timeout "$run_timeout" "$@" "$bundle/${tests:-EdgeMobileNet.Inference.Tests}" -noLogo -noColor -showLiveOutput \
        -trait arm=true -xml "$xml" >"$log" 2>&1 || rc=$?
    # The tests print "cpu: <model>, <arch>, features: ..." and "isa: <kernels chosen>".
    grep -m1 -oE '\[OUTPUT\] cpu: .*' "$log" | sed "s/^\[OUTPUT\] /arm64: [$label] /" || true
    grep -m1 -oE '\[OUTPUT\] isa: .*' "$log" | sed "s/^\[OUTPUT\] /arm64: [$label] /" || true
    grep -A4 -E '\[FAIL\]' "$log" | grep -v '\[OUTPUT\]' | sed "s/^/arm64: [$label] /" || true
    grep -A1 -E '\[SKIP\]' "$log" | grep -v -E '^--$' | sed "s/^/arm64: [$label] /" || true
    local total=0 p=0 f=0 e=0 s=0
    if [ -s "$xml" ]; then
        attr() { grep -m1 -oE "<assembly [^>]*" "$xml" | grep -oE " $1=\"[0-9]+\"" | grep -oE '[0-9]+' || echo 0; }
        total=$(attr total) p=$(attr passed) f=$(attr failed) e=$(attr errors) s=$(attr skipped)
    fi
    if [ "$rc" -ne 0 ] && [ $((f + e)) -eq 0 ]; then
        # A crash or timeout: whatever did not report is one failure, and the log tail says why.
        tail -n 20 "$log" | sed "s/^/arm64: [$label] /"
        echo "arm64: [$label] runner exited with $rc"
        f=$((f + 1))
    fi
    if [ "$rc" -eq 0 ] && [ "$total" -eq 0 ]; then
        echo "arm64: [$label] no tests selected"
        f=$((f + 1))
    fi
    echo "arm64: [$label] $p passed, $((f + e)) failed, $s skipped in $(( $(date +%s) - t0 )) s"
    passed=$((passed + p))
    failed=$((failed + f + e))
}

if $native; then
    # Full inputs; the emulated-CPU checks skip.
    run_one native env -u EDGEMOBILENET_EMULATED -u EDGEMOBILENET_EMULATED_CPU -u EDGEMOBILENET_EXPECT_ISA
else
    for cpu in $cpus; do
        # Reduced inputs under emulation (EDGEMOBILENET_EMULATED); the CPU checks assert the model's extensions and
        # the kernels chosen.
        isa=$(tr ' ' '\n' <<<"$expected_isa" | sed -n "s/^$cpu=//p")
        run_one "$cpu" env EDGEMOBILENET_EMULATED=1 EDGEMOBILENET_EMULATED_CPU="$cpu" EDGEMOBILENET_EXPECT_ISA="$isa" \
            qemu-aarch64-static -cpu "$cpu"
    done
fi

# The preprocessing's vector loops (Vision tests marked arm): one emulated CPU is enough, their 128-bit NEON path does
# not depend on the extensions that tell the three models apart.
echo "arm64: publishing tests/EdgeMobileNet.Vision.Tests for linux-arm64"
dotnet publish tests/EdgeMobileNet.Vision.Tests -c Release -r linux-arm64 --self-contained -o "$out/publish-vision" \
    >"$out/publish-vision.log" 2>&1 || { cat "$out/publish-vision.log"; echo "arm64: 0 passed, 1 failed"; exit 1; }
if $native; then
    bundle=$out/publish-vision tests=EdgeMobileNet.Vision.Tests run_one vision-native env
else
    bundle=$out/publish-vision tests=EdgeMobileNet.Vision.Tests run_one vision-cortex-a72 qemu-aarch64-static -cpu cortex-a72
fi

echo "arm64: stage took $(( $(date +%s) - started )) s; logs in artifacts/arm64-tests"
echo "arm64: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
