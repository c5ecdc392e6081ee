# shellcheck shell=bash
# The host-side steps that produce the extfarm images. Sourced by build-images.sh, after
# lib/common.sh.
#
# This file, runtime-setup.sh, build-setup.sh and the definition directory are the inputs
# of the *definition digest* (the image tag): whatever decides what ends up in an image
# (content, environment, labels) lives here; progress output, caching, argument parsing
# (build-images.sh) and target/digest/clean-up helpers (lib/common.sh) are NOT hashed, so
# editing those never forces a rebuild.

# ef_conf TARGET KEY -> value from target.conf (key=value lines, no shell evaluation)
ef_conf() { sed -n "s/^$2=//p" "$(ef_def_dir "$1")/target.conf" | tail -n 1; }

ef_arch() { dpkg --print-architecture 2>/dev/null || uname -m; }

# Platform string shared with bundles and compute specs:
#   debian-<os_version>-<dpkg arch>-glibc, e.g. debian-12-amd64-glibc, debian-sid-amd64-glibc
ef_platform() { printf 'debian-%s-%s-glibc\n' "$(ef_conf "$1" os_version)" "$(ef_arch)"; }

ef_pg_path() { printf '/usr/lib/postgresql/%s/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n' "$1"; }

# --- runtime image ---------------------------------------------------------------------

# ef_step_debootstrap TARGET ROOTFS
ef_step_debootstrap() {
    local target=$1 root=$2
    ef_remove_rootfs "$root"
    mkdir -p "$root"
    # minbase: essential packages + apt only. --components main: nothing non-free.
    debootstrap --variant=minbase --arch="$(ef_arch)" --components=main \
        "$(ef_conf "$target" suite)" "$root" "$(ef_conf "$target" mirror)"
}

# ef_step_runtime_setup TARGET ROOTFS: run runtime-setup.sh inside the root with chroot.
ef_step_runtime_setup() {
    local target=$1 root=$2 rc=0
    rm -rf "$root/tmp/extfarm-setup"
    mkdir -p "$root/tmp/extfarm-setup"
    cp -r "$(ef_def_dir "$target")" "$root/tmp/extfarm-setup/definition"
    cp "$EF_IMAGES_DIR/lib/runtime-setup.sh" "$root/tmp/extfarm-setup/"
    # The chroot needs name resolution for apt; runtime-setup.sh empties it afterwards.
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # Maintainer scripts need /proc (sid's systemd-tmpfiles refuses to run without it).
    mount -t proc proc "$root/proc"
    # A clean environment: nothing of the host's leaks into maintainer scripts.
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LANG=C.UTF-8 TERM=dumb \
        ${http_proxy:+http_proxy="$http_proxy"} ${https_proxy:+https_proxy="$https_proxy"} \
        chroot "$root" /bin/bash /tmp/extfarm-setup/runtime-setup.sh /tmp/extfarm-setup/definition \
        || rc=$?
    umount "$root/proc"
    rm -rf "$root/tmp/extfarm-setup"
    return "$rc"
}

# ef_image_env_changes PG_MAJOR -> one --change argument per line (for import and commit)
ef_image_env_changes() {
    printf '%s\n' "--change=ENV PG_MAJOR=$1" "--change=ENV LANG=C.UTF-8" \
        "--change=ENV PATH=$(ef_pg_path "$1")" '--change=CMD ["bash"]'
}

# ef_step_import TARGET ROOTFS TAG PACKAGES_DIGEST
ef_step_import() {
    local target=$1 root=$2 tag=$3 pkg_digest=$4 pg changes
    pg=$(ef_conf "$target" pg_major)
    mapfile -t changes < <(ef_image_env_changes "$pg")
    # Device nodes, proc and sys come from the container runtime, not from the image.
    tar --numeric-owner -C "$root" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
        docker import \
            --change "LABEL dev.extfarm.kind=runtime dev.extfarm.target=$target dev.extfarm.suite=$(ef_conf "$target" suite) dev.extfarm.pg-major=$pg dev.extfarm.platform=$(ef_platform "$target") dev.extfarm.definition-digest=sha256:$EF_DIGEST dev.extfarm.packages-digest=sha256:$pkg_digest" \
            "${changes[@]}" \
            --message "extfarm runtime image $target" - "$tag"
}

# --- build image -----------------------------------------------------------------------

# ef_step_build_setup TARGET RUNTIME_TAG CONTAINER_NAME
# Leaves the stopped container behind for ef_step_commit.
ef_step_build_setup() {
    local target=$1 runtime_tag=$2 name=$3 proxy=''
    [ -n "${http_proxy:-}" ] && proxy+="export http_proxy='$http_proxy'; "
    [ -n "${https_proxy:-}" ] && proxy+="export https_proxy='$https_proxy'; "
    # The scripts travel in on stdin (a tar), not as a bind mount: a mount point would be
    # committed into the image as an empty file.
    tar -C "$EF_IMAGES_DIR" -c lib/build-setup.sh "definitions/$target" |
        docker run -i --name "$name" --network host --user 0 "$runtime_tag" bash -c \
            "set -e; ${proxy}mkdir -p /tmp/extfarm-setup; tar -x -C /tmp/extfarm-setup;
             bash /tmp/extfarm-setup/lib/build-setup.sh /tmp/extfarm-setup/definitions/$target;
             rm -rf /tmp/extfarm-setup"
}

# ef_step_commit TARGET CONTAINER TAG PACKAGES_DIGEST RUNTIME_TAG RUNTIME_PACKAGES_DIGEST
ef_step_commit() {
    local target=$1 name=$2 tag=$3 pkg_digest=$4 runtime_tag=$5 runtime_digest=$6 pg changes
    pg=$(ef_conf "$target" pg_major)
    mapfile -t changes < <(ef_image_env_changes "$pg")
    # suite, pg-major, platform, definition-digest are inherited from the runtime image.
    docker commit \
        --change "LABEL dev.extfarm.kind=build dev.extfarm.packages-digest=sha256:$pkg_digest dev.extfarm.runtime-image=$runtime_tag dev.extfarm.runtime-packages-digest=sha256:$runtime_digest" \
        "${changes[@]}" \
        --change "ENV PG_CONFIG=/usr/lib/postgresql/$pg/bin/pg_config" \
        --change "WORKDIR /build" \
        --message "extfarm build image $target" "$name" "$tag"
}
