#!/usr/bin/env bash
# On-demand CREATE EXTENSION through pg_extfarm while the fetcher's background queue is saturated
# (issue 9). PostgreSQL 15; `fetch serve` with --bandwidth BG (its own limiter, background only)
# installs 30 bundles in phase 4 while a session runs CREATE EXTENSION of one not yet there.
# Compared with that bundle's own transfer time (a plain `curl` of its bundle.tar from the same
# loopback registry right after) plus the CREATE EXTENSION itself once the files are there (DROP,
# then CREATE again: psql start, the extension's SQL script). Target: overhead <= 100 ms, where
# overhead = CREATE through pg_extfarm - transfer - CREATE of the installed extension.
#   infra/bench/pg-on-demand.sh [RUNS (default 10)] [BG_BANDWIDTH (default 300k)]
# CI=true: 2 runs (a smoke run).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-10}"; bg="${2:-300k}"
[ "${CI:-}" = "true" ] && runs=2
pgbin=/usr/lib/postgresql/15/bin
work="$(mktemp -d "${TMPDIR:-/tmp}/extfarm-pgdemand.XXXXXX")"
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for d in "$work"/node-*; do [ -d "$d/data" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$d/data" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
. "$here/infra/bench/pg-bench-lib.sh"
build_fetcher_and_module
port="$(free_port)"
java -cp "$fetcher_jar" "$here/infra/bench/ContribBundles.java" /usr/share/postgresql/15 /usr/lib/postgresql/15/lib 30 \
  "$port" "$work/fixture" pg_stat_statements,pg_prewarm
mapfile -t names < "$work/fixture/names"
python3 "$here/infra/bench/throttled_server.py" "$work/fixture/serve" "$port" 0 & pids+=($!)
wait_http "http://127.0.0.1:$port/"
make_template_cluster
train_fetcher_archive "$work/fixture/spec.json" "${names[0]},${names[1]}" "${names[${#names[@]}-1]}"

echo "| run | extension | bytes | bundles installing at that moment | CREATE EXTENSION through pg_extfarm | its transfer alone (curl) | CREATE EXTENSION once installed | overhead |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
overheads=()
for i in $(seq 1 "$runs"); do
  node="$(new_node)"; fport="$(free_port)"
  "${fetch_cmd[@]}" serve --allow-unsigned --spec-file "$work/fixture/spec.json" --share-dir "$node/share" --lib-dir "$node/lib" \
    --state-dir "$node/state" --cache-dir "$node/cache" --progress plain --refresh 0 --bandwidth "$bg" --concurrency 2 \
    --shared-preload-libraries "${names[0]},${names[1]}" --listen "127.0.0.1:$fport" --ready-file "$node/ready" > "$node/fetcher.log" 2>&1 &
  serve=$!
  until [ -e "$node/ready" ]; do sleep 0.01; done
  start_postgres "$node" -c "shared_preload_libraries=pg_extfarm,${names[0]},${names[1]}" -c "extfarm.fetcher_url=http://127.0.0.1:$fport"
  sleep 1 # phase 4 under way
  # the last bundle of the list that is not installed yet (a different one each run when possible)
  target=""
  for ((k=${#names[@]}-1-(i%5); k>=2; k--)); do
    [ -e "$node/share/extension/.extfarm/${names[$k]}.installed" ] || { target="${names[$k]}"; break; }
  done
  busy="$(curl -s "http://127.0.0.1:$fport/status" | grep -o '"state" *: *"installing"' | wc -l)"
  t0="$(now)"; psql_node "$node" -c "CREATE EXTENSION $target" >/dev/null; t1="$(now)"
  link="$(grep -o "http://127.0.0.1:$port/extensions/$target/[^\"]*/bundle.tar" "$work/fixture/spec.json")"
  t2="$(now)"; curl -s -o /dev/null "$link"; t3="$(now)"
  bytes="$(curl -s -o /dev/null -w '%{size_download}' "$link")"
  psql_node "$node" -c "DROP EXTENSION $target" >/dev/null
  t4="$(now)"; psql_node "$node" -c "CREATE EXTENSION $target" >/dev/null; t5="$(now)"
  c="$(echo "($t1 - $t0) * 1000" | bc)"; x="$(echo "($t3 - $t2) * 1000" | bc)"; l="$(echo "($t5 - $t4) * 1000" | bc)"
  o="$(echo "$c - $x - $l" | bc)"
  overheads+=("$o")
  printf "| %d | %s | %s | %s | %.0f ms | %.0f ms | %.0f ms | %+.0f ms |\n" "$i" "$target" "$bytes" "$busy" "$c" "$x" "$l" "$o"
  # the fetcher's own account of that install (download + verify, files in place), for the breakdown
  grep -o "installed $target [^ ]* (urgent, .*" "$node/fetcher.log" | sed "s/^/run $i: /" >&2 || true
  kill "$serve"; wait "$serve" 2>/dev/null || true
  stop_node "$node"
done
echo
printf "median overhead (through pg_extfarm - transfer - CREATE of the installed extension): %.0f ms over %d runs\n" "$(median "${overheads[@]}")" "$runs"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
