#!/usr/bin/env bash
# Steady-state cost of pg_extfarm (issue 9), PostgreSQL 15, interleaved runs:
#  1. start: `fetch prepare` with an empty spec + PostgreSQL with pg_extfarm preloaded, versus a
#     plain PostgreSQL start (clock: from the first command to the first accepted connection)
#  2. `pgbench -S` (select-only, scale 10) with and without pg_extfarm in shared_preload_libraries
#     (same data directory, restarted between runs, a 2 s unmeasured warm-up after each start);
#     pairs run in alternating order (without-with, with-without) and each pair gives a ratio, so a
#     drift of the machine's speed over the run cancels out; the median of the ratios is the figure
#   infra/bench/pg-steady-state.sh [START_RUNS (default 20)] [PGBENCH_PAIRS (default 10)] [PGBENCH_SECONDS (default 8)]
# PGBENCH_CLIENTS (default 2). Besides tps, PostgreSQL's CPU time per transaction: on 2 cores single
# runs' tps move by ±10 % (scheduling), which hides a 1 % difference; CPU per transaction moves less.
# Prints markdown tables (median and spread) and the load average. CI=true: 3 / 2 / 2 (smoke run).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-20}"; pairs="${2:-10}"; seconds="${3:-8}"
[ "${CI:-}" = "true" ] && { runs=3; pairs=2; seconds=2; }
pgbin=/usr/lib/postgresql/15/bin
work="$(mktemp -d "${TMPDIR:-/tmp}/extfarm-pgsteady.XXXXXX")"
chmod 755 "$work"
cleanup() {
  for d in "$work"/node-*; do [ -d "$d/data" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$d/data" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
. "$here/infra/bench/pg-bench-lib.sh"
build_fetcher_and_module
make_template_cluster
cat > "$work/empty-spec.json" <<'JSON'
{"meta_format": 1, "tenant": "bench", "pg_major": 15, "platform": "debian-12-amd64-glibc",
 "generated_at": "2026-11-23T10:00:00Z", "expires_at": "2099-01-01T00:00:00Z", "extensions": []}
JSON
module=(-c shared_preload_libraries=pg_extfarm -c extfarm.fetcher_url=http://127.0.0.1:9)
# the launcher's AppCDS archive: kept if a pg benchmark recorded it from a serve run for this jar, else
# recorded now from one empty-spec prepare (not a measured run)
if [ ! -s "$fetcher_jsa" ] || [ "$fetcher_jar" -nt "$fetcher_jsa" ]; then
  node="$(new_node)"
  "${fetch_cmd[@]}" archive prepare --allow-unsigned --spec-file "$work/empty-spec.json" --share-dir "$node/share" --lib-dir "$node/lib" \
    --state-dir "$node/state" --cache-dir "$node/cache" --progress plain >/dev/null 2>&1
  stop_node "$node" 2>/dev/null || rm -rf "$node"
  echo "AppCDS archive recorded from an empty-spec prepare" >&2
fi

plain=(); prepared=(); jvm=()
for i in $(seq 1 "$runs"); do
  t0="$(now)"; java -XX:+UseSerialGC $FETCH_JAVA_OPTS -version >/dev/null 2>&1; jvm+=("$(echo "$(now) - $t0" | bc)")
  node="$(new_node)"; t0="$(now)"
  start_postgres "$node"
  plain+=("$(echo "$(now) - $t0" | bc)"); stop_node "$node"

  node="$(new_node)"; t0="$(now)"
  "${fetch_cmd[@]}" prepare --allow-unsigned --spec-file "$work/empty-spec.json" --share-dir "$node/share" --lib-dir "$node/lib" \
    --state-dir "$node/state" --cache-dir "$node/cache" --progress plain > "$node/fetcher.log" 2>&1
  start_postgres "$node" "${module[@]}"
  prepared+=("$(echo "$(now) - $t0" | bc)"); stop_node "$node"
done
pm="$(median "${plain[@]}")"; fm="$(median "${prepared[@]}")"
echo "| start ($runs runs, interleaved) | median (p10-p90) |"
echo "| --- | --- |"
echo "| plain PostgreSQL 15 start | $(stats "${plain[@]}") |"
echo "| fetch prepare (empty spec) + start with pg_extfarm | $(stats "${prepared[@]}") |"
printf "| difference of the medians | %+.0f ms |\n" "$(echo "($fm - $pm) * 1000" | bc -l)"
echo "| for reference: \`java -version\` alone (JVM start, same options) | $(stats "${jvm[@]}") |"
echo

# pgbench -S on one node, alternating with and without the module
node="$(new_node)"
start_postgres "$node"
"$pgbin/pgbench" -q -i -s 10 -h "$node/sock" -p 5432 -U postgres postgres >/dev/null 2>&1
runuser -u postgres -- "$pgbin/pg_ctl" -D "$node/data" -m fast -w stop >/dev/null
with=(); without=()
# one measured pgbench run: prints "TPS US_PER_TX", the second being PostgreSQL's CPU time per
# transaction (user+system of the backends, which the postmaster has reaped once pgbench is done:
# its cutime/cstime), a figure the scheduling of 4 busy processes on 2 cores moves far less than tps
pg_ticks() { awk '{print $14+$15+$16+$17}' "/proc/$(head -1 "$node/data/postmaster.pid")/stat"; }
bench() { # SECONDS
  local out t0 t1
  sleep 0.2; t0="$(pg_ticks)"
  out="$("$pgbin/pgbench" -n -S -T "$1" -c "$clients" -j "$clients" -h "$node/sock" -p 5432 -U postgres postgres 2>/dev/null)"
  sleep 0.2; t1="$(pg_ticks)"
  awk -v ticks="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" '/^number of transactions actually processed/ {n=$NF} /^tps = / {tps=$3}
    END {printf "%s %.2f\n", tps, ticks / hz * 1e6 / n}' <<< "$out"
}
ratios=(); cpu_ratios=(); with_cpu=(); without_cpu=()
clients="${PGBENCH_CLIENTS:-2}"
for i in $(seq 1 "$pairs"); do
  order=(without with); [ $((i % 2)) -eq 0 ] && order=(with without)
  for variant in "${order[@]}"; do
    if [ "$variant" = with ]; then start_postgres "$node" "${module[@]}"; else start_postgres "$node"; fi
    [ "$variant" = with ] && [ "$(psql_node "$node" -c 'SHOW extfarm.fetch_timeout')" != "5min" ] && { echo "pg_extfarm not loaded" >&2; exit 1; }
    bench 2 >/dev/null # shared buffers and caches warm, not measured
    read -r tps cpu <<< "$(bench "$seconds")"
    if [ "$variant" = with ]; then with+=("$tps"); with_cpu+=("$cpu"); else without+=("$tps"); without_cpu+=("$cpu"); fi
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$node/data" -m fast -w stop >/dev/null
  done
  ratios+=("$(echo "${with[-1]} / ${without[-1]}" | bc -l)")
  cpu_ratios+=("$(echo "${with_cpu[-1]} / ${without_cpu[-1]}" | bc -l)")
  echo "pair $i (${order[*]}): without ${without[-1]} tps ${without_cpu[-1]} us/tx, with ${with[-1]} tps ${with_cpu[-1]} us/tx" >&2
done
wm="$(median "${with[@]}")"; om="$(median "${without[@]}")"; rm_="$(median "${ratios[@]}")"
echo "| pgbench -S, scale 10, $clients client(s), ${seconds} s × $pairs alternating | median tps | all runs |"
echo "| --- | --- | --- |"
echo "| without pg_extfarm | $om | ${without[*]} |"
echo "| with pg_extfarm | $wm | ${with[*]} |"
printf "| difference of the medians | %+.2f %% | |\n" "$(echo "($wm - $om) * 100 / $om" | bc -l)"
printf "| median of the %d paired tps ratios (with / without) | %+.2f %% | %s |\n" "$pairs" "$(echo "($rm_ - 1) * 100" | bc -l)" \
  "$(for r in "${ratios[@]}"; do printf '%.3f ' "$r"; done)"
echo
cm="$(median "${cpu_ratios[@]}")"
echo "| PostgreSQL CPU per transaction (backends' user+system), same runs | median µs/tx | all runs |"
echo "| --- | --- | --- |"
echo "| without pg_extfarm | $(median "${without_cpu[@]}") | ${without_cpu[*]} |"
echo "| with pg_extfarm | $(median "${with_cpu[@]}") | ${with_cpu[*]} |"
printf "| **median of the %d paired CPU ratios (with / without)** | **%+.2f %%** | %s |\n" "$pairs" "$(echo "($cm - 1) * 100" | bc -l)" \
  "$(for r in "${cpu_ratios[@]}"; do printf '%.3f ' "$r"; done)"
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
