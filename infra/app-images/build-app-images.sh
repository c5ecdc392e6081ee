#!/usr/bin/env bash
# Build the container images of registry-server and builder-worker with Jib (Quarkus'
# container-image-jib extension, Maven profile "images") into the local Docker engine, on base
# images made locally by build-base-images.sh: nothing is pulled.
#
#   infra/app-images/build-app-images.sh [--oci-dir DIR] [--cache DIR]
#
# Result: extfarm/registry-server:<version> and extfarm/builder-worker:<version> in `docker images`;
# with --oci-dir, also DIR/registry-server.tar and DIR/builder-worker.tar (docker save format, which
# `docker load`, skopeo and k3s/containerd import). Tests are not run (./mvnw verify does that).
# --cache DIR: where base images are cached (default /var/cache/extfarm/images).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
oci_dir='' cache=/var/cache/extfarm/images
while [ $# -gt 0 ]; do
    case $1 in
        --oci-dir) oci_dir=${2:?}; shift 2 ;;
        --cache) cache=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "build-app-images: unknown argument $1" >&2; exit 2 ;;
    esac
done
tags=$("$ROOT/infra/app-images/build-base-images.sh" --cache "$cache" --print-tags)
registry_base=$(sed -n 's/^registry=//p' <<<"$tags")
worker_base=$(sed -n 's/^worker=//p' <<<"$tags")
cd "$ROOT"
./mvnw -B -q -Pimages -pl registry-server,builder-worker -am package -Dmaven.test.skip=true \
    -Dextfarm.image.base.registry="docker://$registry_base" -Dextfarm.image.base.worker="docker://$worker_base"
version=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -n 1)
for app in registry-server builder-worker; do
    docker image inspect "extfarm/$app:$version" >/dev/null
    echo "extfarm/$app:$version $(docker image inspect -f '{{.Size}}' "extfarm/$app:$version" | numfmt --to=iec)B"
    if [ -n "$oci_dir" ]; then
        mkdir -p "$oci_dir"
        docker save -o "$oci_dir/$app.tar" "extfarm/$app:$version"
    fi
done
