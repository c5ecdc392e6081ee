#!/bin/bash
# Runs INSIDE the freshly debootstrapped root (chroot, or a Dockerfile RUN) as root.
# Turns a minbase Debian into the extfarm runtime image: PostgreSQL <N> and a postgres user.
#
# Usage: runtime-setup.sh DEFINITION_DIR
# This file is part of the definition digest: editing it changes every image tag.
set -euo pipefail

def=${1:?usage: runtime-setup.sh DEFINITION_DIR}
conf() { sed -n "s/^$1=//p" "$def/target.conf"; }
# Package list files: one name per line, '#' comments.
pkgs() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$def/$1"; }

pg_major=$(conf pg_major)
export DEBIAN_FRONTEND=noninteractive

echo "== apt and dpkg configuration"
install -m 0644 "$def/sources.list" /etc/apt/sources.list
rm -f /etc/apt/sources.list.d/*
# No recommends: keeps the image to what PostgreSQL really depends on, and makes the
# build deps a recipe installs later resolve the same way every time.
cat > /etc/apt/apt.conf.d/90extfarm <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
if [ "$(conf apt_check_valid_until)" = false ]; then
    # sid's Release file on the mirror can be past its Valid-Until date.
    echo 'Acquire::Check-Valid-Until "false";' >> /etc/apt/apt.conf.d/90extfarm
fi
# Like the debian:*-slim images: no docs or man pages, but KEEP copyright files: the
# build worker copies them into bundles as the licenses of bundled libraries.
cat > /etc/dpkg/dpkg.cfg.d/90extfarm-nodoc <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
EOF
# Never start services while installing packages (chroot or container: no init).
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d

echo "== postgres user (uid/gid 999, as in the postgres Docker images)"
# Created before postgresql-common so that the uid is stable across suites
# (postgresql-common accepts an existing system user).
groupadd --system --gid 999 postgres
useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql \
    --shell /bin/bash --comment 'PostgreSQL administrator' postgres
install -d -o postgres -g postgres -m 0755 /var/lib/postgresql

echo "== install PostgreSQL $pg_major"
apt-get update
# debootstrap only knows <suite> itself; bring the base up to date with -updates and
# -security too, or the build image (installed later from the same sources) would
# upgrade shared libraries under the runtime image's feet.
apt-get -y upgrade
# No automatic "main" cluster: postgresql-<N>'s postinst would create one. createcluster.conf
# ends with include_dir 'createcluster.d', so a drop-in made before the install wins.
install -d /etc/postgresql-common/createcluster.d
echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/00-extfarm.conf
# One apt call for the whole list, so that a listed package can satisfy an alternative
# ("systemd | systemd-standalone-tmpfiles") instead of apt picking the first one.
# shellcheck disable=SC2046 # word splitting of the package list is intended
apt-get install -y $(pkgs runtime-packages)
if ls -d /etc/postgresql/*/main 2>/dev/null; then
    echo "ERROR: a main cluster was created despite create_main_cluster = false" >&2
    exit 1
fi
# The socket directory (normally made by systemd-tmpfiles, which containers do not run).
install -d -o postgres -g postgres -m 2775 /var/run/postgresql

echo "== check that no library an extension must bundle crept in"
forbidden=$(dpkg-query -W -f '${Package}\n' | grep -E -f <(pkgs runtime-forbidden) || true)
if [ -n "$forbidden" ]; then
    echo "ERROR: the runtime image must not contain these packages (extensions bundle them):" >&2
    echo "$forbidden" >&2
    for p in $forbidden; do apt-cache rdepends --installed "$p" >&2 || true; done
    exit 1
fi

echo "== clean up"
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old \
    /var/log/apt/* /var/log/dpkg.log /var/log/alternatives.log /var/log/bootstrap.log
# Docs of the packages debootstrap installed before the dpkg exclude existed.
find /usr/share/doc -mindepth 1 -not -type d -not -name copyright -delete
find /usr/share/doc -mindepth 1 -type d -empty -delete
rm -rf /usr/share/man/* /usr/share/info/*
# Docker bind-mounts its own resolv.conf/hostname/hosts; do not ship the build host's.
: > /etc/resolv.conf
echo localhost > /etc/hostname
rm -f /etc/machine-id /var/lib/dbus/machine-id
# ssl-cert made a "snakeoil" key pair at install time (with the build host's name in
# it); one private key shared by every container from this image is worse than none.
find /etc/ssl/certs -lname 'ssl-cert-snakeoil.pem' -delete
rm -f /etc/ssl/certs/ssl-cert-snakeoil.pem /etc/ssl/private/ssl-cert-snakeoil.key

echo "== package list"
install -d /usr/share/extfarm
dpkg-query -W -f '${Package}=${Version}\n' | LC_ALL=C sort > /usr/share/extfarm/packages.txt
wc -l < /usr/share/extfarm/packages.txt
