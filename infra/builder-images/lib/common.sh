# shellcheck shell=bash
# Helpers of build-images.sh that do NOT decide what goes into an image: target names, the
# definition digest (the tags), clean-up. Not hashed, so editing them never forces a
# rebuild. If the digest computation itself changes meaning, bump EF_SCHEME.

EF_IMAGES_DIR=${EF_IMAGES_DIR:?EF_IMAGES_DIR must point at infra/builder-images}

# Bumped by hand when the tag or label scheme changes in a way the files do not show.
EF_SCHEME=extfarm-images-v1
# Relative to EF_IMAGES_DIR. The definition directory is added per target.
EF_HASHED_FILES=(lib/image-steps.sh lib/runtime-setup.sh lib/build-setup.sh)

EF_RUNTIME_REPO=${EF_RUNTIME_REPO:-extfarm/runtime}
EF_BUILD_REPO=${EF_BUILD_REPO:-extfarm/build}

ef_def_dir() { printf '%s/definitions/%s\n' "$EF_IMAGES_DIR" "$1"; }

ef_targets() {
    local d
    for d in "$EF_IMAGES_DIR"/definitions/*/; do
        [ -f "$d/target.conf" ] && basename "$d"
    done | LC_ALL=C sort
}

# ef_definition_digest TARGET -> 64 hex
# sha-256 over "<sha-256>  <relative path>" lines of every definition file and every hashed
# script (sorted by path), plus the scheme and the architecture. Only file *contents* and
# names count: checkout location, mtimes and modes do not.
ef_definition_digest() {
    local target=$1
    (
        cd "$EF_IMAGES_DIR" || exit 1
        printf 'scheme %s\narch %s\n' "$EF_SCHEME" "$(ef_arch)"
        {
            find "definitions/$target" -type f
            printf '%s\n' "${EF_HASHED_FILES[@]}"
        } | LC_ALL=C sort | while IFS= read -r f; do sha256sum -- "$f"; done
    ) | sha256sum | cut -c1-64
}

# ef_tags TARGET -> sets EF_DIGEST, EF_RUNTIME_TAG, EF_BUILD_TAG
# shellcheck disable=SC2034 # used by build-images.sh
ef_tags() {
    EF_DIGEST=$(ef_definition_digest "$1")
    EF_RUNTIME_TAG="$EF_RUNTIME_REPO:$1-${EF_DIGEST:0:12}"
    EF_BUILD_TAG="$EF_BUILD_REPO:$1-${EF_DIGEST:0:12}"
}

# Never delete through a mount: debootstrap mounts proc/sys inside the target while it
# runs and only unmounts them itself if it exits normally.
ef_remove_rootfs() {
    local root=$1
    [ -d "$root" ] || return 0
    root=$(cd "$root" && pwd -P)
    # Deepest mount points first.
    awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r |
        while IFS= read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
    rm -rf --one-file-system -- "$root"
}
