#!/usr/bin/env bash
# Builds the release archives: trimmed, self-contained, single-folder.
#
#   ./publish.sh                              all of them (linux-arm64 and linux-x64, each full and managed-only)
#   ./publish.sh --rid linux-arm64 --variant managed --out artifacts/release
#
# Variants: "full" carries ONNX Runtime's native library (engine ort, and auto picks it); "managed" leaves it out
# for the smallest footprint (the managed engine only; --engine ort then fails with a clear message).
# Each archive is <out>/edgemobilenet-<version>-<rid>[-managed].tar.gz with a .sha256 beside it (sha256sum -c).
# The unpacked folder is the application plus deploy/ (unit, install.sh, uninstall.sh, example settings).
#
# The full releases are ReadyToRun (faster start); the managed-only ones are not (smaller: the goal is <= 30 MB).
# Environment: EDGEMOBILENET_VERSION (default: git describe), EDGEMOBILENET_R2R=0 or 1 to force ReadyToRun off or on
# for every release (to compare), SOURCE_DATE_EPOCH (archive timestamps; default: the last commit's time).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

rids=()
variants=()
out=artifacts/release
while [ $# -gt 0 ]; do
    case "$1" in
        --rid) rids+=("$2"); shift 2 ;;
        --variant) variants+=("$2"); shift 2 ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "publish.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ ${#rids[@]} -gt 0 ] || rids=(linux-arm64 linux-x64)
[ ${#variants[@]} -gt 0 ] || variants=(full managed)
for rid in "${rids[@]}"; do
    case "$rid" in linux-arm64|linux-x64) ;; *) echo "publish.sh: --rid: unsupported '$rid' (linux-arm64, linux-x64)" >&2; exit 2 ;; esac
done
for variant in "${variants[@]}"; do
    case "$variant" in full|managed) ;; *) echo "publish.sh: --variant: unknown '$variant' (full, managed)" >&2; exit 2 ;; esac
done

version=${EDGEMOBILENET_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# SkiaSharp's native library ships with its full symbol table (2.5 MB on arm64); the runtime's are already stripped.
# Only .symtab goes: the dynamic symbols that P/Invoke binds to stay.
strip_native() {
    local rid=$1 dir=$2 tool=
    case "$rid" in
        linux-arm64) for t in llvm-strip aarch64-linux-gnu-strip; do command -v "$t" >/dev/null 2>&1 && { tool=$t; break; }; done ;;
        linux-x64) for t in llvm-strip x86_64-linux-gnu-strip strip; do command -v "$t" >/dev/null 2>&1 && { tool=$t; break; }; done ;;
    esac
    if [ -z "$tool" ]; then
        echo "publish.sh: warning: no strip tool for $rid (apt-get install llvm or binutils-aarch64-linux-gnu); native libraries keep their symbols" >&2
        return 0
    fi
    for so in "$dir"/*.so; do
        if readelf -S "$so" 2>/dev/null | grep -q '\.symtab'; then
            "$tool" --strip-unneeded "$so"
        fi
    done
}

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

summary=()
for rid in "${rids[@]}"; do
    for variant in "${variants[@]}"; do
        name="edgemobilenet-$version-$rid"
        # ReadyToRun where start-up time is the point; the managed-only release trades it for size (docs/deploy.md).
        ort=true r2r=true
        if [ "$variant" = managed ]; then name="$name-managed"; ort=false; r2r=false; fi
        case "${EDGEMOBILENET_R2R:-}" in 0) r2r=false ;; 1) r2r=true ;; esac
        dir="$work/$name"
        log="$work/$name.log"
        started=$(date +%s)
        echo "publish: $name (ReadyToRun $r2r)"
        # The variants differ only in what is copied to the folder, so they share one build per runtime.
        if ! dotnet publish src/EdgeMobileNet/EdgeMobileNet.csproj -c Release -r "$rid" --self-contained true \
                -p:PublishReadyToRun=$r2r -p:EdgeMobileNetOnnxRuntime=$ort \
                -o "$dir" >"$log" 2>&1; then
            cat "$log" >&2
            echo "publish.sh: dotnet publish failed for $name" >&2
            exit 1
        fi
        # Warnings are errors in this repository, so a trim warning fails the publish above; this is a guard
        # against that ever being switched off.
        if grep -Eq 'warning (IL|CS)[0-9]+' "$log"; then
            grep -E 'warning (IL|CS)[0-9]+' "$log" | sort -u >&2
            echo "publish.sh: $name has trim or compiler warnings" >&2
            exit 1
        fi
        # What must and must not be in the folder.
        for f in edgemobilenet edgemobilenet.dll libSkiaSharp.so appsettings.json; do
            [ -e "$dir/$f" ] || { echo "publish.sh: $name lacks $f" >&2; exit 1; }
        done
        if [ "$ort" = true ]; then
            [ -e "$dir/libonnxruntime.so" ] || { echo "publish.sh: $name lacks libonnxruntime.so" >&2; exit 1; }
        elif ls "$dir"/libonnxruntime* >/dev/null 2>&1; then
            echo "publish.sh: $name (managed) still contains ONNX Runtime's native library" >&2
            exit 1
        fi
        rm -f "$dir"/*.pdb "$dir"/*.dbg
        strip_native "$rid" "$dir"
        app_bytes=$(du -sb "$dir" | cut -f1)

        mkdir -p "$dir/deploy/examples"
        cp deploy/edgemobilenet.service deploy/install.sh deploy/uninstall.sh deploy/benchmark.sh "$dir/deploy/"
        cp deploy/examples/*.json "$dir/deploy/examples/"
        chmod 0755 "$dir/deploy/install.sh" "$dir/deploy/uninstall.sh" "$dir/deploy/benchmark.sh" "$dir/edgemobilenet"

        archive="$out/$name.tar.gz"
        tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$work" -cf - "$name" \
            | gzip -n -9 >"$archive"
        (cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
        archive_bytes=$(stat -c %s "$archive")
        summary+=("$(printf '%-50s %8s MiB %8s MiB %5d s' "$name" \
            "$(mb "$app_bytes")" "$(mb "$archive_bytes")" "$(( $(date +%s) - started ))")")
    done
done

echo
printf '%-50s %12s %12s %7s\n' release unpacked archive time
for line in "${summary[@]}"; do echo "$line"; done
echo "archives in $out"
