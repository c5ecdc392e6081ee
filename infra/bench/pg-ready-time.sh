#!/usr/bin/env bash
# Ready time of a compute node with pg_extfarm (issue 9): how long until PostgreSQL 15 accepts
# connections on an empty node, with 30 available extensions of which 2 are shared-preloaded.
#   infra/bench/pg-ready-time.sh [RUNS (default 20)] [LIMITED_BYTES_PER_S (default 1000000)]
# Modes, interleaved run by run, each on a fresh node (relocated PostgreSQL copy, empty fetcher
# state and cache), the clock running from the fetcher's start to the first accepted connection:
#   jit        `fetch serve` (phase 1 control files, phase 2 the 2 preload bundles, then ready),
#              PostgreSQL starts with pg_extfarm; phases 3-4 go on in the background meanwhile
#   lower      `fetch install` of only the 2 preload bundles, then PostgreSQL (the lower bound)
#   all        `fetch install` of all 30 bundles, then PostgreSQL (download everything first)
# each with the registry unthrottled and throttled to LIMITED_BYTES_PER_S (one bucket for all
# connections: throttled_server.py). Bundles are PostgreSQL 15's own contrib extensions renamed
# (ContribBundles.java). Prints markdown tables (median, p10-p90 of RUNS) and the load average.
# CONTROLS=links: a spec without the control files inline (phase 1 fetches each control_link).
# CI=true: 3 runs (a smoke run of the script, not figures).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-20}"
limited="${2:-1000000}"
[ "${CI:-}" = "true" ] && runs=3
pgbin=/usr/lib/postgresql/15/bin
work="$(mktemp -d "${TMPDIR:-/tmp}/extfarm-pgready.XXXXXX")"
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

port_unlimited="$(free_port)"; port_limited="$(free_port)"
java -cp "$fetcher_jar" "$here/infra/bench/ContribBundles.java" /usr/share/postgresql/15 /usr/lib/postgresql/15/lib 30 \
  "$port_unlimited" "$work/fixture" pg_stat_statements,pg_prewarm "${CONTROLS:-inline}"
sed "s/127.0.0.1:$port_unlimited/127.0.0.1:$port_limited/g" "$work/fixture/spec.json" > "$work/fixture/spec-limited.json"
mapfile -t names < "$work/fixture/names"
preload="${names[0]},${names[1]}"
total_bytes="$(find "$work/fixture/serve" -name bundle.tar -printf '%s\n' | awk '{s+=$1} END {print s}')"
preload_bytes="$(for n in "${names[0]}" "${names[1]}"; do find "$work/fixture/serve/extensions/$n" -name bundle.tar -printf '%s\n'; done | awk '{s+=$1} END {print s}')"
python3 "$here/infra/bench/throttled_server.py" "$work/fixture/serve" "$port_unlimited" 0 & pids+=($!)
python3 "$here/infra/bench/throttled_server.py" "$work/fixture/serve" "$port_limited" "$limited" & pids+=($!)
wait_http "http://127.0.0.1:$port_unlimited/"; wait_http "http://127.0.0.1:$port_limited/"
make_template_cluster
train_fetcher_archive "$work/fixture/spec.json" "$preload" "${names[${#names[@]}-1]}"

# one run: prints seconds from the fetcher's start to PostgreSQL accepting connections
run_mode() { # MODE SPEC
  local mode="$1" spec="$2" node; node="$(new_node)"
  local fetch=("${fetch_cmd[@]}") common=(--allow-unsigned --spec-file "$spec" --share-dir "$node/share" --lib-dir "$node/lib"
    --state-dir "$node/state" --cache-dir "$node/cache" --progress plain --refresh 0)
  local t0 t1 tready serve_pid="" settings=(-c "shared_preload_libraries=$preload")
  # chosen before the clock starts: a python3 start (free_port) is no part of the fetcher's time
  local fport; fport="$(free_port)"
  t0="$(now)"
  case "$mode" in
    jit)
      # ready = the line serve prints on stdout, read as it comes (a polling loop of `sleep` forks
      # would take CPU from the fetcher on 2 cores; a start script waits the same way, or on --ready-file)
      coproc SERVE { exec "${fetch[@]}" serve "${common[@]}" --shared-preload-libraries "$preload" --listen "127.0.0.1:$fport" \
        --ready-file "$node/ready" 2> "$node/fetcher.log"; }
      serve_pid=$SERVE_PID
      local line=""
      while [ "$line" != "ready to start PostgreSQL" ]; do
        read -r line <&"${SERVE[0]}" || { cat "$node/fetcher.log" >&2; return 1; }
      done
      tready="$(now)"
      settings=(-c "shared_preload_libraries=pg_extfarm,$preload" -c "extfarm.fetcher_url=http://127.0.0.1:$fport")
      ;;
    lower) "${fetch[@]}" install "${names[0]}" "${names[1]}" "${common[@]}" > "$node/fetcher.log" 2>&1 ;;
    all) "${fetch[@]}" install "${names[@]}" "${common[@]}" > "$node/fetcher.log" 2>&1 ;;
  esac
  start_postgres "$node" "${settings[@]}"
  t1="$(now)"
  if [ "$mode" = jit ]; then # where jit's time went, for the record (stderr)
    printf '  jit: ready after %.2f s, PostgreSQL up %.2f s later; %s; %s\n' "$(echo "$tready - $t0" | bc)" "$(echo "$t1 - $tready" | bc)" \
      "$(grep -o 'control files of [0-9]* bundles listed.*' "$node/fetcher.log" | head -1)" \
      "$(grep -o 'installed [^ ]* [^ ]* (shared-preload, [^;]*' "$node/fetcher.log" | sed 's/(shared-preload, //' | paste -sd ',')" >&2
  fi
  [ -n "$serve_pid" ] && kill "$serve_pid" && wait "$serve_pid" 2>/dev/null || true
  # the preloaded modules really are loaded
  [ "$(psql_node "$node" -c "SELECT count(*) FROM pg_settings WHERE name = 'pg_stat_statements.max'")" = "1" ] || {
    echo "pg_stat_statements (${names[0]}) not loaded in mode $mode" >&2; return 1; }
  stop_node "$node"
  echo "$t1 - $t0" | bc
}

declare -A results
for i in $(seq 1 "$runs"); do
  for bw in unlimited limited; do
    spec="$work/fixture/spec.json"; [ "$bw" = limited ] && spec="$work/fixture/spec-limited.json"
    for mode in jit lower all; do
      sync # the previous run's installs and rm -rf are written out before the clock starts
      t="$(run_mode "$mode" "$spec")"
      results[$bw.$mode]+="$t "
      echo "run $i $bw $mode $t" >&2   # raw figures, also when the run is cut short
    done
  done
  echo "run $i/$runs done" >&2
done

echo "30 bundles, $(echo "scale=1; $total_bytes / 1048576" | bc) MiB in all; the 2 shared-preload bundles $(echo "scale=0; $preload_bytes / 1024" | bc) KiB; $runs runs"
echo
echo "| registry | jit: fetch serve + pg_extfarm (median, p10-p90) | lower bound: only the 2 preload bundles | download all first | jit / lower | all / jit |"
echo "| --- | --- | --- | --- | --- | --- |"
for bw in unlimited limited; do
  label="unthrottled"; [ "$bw" = limited ] && label="$(echo "scale=0; $limited / 1000" | bc) kB/s"
  j="$(stats ${results[$bw.jit]})"; l="$(stats ${results[$bw.lower]})"; a="$(stats ${results[$bw.all]})"
  jm="$(median ${results[$bw.jit]})"; lm="$(median ${results[$bw.lower]})"; am="$(median ${results[$bw.all]})"
  printf "| %s | %s | %s | %s | %.2f× | %.1f× |\n" "$label" "$j" "$l" "$a" "$(echo "$jm / $lm" | bc -l)" "$(echo "$am / $jm" | bc -l)"
done
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
