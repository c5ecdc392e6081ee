#!/bin/bash
# Runs INSIDE the image being made, as root: in the debootstrapped root (chroot) for the JRE base,
# in a container of the JRE base for the worker base (which is then committed).
# Usage: setup.sh DEFINITION_DIR. Part of the definition digest.
set -euo pipefail
def=${1:?usage: setup.sh DEFINITION_DIR}
pkgs() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$def/packages"; }
export DEBIAN_FRONTEND=noninteractive

if [ -f "$def/sources.list" ]; then
    install -m 0644 "$def/sources.list" /etc/apt/sources.list
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Languages "none";\n' \
        > /etc/apt/apt.conf.d/90extfarm
    printf 'path-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\n' \
        > /etc/dpkg/dpkg.cfg.d/90extfarm-nodoc
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
fi
apt-get update
apt-get -y upgrade
# shellcheck disable=SC2046 # word splitting of the package list is intended
apt-get install -y $(pkgs)

# The applications run as uid/gid 1001 ("extfarm") with their data under /var/lib/extfarm
# (the worker runs as root instead: it talks to the Docker socket; see docs/operations.md).
if ! id extfarm >/dev/null 2>&1; then
    groupadd --system --gid 1001 extfarm
    useradd --system --uid 1001 --gid extfarm --home-dir /var/lib/extfarm --shell /usr/sbin/nologin extfarm
    install -d -o extfarm -g extfarm -m 0750 /var/lib/extfarm
fi

apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/apt/* /var/log/dpkg.log \
    /var/log/alternatives.log /var/log/bootstrap.log /tmp/* /root/.cache
find /usr/share/doc -mindepth 1 -not -type d -not -name copyright -delete
find /usr/share/doc -mindepth 1 -type d -empty -delete
rm -rf /usr/share/man/* /usr/share/info/*
: > /etc/resolv.conf
echo localhost > /etc/hostname
rm -f /etc/machine-id /var/lib/dbus/machine-id
install -d /usr/share/extfarm
dpkg-query -W -f '${Package}=${Version}\n' | LC_ALL=C sort > /usr/share/extfarm/packages.txt
