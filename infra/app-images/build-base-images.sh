#!/usr/bin/env bash
# Make (or load from a cache) the base images of the extfarm application images, with no pull:
#
#   build-base-images.sh [--cache DIR] [--print-tags]
#
#   extfarm/jre17:bookworm-<digest>          debootstrap bookworm + openjdk-17-jre-headless (docker import)
#   extfarm/jre17-docker:bookworm-<digest>   the same + the Docker client (container + docker commit)
#
# <digest> is the first 12 hex of a sha-256 over definitions/, setup.sh and this file's scheme: the
# same definition gives the same tag, so an existing tag (or a cached DIR/<tag>.tar.zst) is reused.
# Same route as infra/builder-images (docs/builder-images.md). --print-tags prints
# "registry=<tag>" and "worker=<tag>" lines on stdout; progress goes to stderr.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCHEME=extfarm-app-base-v1
WORK=${EF_WORK_DIR:-/var/tmp/extfarm-images}
cache='' print=false
while [ $# -gt 0 ]; do
    case $1 in
        --cache) cache=${2:?--cache needs a directory}; shift 2 ;;
        --print-tags) print=true; shift ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "build-base-images: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
say() { echo "[app-base] $*" >&2; }
docker info >/dev/null 2>&1 || { say "docker is not usable; run infra/docker/ensure-docker.sh"; exit 1; }

digest() { # digest DEFINITION... -> 64 hex over the named definitions and setup.sh
    (cd "$HERE" && { printf 'scheme %s\narch %s\n' "$SCHEME" "$(dpkg --print-architecture)"
        for d in "$@"; do find "definitions/$d" -type f; done | LC_ALL=C sort | while IFS= read -r f; do sha256sum -- "$f"; done
        sha256sum setup.sh; } | sha256sum | cut -c1-64)
}
JRE_DIGEST=$(digest jre17-bookworm)
WORKER_DIGEST=$(digest jre17-bookworm jre17-docker-bookworm)
JRE_TAG=extfarm/jre17:bookworm-${JRE_DIGEST:0:12}
WORKER_TAG=extfarm/jre17-docker:bookworm-${WORKER_DIGEST:0:12}

exists() { docker image inspect "$1" >/dev/null 2>&1; }
cache_file() { printf '%s/%s.tar.zst\n' "$cache" "$(printf '%s' "$1" | tr '/:' '__')"; }
load() { [ -n "$cache" ] && [ -f "$(cache_file "$1")" ] && { say "loading $1 from the cache"; zstd -dcq "$(cache_file "$1")" | docker load >/dev/null; }; }
save() {
    [ -n "$cache" ] || return 0
    [ -f "$(cache_file "$1")" ] && return 0
    mkdir -p "$cache"
    docker save "$1" | zstd -q -T0 -3 -o "$(cache_file "$1").part" && mv -f "$(cache_file "$1").part" "$(cache_file "$1")"
    say "saved $1 to $(cache_file "$1")"
}

build_jre() {
    local root="$WORK/app-base-${JRE_DIGEST:0:12}.rootfs" start=$SECONDS
    [ "$(id -u)" -eq 0 ] || { say "building $JRE_TAG needs root (debootstrap, chroot)"; exit 1; }
    mkdir -p "$WORK"
    # shellcheck source=SCRIPTDIR/../builder-images/lib/common.sh
    EF_IMAGES_DIR="$HERE/../builder-images" source "$HERE/../builder-images/lib/common.sh"
    ef_remove_rootfs "$root"
    trap 'ef_remove_rootfs "$root"' EXIT
    say "debootstrap bookworm into $root (about a minute)"
    debootstrap --variant=minbase --components=main bookworm "$root" http://deb.debian.org/debian > "$WORK/app-base.log" 2>&1
    mkdir -p "$root/tmp/setup"
    cp -r "$HERE/definitions/jre17-bookworm" "$root/tmp/setup/def"
    cp "$HERE/setup.sh" "$root/tmp/setup/"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    mount -t proc proc "$root/proc"
    local rc=0
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        chroot "$root" /bin/bash /tmp/setup/setup.sh /tmp/setup/def >> "$WORK/app-base.log" 2>&1 || rc=$?
    umount "$root/proc"
    rm -rf "$root/tmp/setup"
    [ "$rc" -eq 0 ] || { say "setup failed; see $WORK/app-base.log"; exit "$rc"; }
    tar --numeric-owner -C "$root" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
        docker import --change "LABEL dev.extfarm.kind=app-base dev.extfarm.definition-digest=sha256:$JRE_DIGEST" \
            --change "ENV LANG=C.UTF-8" --change 'CMD ["bash"]' --message "extfarm JRE 17 base" - "$JRE_TAG" >/dev/null
    ef_remove_rootfs "$root"
    trap - EXIT
    say "built $JRE_TAG in $((SECONDS - start)) s"
}

build_worker() {
    local name="extfarm-app-base-$$" start=$SECONDS
    trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
    tar -C "$HERE" -c setup.sh definitions/jre17-docker-bookworm |
        docker run -i --name "$name" --network host --user 0 "$JRE_TAG" bash -c \
            'set -e; mkdir -p /tmp/s; tar -x -C /tmp/s; 
             bash /tmp/s/setup.sh /tmp/s/definitions/jre17-docker-bookworm; rm -rf /tmp/s' >> "$WORK/app-base.log" 2>&1
    docker commit --change "LABEL dev.extfarm.kind=app-base dev.extfarm.definition-digest=sha256:$WORKER_DIGEST" \
        --message "extfarm JRE 17 + Docker client base" "$name" "$WORKER_TAG" >/dev/null
    docker rm -f "$name" >/dev/null
    trap - EXIT
    say "built $WORKER_TAG in $((SECONDS - start)) s"
}

mkdir -p "$WORK"
exists "$JRE_TAG" || load "$JRE_TAG" || true
exists "$WORKER_TAG" || load "$WORKER_TAG" || true
exists "$JRE_TAG" || build_jre
exists "$WORKER_TAG" || build_worker
save "$JRE_TAG"
save "$WORKER_TAG"
say "up to date: $JRE_TAG, $WORKER_TAG"
if $print; then
    printf 'registry=%s\nworker=%s\n' "$JRE_TAG" "$WORKER_TAG"
fi
