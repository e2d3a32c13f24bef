#!/usr/bin/env bash
# Removes EdgeMobileNet: stops and disables the service, deletes the unit and /opt/edgemobilenet. Settings
# (/etc/edgemobilenet) and models/state (/var/lib/edgemobilenet) are kept unless --purge is given; the service user
# is removed only with --purge. Idempotent: running it twice, or on a machine without EdgeMobileNet, succeeds.
#
#   sudo ./uninstall.sh [--purge] [--root DIR]
set -euo pipefail

purge=false
root=
while [ $# -gt 0 ]; do
    case "$1" in
        --purge) purge=true; shift ;;
        --root) root=$(cd "$2" && pwd); shift 2 ;;
        -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "uninstall.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || { echo "uninstall.sh: must run as root (sudo)" >&2; exit 1; }

unit="$root/etc/systemd/system/edgemobilenet.service"
if [ -z "$root" ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now edgemobilenet.service 2>/dev/null || true
fi
rm -f "$unit"
rm -rf "$root/opt/edgemobilenet" "$root/opt/.edgemobilenet.new" "$root/opt/.edgemobilenet.old"
if [ -z "$root" ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload
    systemctl reset-failed edgemobilenet.service 2>/dev/null || true
fi

if [ "$purge" = true ]; then
    rm -rf "$root/etc/edgemobilenet" "$root/var/lib/edgemobilenet" "$root/var/cache/edgemobilenet"
    if [ -z "$root" ] && id edgemobilenet >/dev/null 2>&1; then
        userdel edgemobilenet
    fi
    echo "uninstall.sh: removed EdgeMobileNet, its settings, state and user"
else
    echo "uninstall.sh: removed EdgeMobileNet; kept ${root}/etc/edgemobilenet and ${root}/var/lib/edgemobilenet (--purge removes them)"
fi
