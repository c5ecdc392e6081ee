#!/bin/bash
# Runs INSIDE a container of the runtime image (network: host) as root, and the container
# is then committed as the build image. Installing on top of the runtime image, instead
# of debootstrapping again, is what guarantees that a module built here finds the very
# same library versions in the runtime image.
#
# Usage: build-setup.sh DEFINITION_DIR
# This file is part of the definition digest: editing it changes every image tag.
set -euo pipefail

def=${1:?usage: build-setup.sh DEFINITION_DIR}
pkgs() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$def/$1"; }
export DEBIAN_FRONTEND=noninteractive

echo "== install build packages"
apt-get update
# shellcheck disable=SC2046 # word splitting of the package list is intended
apt-get install -y $(pkgs build-packages)

echo "== builder user (uid/gid 1000) and /build"
# Builds run as --user 1000; /build is where a worker unpacks and builds a recipe.
groupadd --gid 1000 builder
useradd --uid 1000 --gid builder --create-home --home-dir /home/builder \
    --shell /bin/bash builder
install -d -o builder -g builder -m 0775 /build

echo "== clean up"
apt-get clean
# Keep /var/lib/apt/lists: a worker installs a recipe's build dependencies from the same
# index the image was built from (same versions as the packages digest says), and only
# needs 'apt-get update' when the mirror has dropped those versions.
rm -rf /var/cache/apt/*.bin /var/log/apt/* /var/log/dpkg.log /var/log/alternatives.log \
    /tmp/* /root/.cache
rm -rf /usr/share/man/* /usr/share/info/*

echo "== package list"
dpkg-query -W -f '${Package}=${Version}\n' | LC_ALL=C sort > /usr/share/extfarm/packages.txt
wc -l < /usr/share/extfarm/packages.txt
