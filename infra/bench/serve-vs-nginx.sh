#!/usr/bin/env bash
# Registry (embedded, filesystem store) vs nginx (Debian) serving the same bundle bytes on 127.0.0.1.
# The registry is measured on both of its ports: the bundle edge (EXTFARM_EDGE_PORT, the lean Netty
# port meant for public bundle bytes) and the main (Quarkus) port. wrk drives all three for a
# ~100 KB and a ~50 MB bundle; servers pinned to one core, wrk to another; each figure is the
# median of 3 interleaved runs after a warm-up. Prints requests/s, MB/s, the ratios, the sha-256
# of the bodies each server returned, and how busy the servers' and wrk's cores were (when wrk's
# core is the one at 100 %, the ratio measures what each server leaves the client's kernel to do).
#   infra/bench/serve-vs-nginx.sh            (RUNS=3 DURATION=10s CONNECTIONS=32)
#   BASELINE_JAR=/path/to/older/quarkus-app/quarkus-run.jar infra/bench/serve-vs-nginx.sh
#       also runs an older registry build, interleaved with the other two ("before" of a change)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
BIG_CONNECTIONS=${BIG_CONNECTIONS:-8}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
NGINX=${NGINX:-/usr/sbin/nginx}
for tool in wrk taskset curl sha256sum "$NGINX"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install wrk nginx-light util-linux curl)" >&2; exit 1; }
done

jar=registry-server/target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || ./mvnw -q -B -pl registry-server -am package -DskipTests

work=$(mktemp -d /tmp/extfarm-bench.XXXXXX)
chmod 755 "$work"   # nginx workers run as nobody
pids=()
cleanup() { s=$?; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; if [ $s -eq 0 ]; then rm -rf "$work"; else echo "failed; logs kept in $work" >&2; fi; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
reg_port=$(free_port); ngx_port=$(free_port); base_port=$(free_port); edge_port=$(free_port)
admin=efa_bench-admin-token-$RANDOM$RANDOM
registries=(registry)
[ -n "${BASELINE_JAR:-}" ] && registries+=(baseline)

# 1. the registry (and the baseline build), pinned
start_registry() { # name jar port [edge port]
  EXTFARM_DATA_DIR="$work/data-$1" EXTFARM_PORT=$3 EXTFARM_EDGE_PORT=${4:-} EXTFARM_ADMIN_TOKEN=$admin \
    taskset -c "$SERVER_CPU" java ${BENCH_JAVA_OPTS:-} -jar "$2" > "$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$3/q/health" >/dev/null && break; sleep 0.5; done
  curl -fs "http://127.0.0.1:$3/q/health" >/dev/null || { cat "$work/$1.log"; exit 1; }
}
start_registry registry "$jar" "$reg_port" "$edge_port"
[ -n "${BASELINE_JAR:-}" ] && start_registry baseline "$BASELINE_JAR" "$base_port"

# 2. two bundles, packed by the bundle library, uploaded to the registry and linked under nginx's root
cp=$(ls registry-server/target/quarkus-app/lib/main/*.jar | tr '\n' ':')
declare -A path
for spec in small:100000 big:52428800; do
  label=${spec%%:*}; bytes=${spec##*:}
  sha=$(java -cp "$cp" infra/bench/MakeBundle.java "bench_$label" "$bytes" "$work/$label.tar")
  path[$label]="/extensions/bench_$label/sha-256+$sha/bundle.tar"
  for port in $reg_port ${BASELINE_JAR:+$base_port}; do
    curl -fs -o /dev/null -X PUT -H "Authorization: Bearer $admin" --data-binary "@$work/$label.tar" \
      "http://127.0.0.1:$port${path[$label]}"
  done
  # nginx serves the registry's own blob file (a hard link): the same bytes, the same inode, the same
  # page-cache pages; a separate copy written another way can be served measurably faster or slower
  mkdir -p -m 755 "$work/www$(dirname "${path[$label]}")"
  blob="$work/data-registry/blobs${path[$label]}"
  [ -f "$blob" ] || { echo "no blob file at $blob" >&2; exit 1; }
  chmod 644 "$blob"
  ln -f "$blob" "$work/www${path[$label]}"
done

# 3. nginx with its own config, one worker, pinned to the same core
. "$(dirname "${BASH_SOURCE[0]}")/nginx-lib.sh"
nginx_conf "$work/nginx" "$ngx_port" "$work/www" 'location /extensions/ { add_header Cache-Control "public, max-age=31536000, immutable"; }'
nginx_run "$work/nginx" taskset -c "$SERVER_CPU" > "$work/nginx.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$ngx_port${path[small]}" && break; sleep 0.1; done

# 4. same bytes from all
echo "## bodies (sha-256 of what each server sent)"
for label in small big; do
  r=$(curl -fs "http://127.0.0.1:$reg_port${path[$label]}" | sha256sum | cut -c1-64)
  e=$(curl -fs "http://127.0.0.1:$edge_port${path[$label]}" | sha256sum | cut -c1-64)
  n=$(curl -fs "http://127.0.0.1:$ngx_port${path[$label]}" | sha256sum | cut -c1-64)
  f=$(stat -c %s "$work/$label.tar")
  echo "$label ($f bytes): registry $r  edge $e  nginx $n  $([ "$r" = "$n" ] && [ "$e" = "$n" ] && echo same || echo DIFFERENT)"
  [ "$r" = "$n" ] && [ "$e" = "$n" ] || exit 1
done

# 5. wrk: warm-up, then RUNS runs; median of requests/s and MB/s
cpu_ticks() { # busy and idle ticks of the server's and the client's core, from /proc/stat
  awk -v s="cpu$SERVER_CPU" -v c="cpu$CLIENT_CPU" '$1==s {sb=$2+$3+$4+$7+$8; si=$5+$6} $1==c {cb=$2+$3+$4+$7+$8; ci=$5+$6}
    END {print sb, si, cb, ci}' /proc/stat
}
run() { # url connections → "req/s MB/s server-core-busy% client-core-busy%"
  local before; before=$(cpu_ticks)
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$2" -d"$DURATION" "$1" | awk '
    /Requests\/sec/ {r=$2}
    /Transfer\/sec/ {v=$2; u=substr(v, length(v)-1); n=substr(v, 1, length(v)-2);
                     if (u=="GB") n*=1024; else if (u=="KB") n/=1024; else if (u!="MB") n/=1048576; t=n}
    END {printf "%.1f %.1f", r, t}'
  # which core was the bottleneck: a ratio means little when the load generator is the one at 100 %
  local after; after=$(cpu_ticks)
  awk -v b="$before" -v a="$after" 'BEGIN {split(b, x, " "); split(a, y, " ");
    for (i = 1; i <= 3; i += 2) {busy = y[i]-x[i]; idle = y[i+1]-x[i+1]; printf " %.0f", 100*busy/(busy+idle+1e-9)}; print ""}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
column_median() { cut -d' ' -f"$1" "$2" | median; }   # N FILE: median of the file's Nth column
servers=(edge "${registries[@]}" nginx)
echo
echo "## wrk -t1, $DURATION per run, median of $RUNS (servers on cpu $SERVER_CPU, wrk on cpu $CLIENT_CPU)"
echo "edge = the registry's bundle edge port (EXTFARM_EDGE_PORT); main = its Quarkus port"
printf "| bundle | connections | nginx req/s | nginx MB/s | edge req/s | edge MB/s | **edge / nginx** | main req/s | main / nginx |%s\n" \
  "${BASELINE_JAR:+ baseline req/s | baseline / nginx |}"
printf "| --- | --- | --- | --- | --- | --- | --- | --- | --- |%s\n" "${BASELINE_JAR:+ --- | --- |}"
cpu_line=""
for label in small big; do
  c=$CONNECTIONS; [ "$label" = big ] && c=$BIG_CONNECTIONS
  declare -A rq=() mb=() url=()
  url[edge]="http://127.0.0.1:$edge_port${path[$label]}"
  url[registry]="http://127.0.0.1:$reg_port${path[$label]}"
  url[nginx]="http://127.0.0.1:$ngx_port${path[$label]}"
  url[baseline]="http://127.0.0.1:$base_port${path[$label]}"
  for server in "${servers[@]}"; do
    DURATION=${WARMUP:-15s} run "${url[$server]}" "$c" > /dev/null   # warm-up (JIT, page cache)
    : > "$work/$server.$label"
  done
  for _ in $(seq 1 "$RUNS"); do   # interleaved, so that all see the same background load
    for server in "${servers[@]}"; do run "${url[$server]}" "$c" >> "$work/$server.$label"; done
  done
  declare -A busy=()
  for server in "${servers[@]}"; do
    results="$work/$server.$label"
    rq[$server]=$(column_median 1 "$results")
    mb[$server]=$(column_median 2 "$results")
    busy[$server]="$(column_median 3 "$results")/$(column_median 4 "$results") %"
  done
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
  size=$(stat -c %s "$work/$label.tar")
  extra=""
  [ -n "${BASELINE_JAR:-}" ] && extra=" ${rq[baseline]} | $(ratio "${rq[baseline]}" "${rq[nginx]}")× |"
  printf "| %s (%s bytes) | %s | %s | %s | %s | %s | **%s×** | %s | %s× |%s\n" "$label" "$size" "$c" \
    "${rq[nginx]}" "${mb[nginx]}" "${rq[edge]}" "${mb[edge]}" "$(ratio "${rq[edge]}" "${rq[nginx]}")" \
    "${rq[registry]}" "$(ratio "${rq[registry]}" "${rq[nginx]}")" "$extra"
  cpu_line="$cpu_line${cpu_line:+; }$label: nginx ${busy[nginx]}, edge ${busy[edge]}, main ${busy[registry]}"
done
echo
echo "CPU busy, server core (cpu $SERVER_CPU) / wrk core (cpu $CLIENT_CPU), medians: $cpu_line"
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
