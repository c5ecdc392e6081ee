#!/usr/bin/env bash
# Smoke test of one target's images (they must exist, or be in the --cache directory):
#  1. compile test/hello with PGXS in the build image, --network none, as uid 1000, with
#     RUNPATH=$ORIGIN, and check it with readelf;
#  2. in the runtime image, --network none: install it, initdb + start PostgreSQL as the
#     postgres user, CREATE EXTENSION hello and call it.
# Usage: smoke-test.sh [--cache DIR] TARGET
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
json=$("$here/../build-images.sh" --no-build --print-json "$@")
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" <<<"$json"; }
build=$(field build_image)
runtime=$(field runtime_image)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Scripts go in as the command (bash -c), files as a tar on stdin: no bind mounts, so
# nothing depends on host uids or paths.
echo "== compile in $build (--network none, --user 1000)"
tar -C "$here/hello" -c . |
    docker run -i --rm --network none --user 1000 --memory 2g --pids-limit 512 \
        "$build" bash -c "$(cat "$here/in-build-image.sh")" > "$tmp/out.tar"
tar -C "$tmp" -xf "$tmp/out.tar"
so=$(find "$tmp" -name hello.so)
# shellcheck disable=SC2016 # a literal $ORIGIN
readelf -d "$so" | grep -F 'RUNPATH' | grep -F '[$ORIGIN]'

echo "== run in $runtime (--network none)"
docker run -i --rm --network none --memory 1g "$runtime" \
    bash -c "$(cat "$here/in-runtime-image.sh")" < "$tmp/out.tar"
echo "smoke test of $build / $runtime: OK"
