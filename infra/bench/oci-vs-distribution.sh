#!/usr/bin/env bash
# The extfarm registry's /v2 vs the CNCF distribution registry (Debian's docker-registry), both on
# 127.0.0.1 with a filesystem store. The same images (bundles of 1, 10 and 100 MB, each the single
# uncompressed layer of its image) are in both: uploaded to extfarm, copied from there to the
# distribution registry with skopeo (--preserve-digests: same digests, same bytes), then wrk GETs each
# layer blob at concurrency 10 and 100 against both, interleaved so both see the same background
# load. Servers pinned to one core, wrk to another; figures are medians of RUNS runs after a warm-up.
# Prints requests/s, MB/s and the ratio extfarm/distribution.
#   infra/bench/oci-vs-distribution.sh          (RUNS=3 DURATION=10s; SIZES_MB="1 10 100"; CONNS="10 100")
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
SIZES_MB=${SIZES_MB:-"1 10 100"}
CONNS=${CONNS:-"10 100"}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
DISTRIBUTION=${DISTRIBUTION:-/usr/bin/docker-registry}
for tool in wrk taskset curl sha256sum skopeo python3 java "$DISTRIBUTION"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install wrk skopeo docker-registry util-linux curl)" >&2; exit 1; }
done

jar=registry-server/target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || ./mvnw -q -B -pl registry-server -am package -DskipTests

work=$(mktemp -d /tmp/extfarm-oci-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ours=$(free_port); dist=$(free_port)
admin=efa_bench-admin-token-$RANDOM$RANDOM

# 1. extfarm registry (embedded PostgreSQL, filesystem blobs), pinned
EXTFARM_DATA_DIR="$work/extfarm" EXTFARM_PORT=$ours EXTFARM_ADMIN_TOKEN=$admin EXTFARM_OCI_BACKFILL_EVERY=1s \
  taskset -c "$SERVER_CPU" java ${BENCH_JAVA_OPTS:-} -jar "$jar" > "$work/extfarm.log" 2>&1 &
pids+=($!)

# 2. distribution registry, filesystem store, no auth, pinned to the same core
mkdir -p "$work/distribution"
cat > "$work/distribution/config.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/distribution/data
http:
  addr: 127.0.0.1:$dist
YML
taskset -c "$SERVER_CPU" "$DISTRIBUTION" serve "$work/distribution/config.yml" > "$work/distribution.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$ours/q/health/ready" >/dev/null && break; sleep 0.5; done
curl -fs "http://127.0.0.1:$ours/q/health/ready" >/dev/null || { cat "$work/extfarm.log"; exit 1; }
for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$dist/v2/" && break; sleep 0.1; done

# 3. one bundle per size (its library that many MB of random bytes), uploaded to extfarm, whose
#    backfill makes its image (the single, uncompressed layer is the bundle); skopeo copies each image
#    to the distribution registry (--preserve-digests: same digests, same bytes)
cp=$(ls registry-server/target/quarkus-app/lib/main/*.jar | tr '\n' ':')
for mb in $SIZES_MB; do
  sha=$(java -cp "$cp" infra/bench/MakeBundle.java "bench_$mb" $((mb * 1024 * 1024)) "$work/bench_$mb.tar")
  curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $admin" --data-binary "@$work/bench_$mb.tar" \
    "http://127.0.0.1:$ours/extensions/bench_$mb/sha-256+$sha/bundle.tar"
  rm -f "$work/bench_$mb.tar"
  echo "$mb sha256:$sha" >> "$work/layers.txt"
done
for mb in $SIZES_MB; do
  image=extensions/bench_$mb:1.0-pg17-debian-12-amd64
  for _ in $(seq 1 120); do curl -fs -o /dev/null "http://127.0.0.1:$ours/v2/${image/://manifests/}" && break; sleep 0.5; done
  skopeo copy -q --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
    "docker://127.0.0.1:$ours/$image" "docker://127.0.0.1:$dist/$image"
done

url() { # server size → URL of that layer's blob
  local port=$ours; [ "$1" = distribution ] && port=$dist
  echo "http://127.0.0.1:$port/v2/extensions/bench_$2/blobs/$(awk -v s="$2" '$1==s {print $2}' "$work/layers.txt")"
}

# 4. same bytes from both
echo "## bodies (sha-256 of what each registry sent)"
for mb in $SIZES_MB; do
  d=$(awk -v s="$mb" '$1==s {print $2}' "$work/layers.txt")
  o=$(curl -fs "$(url extfarm "$mb")" | sha256sum | cut -c1-64)
  r=$(curl -fs "$(url distribution "$mb")" | sha256sum | cut -c1-64)
  echo "$mb MB $d: extfarm $o  distribution $r  $([ "sha256:$o" = "$d" ] && [ "$o" = "$r" ] && echo same || echo DIFFERENT)"
  [ "$o" = "$r" ] || exit 1
done

# 5. wrk: warm-up, then RUNS interleaved runs; median of requests/s and MB/s
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A pid=([extfarm]=${pids[0]} [distribution]=${pids[1]})
run() { # server url connections duration → "req/s MB/s cpu-ms-per-GB errors"
  local threads=2 before after; [ "$3" -lt 2 ] && threads=1
  before=$(cpu_ticks "${pid[$1]}")
  taskset -c "$CLIENT_CPU" wrk -t"$threads" -c"$3" -d"$4" --timeout 120s "$2" > "$work/wrk.out"
  after=$(cpu_ticks "${pid[$1]}")
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /Requests\/sec/ {r=$2}
    /Transfer\/sec/ {v=$2; u=substr(v, length(v)-1); n=substr(v, 1, length(v)-2);
                     if (u=="GB") n*=1024; else if (u=="KB") n/=1024; else if (u!="MB") n/=1048576; t=n}
    /[0-9.]+[KMG]?B read/ {for (i=1;i<=NF;i++) if ($i=="read") {v=$(i-1); u=substr(v, length(v)-1); n=substr(v, 1, length(v)-2);
                     if (u=="GB") n*=1024; else if (u=="KB") n/=1024; else if (u!="MB") n/=1048576; read=n}}
    /Non-2xx|Socket errors/ {e=e $0}
    END {printf "%.1f %.1f %.0f %s\n", r, t, (read > 0 ? ticks * 1000 / hz / (read / 1024) : 0), (e == "" ? "-" : "errors")}' "$work/wrk.out"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "## wrk, $DURATION per run, median of $RUNS (registries on cpu $SERVER_CPU, wrk on cpu $CLIENT_CPU)"
echo "## ratio = extfarm MB/s / distribution MB/s; CPU = server CPU time (user+sys) per GB sent"
printf "| blob | conns | extfarm req/s | extfarm MB/s | extfarm CPU ms/GB | distribution req/s | distribution MB/s | distribution CPU ms/GB | ratio |\n"
printf "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
for mb in $SIZES_MB; do
  for c in $CONNS; do
    for server in extfarm distribution; do
      run $server "$(url $server "$mb")" "$c" "$WARMUP" > /dev/null
      : > "$work/$server.$mb.$c"
    done
    for _ in $(seq 1 "$RUNS"); do
      for server in extfarm distribution; do run $server "$(url $server "$mb")" "$c" "$DURATION" >> "$work/$server.$mb.$c"; done
    done
    declare -A rq=() tp=() cpu=()
    for server in extfarm distribution; do
      if grep -q errors "$work/$server.$mb.$c"; then echo "warning: $server had errors at $mb MB c$c" >&2; fi
      rq[$server]=$(cut -d' ' -f1 "$work/$server.$mb.$c" | median)
      tp[$server]=$(cut -d' ' -f2 "$work/$server.$mb.$c" | median)
      cpu[$server]=$(cut -d' ' -f3 "$work/$server.$mb.$c" | median)
    done
    ratio=$(awk -v a="${tp[extfarm]}" -v b="${tp[distribution]}" 'BEGIN {printf "%.2f", (b > 0 ? a/b : 0)}')
    printf "| %s MB | %s | %s | %s | %s | %s | %s | %s | **%s×** |\n" "$mb" "$c" "${rq[extfarm]}" "${tp[extfarm]}" \
      "${cpu[extfarm]}" "${rq[distribution]}" "${tp[distribution]}" "${cpu[distribution]}" "$ratio"
  done
done
