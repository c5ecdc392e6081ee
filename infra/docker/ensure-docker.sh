#!/usr/bin/env bash
# Make sure a Docker engine is usable here, and that debootstrap (used by
# infra/builder-images/build-images.sh) and zstd (its image cache) are installed.
# Idempotent: when everything is already there it only runs `docker info` and exits 0.
#
# Without a usable engine, and if we are root on a Debian/Ubuntu machine, it installs the
# docker.io package and starts dockerd in the background the way our build machines need
# it: no default bridge and no iptables rules (only the `host` and `none` networks;
# builds run with --network none, apt during image builds with --network host).
# Otherwise it exits non-zero with the commands a person should run.
set -euo pipefail

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
WAIT_SECONDS=${WAIT_SECONDS:-60}

say() { echo "ensure-docker: $*" >&2; }
docker_ok() { command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
have_apt() { command -v apt-get >/dev/null; }

manual_steps() {
    cat >&2 <<EOF
ensure-docker: could not get a working Docker engine ($1). Run, as root:

    apt-get update && apt-get install -y docker.io debootstrap zstd
    setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false > $DOCKERD_LOG 2>&1 &
    timeout $WAIT_SECONDS sh -c 'until docker info >/dev/null 2>&1; do sleep 1; done'

(or, where a normal Docker with networking is allowed: systemctl start docker), then
check with: docker info
EOF
    exit 1
}

apt_updated=false
apt_install() {
    if ! $apt_updated; then
        say "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=true
    fi
    say "apt-get install -y $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Tools build-images.sh needs besides docker. Installed when possible, never fatal here:
# build-images.sh says what is missing when it actually needs it.
ensure_tools() {
    local missing=()
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v zstd >/dev/null || missing+=(zstd)
    [ ${#missing[@]} -eq 0 ] && return 0
    if is_root && have_apt; then
        apt_install "${missing[@]}" || say "WARNING: could not install ${missing[*]}"
    else
        say "WARNING: ${missing[*]} missing; install with: apt-get install -y ${missing[*]}"
    fi
}

if docker_ok; then
    ensure_tools
    exit 0
fi

is_root || manual_steps "docker info fails and we are not root"
have_apt || manual_steps "docker info fails and there is no apt-get"

if ! command -v dockerd >/dev/null; then
    say "dockerd not found: installing docker.io"
    apt_install docker.io || manual_steps "apt-get install docker.io failed"
fi
# The docker.io package brings its own client; a newer client already on PATH also works.
command -v docker >/dev/null || manual_steps "no docker client on PATH"

if pgrep -x dockerd >/dev/null 2>&1 || pidof dockerd >/dev/null 2>&1; then
    say "dockerd is running but docker info fails; waiting up to $WAIT_SECONDS s for it"
else
    say "starting dockerd (no bridge, no iptables); log: $DOCKERD_LOG"
    # setsid + nohup: the daemon must outlive this script and the shell that called it.
    setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false > "$DOCKERD_LOG" 2>&1 &
fi

deadline=$((SECONDS + WAIT_SECONDS))
while [ "$SECONDS" -lt "$deadline" ]; do
    if docker_ok; then
        say "docker is ready ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
        ensure_tools
        exit 0
    fi
    sleep 1
done
say "dockerd did not answer within $WAIT_SECONDS s; last lines of $DOCKERD_LOG:"
tail -n 20 "$DOCKERD_LOG" >&2 || true
manual_steps "dockerd did not become ready"
