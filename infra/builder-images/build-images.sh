#!/usr/bin/env bash
# Build, load from a cache, or just look up the extfarm builder and runtime images.
#
#   build-images.sh [--cache DIR] [--no-build] TARGET...      ensure the images exist
#   build-images.sh [--cache DIR] --list [TARGET...]          show tags and status
#   build-images.sh [--cache DIR] [--no-build] --print-json TARGET...
#                                                             ensure, then one JSON line each
#
# TARGET is a directory name under definitions/ (bookworm-pg15, trixie-pg17, sid-pg18)
# or "all". See docs/builder-images.md.
#
# For each target: both tagged images exist -> nothing to do; else a cached
# DIR/<tag, with / and : as _>.tar.zst (or .tar) is loaded; else the images are built (debootstrap + chroot
# for the runtime image, a container + docker commit for the build image) and, with
# --cache, saved into DIR. Progress goes to stderr, JSON and --list to stdout.
#
# Environment: EF_WORK_DIR (scratch space and logs, default /var/tmp/extfarm-images),
# EF_RUNTIME_REPO / EF_BUILD_REPO (default extfarm/runtime, extfarm/build),
# http_proxy / https_proxy (passed to debootstrap and apt).
set -euo pipefail

EF_IMAGES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/common.sh
source "$EF_IMAGES_DIR/lib/common.sh"
# shellcheck source=SCRIPTDIR/lib/image-steps.sh
source "$EF_IMAGES_DIR/lib/image-steps.sh"

EF_WORK_DIR=${EF_WORK_DIR:-/var/tmp/extfarm-images}
LOCK_FILE=/var/lock/extfarm-build-images.lock

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "build-images: $*" >&2; exit 1; }
say() { echo "$*" >&2; }

cache_dir='' mode=ensure no_build=false targets=()
while [ $# -gt 0 ]; do
    case $1 in
        --cache) cache_dir=${2:?--cache needs a directory}; shift 2 ;;
        --cache=*) cache_dir=${1#--cache=}; shift ;;
        --list) mode=list; shift ;;
        --print-json) mode=json; shift ;;
        --no-build) no_build=true; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) targets+=("$1"); shift ;;
    esac
done
if [ ${#targets[@]} -eq 0 ]; then
    if [ "$mode" = list ]; then targets=(all); else usage >&2; exit 2; fi
fi
expanded=()
for t in "${targets[@]}"; do
    if [ "$t" = all ]; then
        mapfile -t -O "${#expanded[@]}" expanded < <(ef_targets)
    elif [ -f "$(ef_def_dir "$t")/target.conf" ]; then
        expanded+=("$t")
    else
        die "unknown target '$t'; known: $(ef_targets | tr '\n' ' ')"
    fi
done
targets=("${expanded[@]}")

# --- small helpers ---------------------------------------------------------------------

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
label() { docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1"; }
# Cache file of a tag: extfarm/build:bookworm-pg15-0123456789ab -> extfarm_build_bookworm-pg15-0123456789ab
cache_base() { printf '%s/%s\n' "$cache_dir" "$(printf '%s' "$1" | tr '/:' '__')"; }
cache_file() {
    local b
    b=$(cache_base "$1")
    if [ -f "$b.tar.zst" ]; then echo "$b.tar.zst"; elif [ -f "$b.tar" ]; then echo "$b.tar"; fi
}
human_size() { numfmt --to=iec --suffix=B "$1" 2>/dev/null || echo "${1}B"; }

# phase TARGET NAME LOG COMMAND...: one line when a phase starts and one when it ends,
# with the elapsed seconds; the command's output goes to LOG.
phase() {
    local target=$1 name=$2 log=$3 start rc=0
    shift 3
    start=$SECONDS
    say "[$target] $name ..."
    printf '\n===== %s: %s (%s)\n' "$target" "$name" "$(date -u +%FT%TZ)" >> "$log"
    # A subshell outside any "||" or "if" context, so that set -e still applies to every
    # command of the step (bash ignores -e inside functions called from such contexts).
    set +e
    ( set -e; "$@" ) >> "$log" 2>&1
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        say "[$target] $name FAILED after $((SECONDS - start)) s (exit $rc); last lines of $log:"
        tail -n 25 "$log" | sed 's/^/    /' >&2
        return "$rc"
    fi
    say "[$target] $name done in $((SECONDS - start)) s"
}

load_from_cache() {
    local target=$1 tag=$2 file start=$SECONDS
    [ -n "$cache_dir" ] || return 1
    file=$(cache_file "$tag")
    [ -n "$file" ] || return 1
    say "[$target] loading $tag from $file ..."
    case $file in
        *.zst) zstd -dcq -- "$file" | docker load >/dev/null ;;
        *) docker load -i "$file" >/dev/null ;;
    esac
    image_exists "$tag" || die "$file did not contain $tag"
    say "[$target] loaded $tag in $((SECONDS - start)) s"
}

save_to_cache() {
    local target=$1 tag=$2 base start=$SECONDS
    [ -n "$cache_dir" ] || return 0
    [ -n "$(cache_file "$tag")" ] && return 0
    mkdir -p "$cache_dir"
    base=$(cache_base "$tag")
    say "[$target] saving $tag to the cache ..."
    # Write to a temporary name and rename: a cache file is either complete or absent.
    if command -v zstd >/dev/null; then
        docker save "$tag" | zstd -q -T0 -3 -o "$base.tar.zst.part"
        mv -f "$base.tar.zst.part" "$base.tar.zst"
        say "[$target] saved $base.tar.zst ($(human_size "$(stat -c %s "$base.tar.zst")")) in $((SECONDS - start)) s"
    else
        docker save -o "$base.tar.part" "$tag"
        mv -f "$base.tar.part" "$base.tar"
        say "[$target] saved $base.tar ($(human_size "$(stat -c %s "$base.tar")")) in $((SECONDS - start)) s"
    fi
}

pkg_digest_of_file() { sha256sum < "$1" | cut -c1-64; }

# --- building --------------------------------------------------------------------------

build_runtime() {
    local target=$1 log=$2 stem=$3 root pkgs digest
    root="$stem.rootfs"
    pkgs="$stem.runtime-packages.txt"
    # shellcheck disable=SC2064 # expand now: the trap must remove this very directory
    trap "ef_remove_rootfs '$root'" EXIT
    say "[$target] debootstrap $(ef_conf "$target" suite) into $root"
    phase "$target" "debootstrap" "$log" ef_step_debootstrap "$target" "$root"
    phase "$target" "install PostgreSQL $(ef_conf "$target" pg_major) (chroot)" "$log" \
        ef_step_runtime_setup "$target" "$root"
    cp "$root/usr/share/extfarm/packages.txt" "$pkgs"
    digest=$(pkg_digest_of_file "$pkgs")
    phase "$target" "docker import $EF_RUNTIME_TAG" "$log" \
        ef_step_import "$target" "$root" "$EF_RUNTIME_TAG" "$digest"
    ef_remove_rootfs "$root"
    trap - EXIT
}

build_build() {
    local target=$1 log=$2 stem=$3 name pkgs runtime_pkgs digest runtime_digest missing
    name="extfarm-build-setup-$target-$$"
    pkgs="$stem.build-packages.txt"
    runtime_pkgs="$stem.runtime-packages.txt"
    # shellcheck disable=SC2064
    trap "docker rm -f '$name' >/dev/null 2>&1 || true" EXIT
    phase "$target" "install build packages (container on $EF_RUNTIME_TAG)" "$log" \
        ef_step_build_setup "$target" "$EF_RUNTIME_TAG" "$name"
    docker cp "$name:/usr/share/extfarm/packages.txt" "$pkgs"
    docker run --rm --network none "$EF_RUNTIME_TAG" cat /usr/share/extfarm/packages.txt > "$runtime_pkgs"
    # Both images must share library versions: every runtime package, same version.
    missing=$(LC_ALL=C comm -23 "$runtime_pkgs" "$pkgs")
    if [ -n "$missing" ]; then
        say "[$target] ERROR: the build image changed runtime packages (apt upgraded them):"
        say "$missing"
        return 1
    fi
    digest=$(pkg_digest_of_file "$pkgs")
    runtime_digest=$(label "$EF_RUNTIME_TAG" dev.extfarm.packages-digest)
    phase "$target" "docker commit $EF_BUILD_TAG" "$log" \
        ef_step_commit "$target" "$name" "$EF_BUILD_TAG" "$digest" "$EF_RUNTIME_TAG" "${runtime_digest#sha256:}"
    docker rm -f "$name" >/dev/null
    trap - EXIT
}

# ensure TARGET: make both images of TARGET exist (skip / load / build).
ensure() {
    local target=$1 start=$SECONDS log stem
    ef_tags "$target"
    if image_exists "$EF_RUNTIME_TAG" && image_exists "$EF_BUILD_TAG"; then
        say "[$target] up to date: $EF_BUILD_TAG, $EF_RUNTIME_TAG"
    else
        image_exists "$EF_RUNTIME_TAG" || load_from_cache "$target" "$EF_RUNTIME_TAG" || true
        image_exists "$EF_BUILD_TAG" || load_from_cache "$target" "$EF_BUILD_TAG" || true
        if ! image_exists "$EF_RUNTIME_TAG" || ! image_exists "$EF_BUILD_TAG"; then
            $no_build && die "[$target] $EF_BUILD_TAG / $EF_RUNTIME_TAG missing and not in the cache (--no-build)"
            [ "$(id -u)" -eq 0 ] || die "building images needs root (debootstrap, chroot)"
            mkdir -p "$EF_WORK_DIR/logs"
            # One build at a time on a machine: debootstrap and apt are heavy, and two
            # builds of the same target would race for the same tags.
            exec 9> "$LOCK_FILE"
            if ! flock -n 9; then
                say "[$target] another build-images.sh is building; waiting for $LOCK_FILE ..."
                flock 9
            fi
            start=$SECONDS  # "built in" counts from here, not from the wait
            stem="$EF_WORK_DIR/$target-${EF_DIGEST:0:12}"
            log="$EF_WORK_DIR/logs/$target-${EF_DIGEST:0:12}-$(date -u +%Y%m%dT%H%M%SZ).log"
            say "[$target] building $EF_RUNTIME_TAG and $EF_BUILD_TAG; log: $log"
            # The build image is made from the runtime image: without the runtime image
            # both are rebuilt; with it (built or loaded), only the build image is.
            # (Subshells: each has its own EXIT trap for clean-up. Plain "if" rather than
            # "||", which would switch off set -e inside them.)
            if ! image_exists "$EF_RUNTIME_TAG"; then
                if image_exists "$EF_BUILD_TAG"; then
                    # A new runtime image gets new package versions: the old build image
                    # would no longer match it, so it is rebuilt as well.
                    say "[$target] runtime image missing: rebuilding $EF_BUILD_TAG on the new one too"
                    docker rmi "$EF_BUILD_TAG" >/dev/null
                fi
                (build_runtime "$target" "$log" "$stem")
            fi
            if ! image_exists "$EF_BUILD_TAG"; then (build_build "$target" "$log" "$stem"); fi
            flock -u 9
            say "[$target] built in $((SECONDS - start)) s: build $(human_size "$(docker image inspect -f '{{.Size}}' "$EF_BUILD_TAG")"), runtime $(human_size "$(docker image inspect -f '{{.Size}}' "$EF_RUNTIME_TAG")")"
        fi
        check_pair "$target"
    fi
    save_to_cache "$target" "$EF_RUNTIME_TAG"
    save_to_cache "$target" "$EF_BUILD_TAG"
}

# The build image records which runtime packages it was made on; a runtime image rebuilt
# on its own (e.g. loaded from another cache) would not match.
check_pair() {
    local want have
    want=$(label "$EF_BUILD_TAG" dev.extfarm.runtime-packages-digest)
    have=$(label "$EF_RUNTIME_TAG" dev.extfarm.packages-digest)
    if [ "$want" != "$have" ]; then
        say "[$1] WARNING: $EF_BUILD_TAG was made on runtime packages $want but $EF_RUNTIME_TAG has $have;"
        say "[$1]          remove both tags and run again to rebuild them together"
    fi
}

status_of() {
    local tag=$1
    if image_exists "$tag"; then echo present
    elif [ -n "$cache_dir" ] && [ -n "$(cache_file "$tag")" ]; then echo cached
    else echo missing
    fi
}

print_json() {
    local target=$1
    ef_tags "$target"
    # All values are plain tokens (no quotes or backslashes), so printf is enough.
    printf '{"target":"%s","suite":"%s","pg_major":%s,"platform":"%s","build_image":"%s","runtime_image":"%s","definition_digest":"sha256:%s","packages_digest":"%s","runtime_packages_digest":"%s","build_image_id":"%s","runtime_image_id":"%s"}\n' \
        "$target" "$(ef_conf "$target" suite)" "$(ef_conf "$target" pg_major)" "$(ef_platform "$target")" \
        "$EF_BUILD_TAG" "$EF_RUNTIME_TAG" "$EF_DIGEST" \
        "$(label "$EF_BUILD_TAG" dev.extfarm.packages-digest)" \
        "$(label "$EF_RUNTIME_TAG" dev.extfarm.packages-digest)" \
        "$(docker image inspect -f '{{.Id}}' "$EF_BUILD_TAG")" \
        "$(docker image inspect -f '{{.Id}}' "$EF_RUNTIME_TAG")"
}

# --- main ------------------------------------------------------------------------------

docker info >/dev/null 2>&1 || die "docker is not usable; run infra/docker/ensure-docker.sh"

case $mode in
    list)
        printf '%-15s %-24s %-8s %-8s %s\n' TARGET PLATFORM BUILD RUNTIME TAGS
        for t in "${targets[@]}"; do
            ef_tags "$t"
            printf '%-15s %-24s %-8s %-8s %s %s\n' "$t" "$(ef_platform "$t")" \
                "$(status_of "$EF_BUILD_TAG")" "$(status_of "$EF_RUNTIME_TAG")" "$EF_BUILD_TAG" "$EF_RUNTIME_TAG"
        done
        ;;
    ensure)
        for t in "${targets[@]}"; do ensure "$t"; done
        ;;
    json)
        for t in "${targets[@]}"; do ensure "$t"; done
        for t in "${targets[@]}"; do print_json "$t"; done
        ;;
esac
