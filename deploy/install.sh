#!/usr/bin/env bash
# Installs (or upgrades) EdgeMobileNet from an unpacked release folder on a Raspberry Pi or Jetson. Idempotent: run it
# again after unpacking a newer release; settings in /etc/edgemobilenet are never overwritten, and files you put into
# /opt/edgemobilenet yourself (a model, labels) are carried over to the new release.
#
#   sudo ./deploy/install.sh [--example inspection-station|camera-monitor] [--no-start] [--root DIR]
#
#   --example   which example settings become /etc/edgemobilenet/appsettings.json when that file does not exist yet
#               (default: inspection-station)
#   --no-start  install and enable, but do not (re)start the service
#   --root DIR  install into DIR instead of / (packaging, tests): files only, no user, groups or systemctl
#
# Layout: /opt/edgemobilenet (the application, root-owned, read-only to the service), /etc/edgemobilenet/appsettings.json,
# /var/lib/edgemobilenet (models and state, owned by the service user), /etc/systemd/system/edgemobilenet.service.
# Checks for libgpiod (the GPIO driver on real hardware) and says how to install it when it is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
release=$(cd "$here/.." && pwd)
example=inspection-station
start=true
root=
while [ $# -gt 0 ]; do
    case "$1" in
        --example) example="$2"; shift 2 ;;
        --no-start) start=false; shift ;;
        --root) root=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

fail() { echo "install.sh: $*" >&2; exit 1; }
[ -x "$release/edgemobilenet" ] || fail "$release/edgemobilenet not found: run this script from an unpacked release"
[ -f "$here/examples/$example.json" ] || fail "--example: no such example '$example' (in $here/examples)"
[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || fail "must run as root (sudo)"

user=edgemobilenet
app="$root/opt/edgemobilenet"
etc="$root/etc/edgemobilenet"
state="$root/var/lib/edgemobilenet"
unit="$root/etc/systemd/system/edgemobilenet.service"

if [ -z "$root" ]; then
    # The groups that own /dev/gpiochip* and /dev/video* on Raspberry Pi OS; other images (Jetson) may lack gpio.
    for group in gpio video; do
        getent group "$group" >/dev/null || groupadd --system "$group"
    done
    if ! id "$user" >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir /var/lib/edgemobilenet --shell /usr/sbin/nologin \
            --comment "EdgeMobileNet service" "$user"
    fi
    usermod --append --groups gpio,video "$user"
fi

# The application: replaced as a whole through a staging folder, so an upgrade never leaves a mix of two releases
# and files a newer release dropped do not linger. The release's own files are listed in .release-files; anything
# else in the folder was put there by the user and is carried over (unless the new release has a file of that name).
mkdir -p "$root/opt"
staging="$root/opt/.edgemobilenet.new"
manifest=.release-files
rm -rf "$staging"
mkdir -p "$staging"
(cd "$release" && tar --exclude=./deploy -cf - .) | (cd "$staging" && tar -xf -)
cp -r "$here" "$staging/deploy"
(cd "$staging" && find . -mindepth 1 \( -type f -o -type l \) -print | sed 's|^\./||' | LC_ALL=C sort) > "$staging/$manifest.tmp"
mv "$staging/$manifest.tmp" "$staging/$manifest"
if [ -d "$app" ]; then
    (cd "$app" && find . -mindepth 1 \( -type f -o -type l \) -print | sed 's|^\./||' | LC_ALL=C sort) | while IFS= read -r file; do
        [ "$file" != "$manifest" ] || continue
        if [ -f "$app/$manifest" ] && grep -Fxq -- "$file" "$app/$manifest"; then
            continue # a file of the old release
        fi
        if [ ! -f "$app/$manifest" ] && [ -e "$release/$file" ]; then
            continue # no list (installed by an older install.sh): a name the release ships is taken as the release's
        fi
        if [ -e "$staging/$file" ]; then
            echo "install.sh: $app/$file is replaced by the new release's file of that name" >&2
            continue
        fi
        mkdir -p "$staging/$(dirname "$file")"
        cp -a "$app/$file" "$staging/$file"
        echo "install.sh: keeping $app/$file (not part of the release)"
    done
fi
[ -n "$root" ] || chown -R root:root "$staging"
chmod -R u=rwX,go=rX "$staging"
if [ -d "$app" ]; then
    rm -rf "$root/opt/.edgemobilenet.old"
    mv "$app" "$root/opt/.edgemobilenet.old"
fi
mv "$staging" "$app"
rm -rf "$root/opt/.edgemobilenet.old"

# Settings: the service user reads them (group), nobody else (they may hold MQTT credentials).
install -d -m 0755 "$etc"
if [ ! -e "$etc/appsettings.json" ]; then
    install -m 0640 "$here/examples/$example.json" "$etc/appsettings.json"
    echo "install.sh: wrote $etc/appsettings.json from the $example example: edit it, then systemctl restart edgemobilenet"
else
    echo "install.sh: keeping $etc/appsettings.json"
fi
install -d -m 0755 "$etc/examples"
install -m 0644 "$here"/examples/*.json "$etc/examples/"

install -d -m 0750 "$state" "$state/models"
if [ -z "$root" ]; then
    chgrp "$user" "$etc/appsettings.json"
    chown "$user:$user" "$state" "$state/models"
fi

install -d -m 0755 "$(dirname "$unit")"
install -m 0644 "$here/edgemobilenet.service" "$unit"

# libgpiod is how the station drives real GPIO (Gpio:Driver libgpiod, or auto on a board with a gpiochip).
libraries=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
if ! grep -q 'libgpiod\.so' <<<"$libraries"; then
    echo "install.sh: warning: libgpiod is not installed: GPIO outputs and triggers need it (apt install libgpiod2)," \
        "or set Gpio:Driver to simulated" >&2
fi

if [ -z "$root" ]; then
    systemctl daemon-reload
    systemctl enable edgemobilenet.service
    if [ "$start" = true ]; then
        # restart, not start: an upgrade must run the new release.
        systemctl restart edgemobilenet.service
        systemctl --no-pager --lines=5 status edgemobilenet.service || true
    fi
fi
echo "install.sh: installed $(cd "$app" && ./edgemobilenet --version 2>/dev/null || echo EdgeMobileNet) into ${root:-/}"
