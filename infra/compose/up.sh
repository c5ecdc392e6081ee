#!/usr/bin/env bash
# Start the compose topology from locally built images (nothing is pulled):
#   1. the application images (infra/app-images/build-app-images.sh) unless present;
#   2. extfarm/haproxy:<base tag> (Debian's haproxy on the JRE base, container + docker commit);
#   3. extfarm/postgres:15, a local tag of the farm's bookworm-pg15 runtime image;
#   4. s3proxy's jars from Maven Central into s3proxy/lib;
#   5. docker-compose up -d, then waits until the registry answers through the proxy.
# Usage: infra/compose/up.sh [--no-build]    (stop: docker-compose -f infra/compose/compose.yaml down [-v])
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
say() { echo "[compose] $*" >&2; }
version=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$ROOT/pom.xml" | head -n 1)
export EXTFARM_REGISTRY_IMAGE=extfarm/registry-server:$version EXTFARM_WORKER_IMAGE=extfarm/builder-worker:$version

if [ "${1:-}" != --no-build ] || ! docker image inspect "$EXTFARM_REGISTRY_IMAGE" "$EXTFARM_WORKER_IMAGE" >/dev/null 2>&1; then
    docker image inspect "$EXTFARM_REGISTRY_IMAGE" "$EXTFARM_WORKER_IMAGE" >/dev/null 2>&1 || "$ROOT/infra/app-images/build-app-images.sh"
fi
jre=$("$ROOT/infra/app-images/build-base-images.sh" --print-tags | sed -n 's/^registry=//p')
export EXTFARM_JRE_IMAGE=$jre
export EXTFARM_PROXY_IMAGE=extfarm/haproxy:${jre##*:}
if ! docker image inspect "$EXTFARM_PROXY_IMAGE" >/dev/null 2>&1; then
    say "making $EXTFARM_PROXY_IMAGE (apt-get install haproxy on $jre)"
    name=extfarm-haproxy-setup-$$
    docker run --name "$name" --network host --user 0 "$jre" bash -ec \
        'apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; apt-get clean; rm -rf /var/lib/apt/lists/*' >&2
    docker commit --change 'USER 1001' --change 'CMD ["haproxy", "-v"]' "$name" "$EXTFARM_PROXY_IMAGE" >/dev/null
    docker rm "$name" >/dev/null
fi
runtime=$(docker images --format '{{.Repository}}:{{.Tag}}' extfarm/runtime | grep ':bookworm-pg15-' | head -n 1 || true)
[ -n "$runtime" ] || runtime=$("$ROOT/infra/builder-images/build-images.sh" --cache /var/cache/extfarm/images --print-json bookworm-pg15 |
    sed -n 's/.*"runtime_image":"\([^"]*\)".*/\1/p')
export EXTFARM_POSTGRES_IMAGE=extfarm/postgres:15
docker tag "$runtime" "$EXTFARM_POSTGRES_IMAGE"
[ -d "$HERE/s3proxy/lib" ] || "$ROOT/mvnw" -q -B -f "$HERE/s3proxy/pom.xml" dependency:copy-dependencies
mkdir -p /var/lib/extfarm-compose/worker-1 /var/lib/extfarm-compose/worker-2 /var/cache/extfarm/sources

say "images: $EXTFARM_REGISTRY_IMAGE $EXTFARM_WORKER_IMAGE $EXTFARM_PROXY_IMAGE $EXTFARM_POSTGRES_IMAGE $EXTFARM_JRE_IMAGE"
docker-compose -f "$HERE/compose.yaml" up -d
for _ in $(seq 1 120); do
    if curl -fsS http://127.0.0.1:7789/q/health/ready >/dev/null 2>&1; then
        say "the registry answers on http://127.0.0.1:7789 (replicas 7790, 7791)"
        exit 0
    fi
    sleep 2
done
say "the registry did not become ready in 4 minutes; docker-compose -f $HERE/compose.yaml logs"
exit 1
