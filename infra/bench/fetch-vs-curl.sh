#!/usr/bin/env bash
# Download + verify + install of one large bundle: `extfarm fetch install` versus two baselines on
# the same file from the same loopback server:
#   verify, then extract (the issue's `curl | sha256sum; tar x`, the way a careful script does it):
#     curl URL | tee bundle.tar | sha256sum, compare, then tar -xf bundle.tar
#   streaming (the lower bound, unsafe: it extracts bytes before knowing they are the right ones):
#     curl URL | tee >(sha256sum) | tar -x
#   infra/bench/fetch-vs-curl.sh [SIZE_MB (default 256)] [RUNS (default 3)]
# Prints a markdown table (median of RUNS, best of RUNS); docs/performance.md has the figures.
# The fetcher's run is the whole command (JVM start included), cold cache each time; the baseline
# neither checks the tar (paths, links, sizes), nor compares the digest before extracting, nor
# installs atomically - it is the lower bound a safe fetcher is measured against.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
size_mb="${1:-256}"
runs="${2:-3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/extfarm-bench.XXXXXX")"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

fetcher_jar="$here/fetcher/target/extfarm-fetcher.jar"
if [ ! -f "$fetcher_jar" ]; then
  (cd "$here" && ./mvnw -q -B -DskipTests -pl fetcher -am package) >&2
fi
# LAUNCHER=cds (default): fetcher/bin/extfarm-fetcher, which starts the JVM from its AOT cache (JDK 25+)
# or AppCDS archive (JDK 17-24); LAUNCHER=plain: java -jar, as before the launcher existed.
# EXTFARM_JAVA_HOME: the JDK the launcher runs (default: $JAVA_HOME, else java on PATH)
launcher="${LAUNCHER:-cds}"
# The benchmark's bundle is packed here, unsigned: --allow-unsigned (one Ed25519 check per bundle
# would not show in these figures anyway).
fetcher() {
  local cmd="$1"; shift
  set -- "$cmd" --allow-unsigned "$@"
  if [ "$launcher" = plain ]; then
    java ${FETCH_JAVA_OPTS:-} -jar "$fetcher_jar" "$@"
  else
    EXTFARM_JAVA_OPTS="${FETCH_JAVA_OPTS:-}" "$here/fetcher/bin/extfarm-fetcher" "$@"
  fi
}

# 1. A large bundle: one big library-sized file and 300 small scripts.
tree="$work/tree"
mkdir -p "$tree/share/extension" "$tree/lib"
printf "comment = 'benchmark bundle'\ndefault_version = '1.0'\nrelocatable = true\n" > "$tree/share/extension/big.control"
echo "SELECT 1;" > "$tree/share/extension/big--1.0.sql"
for i in $(seq 1 300); do echo "-- script $i" > "$tree/share/extension/big--extra$i.sql"; done
head -c "$((size_mb * 1024 * 1024))" /dev/urandom > "$tree/lib/big-data.bin"
"$here/extfarm" bundle pack "$tree" --name big --version 1.0 --pg-major 15 --platform debian-12-amd64-glibc \
  --license PostgreSQL -o "$work/big.tar" >/dev/null
sha="$(sha256sum "$work/big.tar" | cut -d' ' -f1)"
bytes="$(stat -c %s "$work/big.tar")"
# a second, different bundle to warm the JVM up first (the fetcher normally runs as a daemon)
mv "$tree/share/extension/big.control" "$tree/share/extension/warm.control"
rm "$tree/share/extension/"big--*.sql; echo "SELECT 1;" > "$tree/share/extension/warm--1.0.sql"
rm "$tree/lib/big-data.bin"; head -c "$((size_mb * 1024 * 1024 / 2))" /dev/urandom > "$tree/lib/warm-data.bin"
"$here/extfarm" bundle pack "$tree" --name warm --version 1.0 --pg-major 15 --platform debian-12-amd64-glibc \
  --license PostgreSQL -o "$work/warm.tar" >/dev/null
wsha="$(sha256sum "$work/warm.tar" | cut -d' ' -f1)"
wbytes="$(stat -c %s "$work/warm.tar")"
rm -rf "$tree"

# 2. Served from 127.0.0.1 at its registry address.
serve="$work/serve/extensions/big/sha-256+$sha"
mkdir -p "$serve"
mv "$work/big.tar" "$serve/bundle.tar"
printf "comment = 'benchmark bundle'\ndefault_version = '1.0'\nrelocatable = true\n" > "$serve/big.control"
wserve="$work/serve/extensions/warm/sha-256+$wsha"
mkdir -p "$wserve"
mv "$work/warm.tar" "$wserve/bundle.tar"
cp "$serve/big.control" "$wserve/warm.control"
wurl="http://127.0.0.1:PORT/extensions/warm/sha-256+$wsha"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
# SERVER=nginx (default when /usr/sbin/nginx exists: sendfile, like the registry's bundle edge, so
# the client side is what is measured) | python (python3 -m http.server: one core busy copying)
server="${SERVER:-$([ -x /usr/sbin/nginx ] && echo nginx || echo python)}"
if [ "$server" = nginx ]; then
  chmod 755 "$work"; chmod -R a+rX "$work/serve"   # nginx workers run as nobody
  . "$(dirname "${BASH_SOURCE[0]}")/nginx-lib.sh"
  nginx_conf "$work/nginx" "$port" "$work/serve"
  nginx_run "$work/nginx" >/dev/null 2>&1 &
else
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/serve" >/dev/null 2>&1 &
fi
server_pid=$!
url="http://127.0.0.1:$port/extensions/big/sha-256+$sha"
wurl="${wurl/PORT/$port}"
for _ in $(seq 1 50); do curl -sf -o /dev/null "$url/big.control" && break; sleep 0.1; done
cat > "$work/spec.json" <<JSON
{"meta_format": 1, "tenant": "bench", "pg_major": 15, "platform": "debian-12-amd64-glibc",
 "generated_at": "2026-11-23T10:00:00Z", "expires_at": "2099-01-01T00:00:00Z",
 "extensions": [{"extension_name": "big", "version": "1.0", "sha256": "$sha", "size": $bytes,
   "link": "$url/bundle.tar", "control_link": "$url/big.control", "extensions": ["big"], "libraries": [],
   "requires": [], "shared_preload": false, "preload": false, "system_libraries": []},
  {"extension_name": "warm", "version": "1.0", "sha256": "$wsha", "size": $wbytes,
   "link": "$wurl/bundle.tar", "control_link": "$wurl/warm.control", "extensions": ["warm"], "libraries": [],
   "requires": [], "shared_preload": false, "preload": false, "system_libraries": []}]}
JSON

now() { date +%s.%N; }
fetcher_run() {
  local d="$work/f$1"; mkdir -p "$d/share/extension" "$d/lib"
  local t0; t0="$(now)"
  fetcher install big --spec-file "$work/spec.json" --share-dir "$d/share" --lib-dir "$d/lib" \
    --state-dir "$d/state" --cache-dir "$d/cache" --progress plain >/dev/null 2>"$d/log"
  local t1; t1="$(now)"
  test -f "$d/share/extension/.extfarm/big.installed"
  echo "$t1 - $t0" | bc
  rm -rf "$d"
}
# the same in a JVM that already installed one bundle: the job time from the fetcher's own log line
warm_run() {
  local d="$work/w$1"; mkdir -p "$d/share/extension" "$d/lib"
  fetcher install warm big --concurrency 1 --spec-file "$work/spec.json" --share-dir "$d/share" --lib-dir "$d/lib" \
    --state-dir "$d/state" --cache-dir "$d/cache" --progress plain >/dev/null 2>"$d/log" || { cat "$d/log" >&2; return 1; }
  local ms; ms="$(grep -oE 'installed big 1.0 \(urgent, [0-9.]+ [KMG]iB in [0-9]+ ms' "$d/log" | grep -oE '[0-9]+ ms' | cut -d' ' -f1)"
  echo "scale=3; $ms / 1000" | bc
  rm -rf "$d"
}
# BASELINE_JAR=an older extfarm-fetcher.jar: the cold install with it too, interleaved, started the
# same way as the new one (LAUNCHER=cds: through this launcher, with a cache of its own beside that
# jar, which must be in a writable directory; LAUNCHER=plain: java -jar), on BASELINE_JAVA_HOME if
# given (e.g. the JDK 17 the node had before), else on the same JDK as the new one; BASELINE_LAUNCHER=an
# older copy of fetcher/bin/extfarm-fetcher runs it with that launcher's JVM flags (default: this one)
baseline_fetcher() {
  if [ "$launcher" = plain ]; then
    "${BASELINE_JAVA_HOME:+$BASELINE_JAVA_HOME/bin/}java" ${FETCH_JAVA_OPTS:-} -jar "$BASELINE_JAR" "$@"
  else
    EXTFARM_JAVA_HOME="${BASELINE_JAVA_HOME:-${EXTFARM_JAVA_HOME:-}}" EXTFARM_FETCHER_JAR="$BASELINE_JAR" \
      EXTFARM_JAVA_OPTS="${FETCH_JAVA_OPTS:-}" "${BASELINE_LAUNCHER:-$here/fetcher/bin/extfarm-fetcher}" "$@"
  fi
}
baseline_run() {
  local d="$work/b$1"; mkdir -p "$d/share/extension" "$d/lib"
  local t0; t0="$(now)"
  baseline_fetcher install big --allow-unsigned --spec-file "$work/spec.json" --share-dir "$d/share" --lib-dir "$d/lib" \
    --state-dir "$d/state" --cache-dir "$d/cache" --progress plain >/dev/null 2>"$d/log"
  local t1; t1="$(now)"
  test -f "$d/share/extension/.extfarm/big.installed"
  echo "$t1 - $t0" | bc
  rm -rf "$d"
}
curl_run() {
  local d="$work/c$1"; mkdir -p "$d"
  local t0; t0="$(now)"
  curl -sf "$url/bundle.tar" | tee >(sha256sum > "$d.sum") | tar -x -C "$d"
  local t1; t1="$(now)"
  sleep 0.2; grep -q "$sha" "$d.sum"
  echo "$t1 - $t0" | bc
  rm -rf "$d" "$d.sum"
}
# verify, then extract: one download, hashed while it is written; tar only runs on verified bytes
curl_seq_run() {
  local d="$work/s$1"; mkdir -p "$d/tree"
  local t0; t0="$(now)"
  curl -sf "$url/bundle.tar" | tee "$d/bundle.tar" | sha256sum | grep -q "^$sha " && tar -xf "$d/bundle.tar" -C "$d/tree"
  local t1; t1="$(now)"
  test -f "$d/tree/share/extension/big.control"
  echo "$t1 - $t0" | bc
  rm -rf "$d"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

if [ "$launcher" = cds ]; then   # the launcher's first run records its cache (AOT or AppCDS); later runs use it
  d="$work/cds"; mkdir -p "$d/share/extension" "$d/lib"
  fetcher install warm --spec-file "$work/spec.json" --share-dir "$d/share" --lib-dir "$d/lib" \
    --state-dir "$d/state" --cache-dir "$d/cache" --progress plain >/dev/null 2>&1
  rm -rf "$d"
fi
if [ -n "${BASELINE_JAR:-}" ] && [ "$launcher" = cds ]; then
  d="$work/bcds"; mkdir -p "$d/share/extension" "$d/lib"
  baseline_fetcher install warm --allow-unsigned --spec-file "$work/spec.json" --share-dir "$d/share" --lib-dir "$d/lib" \
    --state-dir "$d/state" --cache-dir "$d/cache" --progress plain >/dev/null 2>&1
  rm -rf "$d"
fi
fetcher_runs=(); warm_runs=(); curl_runs=(); seq_runs=(); baseline_runs=()
for i in $(seq 1 "$runs"); do
  sync; fetcher_runs+=("$(fetcher_run "$i")")
  sync; warm_runs+=("$(warm_run "$i")")
  sync; curl_runs+=("$(curl_run "$i")")
  sync; seq_runs+=("$(curl_seq_run "$i")")
  if [ -n "${BASELINE_JAR:-}" ]; then sync; baseline_runs+=("$(baseline_run "$i")"); fi
done
w_med="$(printf '%s\n' "${warm_runs[@]}" | median)"
w_best="$(printf '%s\n' "${warm_runs[@]}" | sort -n | head -1)"
f_med="$(printf '%s\n' "${fetcher_runs[@]}" | median)"
c_med="$(printf '%s\n' "${curl_runs[@]}" | median)"
f_best="$(printf '%s\n' "${fetcher_runs[@]}" | sort -n | head -1)"
c_best="$(printf '%s\n' "${curl_runs[@]}" | sort -n | head -1)"
mib="$(echo "scale=1; $bytes / 1048576" | bc)"
s_med="$(printf '%s\n' "${seq_runs[@]}" | median)"
s_best="$(printf '%s\n' "${seq_runs[@]}" | sort -n | head -1)"
echo "| bundle | runs | fetch install, cold JVM (median / best) | fetcher, warm JVM (median / best) | curl, verify then tar x (median / best) | curl \| tee >(sha256sum) \| tar x (median / best) | verify-then-extract / fetch: cold, warm | streaming / fetch: cold, warm |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
printf "| %s MiB, 302 files | %s | %.2f s / %.2f s | %.2f s / %.2f s (%.0f MiB/s) | %.2f s / %.2f s | %.2f s / %.2f s (%.0f MiB/s) | %.2f×, %.2f× | %.2f×, %.2f× |\n" "$mib" "$runs" \
  "$f_med" "$f_best" "$w_med" "$w_best" "$(echo "$mib / $w_med" | bc -l)" "$s_med" "$s_best" "$c_med" "$c_best" "$(echo "$mib / $c_med" | bc -l)" \
  "$(echo "$s_med / $f_med" | bc -l)" "$(echo "$s_med / $w_med" | bc -l)" "$(echo "$c_med / $f_med" | bc -l)" "$(echo "$c_med / $w_med" | bc -l)"
if [ -n "${BASELINE_JAR:-}" ]; then
  b_med="$(printf '%s\n' "${baseline_runs[@]}" | median)"
  printf "baseline %s, cold JVM (launcher: $launcher): median %.2f s, best %.2f s, curl/baseline %.2f×\n" "$BASELINE_JAR" "$b_med" \
    "$(printf '%s\n' "${baseline_runs[@]}" | sort -n | head -1)" "$(echo "$c_med / $b_med" | bc -l)"
fi
echo "every run (s): cold ${fetcher_runs[*]}; warm ${warm_runs[*]}; verify-then-extract ${seq_runs[*]}; streaming ${curl_runs[*]}"
jdk_of() { local h="${1:-}"; [ -n "$h" ] || h="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"; sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$h/release"; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores; launcher: $launcher; server: $server;" \
  "JDK $(jdk_of "${EXTFARM_JAVA_HOME:-${JAVA_HOME:-}}")${BASELINE_JAR:+, baseline JDK $(jdk_of "${BASELINE_JAVA_HOME:-${EXTFARM_JAVA_HOME:-${JAVA_HOME:-}}}")}"
