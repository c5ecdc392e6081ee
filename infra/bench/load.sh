#!/usr/bin/env bash
# Load on one registry (embedded PostgreSQL, filesystem blobs) on 127.0.0.1, bounded in count and time:
#  1. pulls: CONCURRENCY (500) clients GET the same OCI blob at once, for blobs of 1, 10 and 100 MB
#     (the layers of bundle images: bundles loadbench_<MB>, uploaded), one pull each;
#  2. compute nodes: NODES (200) simulated nodes over 4 tenants loop for DURATION (60 s): the compute
#     spec with their compute token, then every bundle in it through the spec's link (plain for the
#     two public bundles, HMAC-signed for the tenants' private one).
# Prints throughput, p50/p99/max latency and errors per scenario (target: 0 errors). The registry is
# pinned to SERVER_CPU, the driver (infra/bench/LoadDriver.java, JDK HttpClient) to CLIENT_CPU.
#   infra/bench/load.sh                  full: 500 pulls per size, 200 nodes for 60 s
#   infra/bench/load.sh --short          (or CI=true) 50 pulls of 1 and 10 MB, 20 nodes for 5 s
set -euo pipefail
cd "$(dirname "$0")/../.."
short=false
[ "${1:-}" = --short ] && short=true
[ "${CI:-}" = true ] && short=true
if $short; then
  CONCURRENCY=${CONCURRENCY:-50}; SIZES_MB=${SIZES_MB:-"1 10"}; NODES=${NODES:-20}; DURATION=${DURATION:-5}
else
  CONCURRENCY=${CONCURRENCY:-500}; SIZES_MB=${SIZES_MB:-"1 10 100"}; NODES=${NODES:-200}; DURATION=${DURATION:-60}
fi
PULL_TIMEOUT=${PULL_TIMEOUT:-600}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
for tool in java curl python3 taskset; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install util-linux curl python3)" >&2; exit 1; }
done

jar=registry-server/target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || ./mvnw -q -B -pl registry-server -am package -DskipTests

work=$(mktemp -d /tmp/extfarm-load.XXXXXX)
pids=()
cleanup() { s=$?; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1
            if [ $s -eq 0 ]; then rm -rf "$work"; else echo "failed; logs kept in $work" >&2; fi; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
admin=efa_load-admin-token-$RANDOM$RANDOM

EXTFARM_DATA_DIR="$work/data" EXTFARM_PORT=$port EXTFARM_ADMIN_TOKEN=$admin \
  taskset -c "$SERVER_CPU" java ${LOAD_JAVA_OPTS:-} -jar "$jar" > "$work/registry.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do curl -fs "$base/q/health/ready" >/dev/null && break; sleep 0.5; done
curl -fs "$base/q/health/ready" >/dev/null || { cat "$work/registry.log"; exit 1; }
api() { # METHOD PATH [JSON] → body
  curl -fsS -X "$1" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' ${3:+--data "$3"} "$base$2"
}

# 1. blobs: one bundle per size (its library that many MB), uploaded; its bytes are the single layer
#    of its image, served under /v2 from the first request on (built for PG 16: not in the compute
#    nodes' PG 17 spec below)
cp=$(ls registry-server/target/quarkus-app/lib/main/*.jar | tr '\n' ':')
pull_args=()
for mb in $SIZES_MB; do
  name=loadbench_$mb
  sha=$(java -cp "$cp" infra/bench/MakeBundle.java "$name" $((mb * 1024 * 1024)) "$work/$name.tar" 16)
  curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $admin" --data-binary "@$work/$name.tar" \
    "$base/extensions/$name/sha-256+$sha/bundle.tar"
  pull_args+=("/v2/extensions/$name/blobs/sha256:$sha" "$(stat -c %s "$work/$name.tar")")
  rm -f "$work/$name.tar"
  got=$(curl -fs "$base/v2/extensions/$name/blobs/sha256:$sha" | sha256sum | cut -c1-64)
  [ "$got" = "$sha" ] || { echo "blob sha256:$sha came back as $got" >&2; exit 1; }
done

# 2. bundles for the compute nodes: two public, one private granted to every tenant
api PUT /api/v1/admin/extensions/load_private/visibility '{"visibility": "private"}' >/dev/null
for spec in load_public_a:100000 load_public_b:1000000 load_private:200000; do
  name=${spec%%:*}; bytes=${spec##*:}
  sha=$(java -cp "$cp" infra/bench/MakeBundle.java "$name" "$bytes" "$work/$name.tar")
  curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $admin" --data-binary "@$work/$name.tar" \
    "$base/extensions/$name/sha-256+$sha/bundle.tar"
done
tokens=()
for t in 1 2 3 4; do
  api POST /api/v1/admin/tenants "{\"name\": \"load-tenant-$t\"}" >/dev/null
  api PUT "/api/v1/admin/tenants/load-tenant-$t/grants/load_private" >/dev/null
  tokens+=("$(api POST /api/v1/admin/tokens "{\"role\": \"compute\", \"label\": \"load-$t\", \"tenant\": \"load-tenant-$t\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')")
done
n=$(curl -fs -H "Authorization: Bearer ${tokens[0]}" "$base/api/v1/compute/spec?pg=17&platform=debian-12-amd64-glibc" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["extensions"]), sum("sig=" in e["link"] for e in d["extensions"]))')
[ "$n" = "3 1" ] || { echo "the compute spec should list 3 bundles, 1 signed; got: $n" >&2; exit 1; }

# 3. load
driver() { taskset -c "$CLIENT_CPU" java -Xss256k -cp "$cp" infra/bench/LoadDriver.java "$@"; }
# a short warm-up (JIT, connection pools) whose figures are not reported
driver pulls "$base" 10 "$PULL_TIMEOUT" "${pull_args[0]}" "${pull_args[1]}" > /dev/null
driver compute "$base" 10 3 17 debian-12-amd64-glibc "${tokens[@]}" > /dev/null
echo "## load on 127.0.0.1 ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); registry on cpu $SERVER_CPU, driver on cpu $CLIENT_CPU)"
echo "| scenario | concurrency | requests | errors | req/s | MB/s | p50 | p99 | max | wall time |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
driver pulls "$base" "$CONCURRENCY" "$PULL_TIMEOUT" "${pull_args[@]}" | tee "$work/pulls.txt"
driver compute "$base" "$NODES" "$DURATION" 17 debian-12-amd64-glibc "${tokens[@]}" | tee "$work/compute.txt"
errors=$(cat "$work/pulls.txt" "$work/compute.txt" | awk -F'|' '{s += $5} END {print s + 0}')
echo "errors: $errors"
[ "$errors" -eq 0 ]
