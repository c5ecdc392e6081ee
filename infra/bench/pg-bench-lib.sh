# Shared helpers of the pg_extfarm benchmarks (pg-ready-time.sh, pg-steady-state.sh); sourced.
# Needs: here, work, pgbin set; runs as root (PostgreSQL itself as user postgres).

fetcher_jar="$here/fetcher/target/extfarm-fetcher.jar"
fetcher_jsa="${fetcher_jar%.jar}.jsa"
# the fetcher as a node runs it: its launcher, which maps the AppCDS archive beside the jar (docs/fetcher.md);
# FETCH_JAVA_OPTS adds JVM flags (e.g. -XX:TieredStopAtLevel=1 to compare). `env` execs the launcher and the
# launcher execs java, so a background "${fetch_cmd[@]}" serve & has the JVM's pid
FETCH_JAVA_OPTS="${FETCH_JAVA_OPTS:-}"
fetch_cmd=(env EXTFARM_JAVA_OPTS="$FETCH_JAVA_OPTS" EXTFARM_FETCHER_JAR="$fetcher_jar" "$here/fetcher/bin/extfarm-fetcher")
pg_extfarm_so="$work/pg_extfarm/pg_extfarm.so"

# the fetcher's runnable jar (package, not install) and pg_extfarm.so for PostgreSQL 15
build_fetcher_and_module() {
  id postgres >/dev/null 2>&1 || { echo "user postgres is needed (apt-get install postgresql-15)" >&2; exit 2; }
  if [ ! -f "$fetcher_jar" ] || [ -n "$(find "$here/fetcher/src/main" "$here/bundle/src/main" -newer "$fetcher_jar" -type f -print -quit)" ]; then
    (cd "$here" && ./mvnw -q -B -DskipTests -pl fetcher -am package) >&2
  fi
  mkdir -p "$work/pg_extfarm"
  cp "$here"/fetcher/pg_extfarm/{Makefile,pg_extfarm.c,pg_extfarm.control,pg_extfarm--1.0.sql} "$work/pg_extfarm/"
  make -s -C "$work/pg_extfarm" USE_PGXS=1 with_llvm=no PG_CONFIG="$pgbin/pg_config" >/dev/null
}

now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no server at $1" >&2; return 1; }

# a data directory initialised once, copied into every node (initdb is not what is measured)
make_template_cluster() {
  mkdir -p "$work/template"; chown postgres:postgres "$work/template"
  runuser -u postgres -- "$pgbin/initdb" -D "$work/template" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
}

node_seq=0
# a fresh node: relocated PostgreSQL 15 (hard links; the fetcher only renames new files in) + pg_extfarm.so + a data copy
new_node() {
  node_seq=$((node_seq + 1))
  local d="$work/node-$node_seq"
  mkdir -p "$d/usr/lib/postgresql" "$d/usr/share/postgresql" "$d/sock"
  cp -al /usr/lib/postgresql/15 "$d/usr/lib/postgresql/15"
  cp -al /usr/share/postgresql/15 "$d/usr/share/postgresql/15"
  cp "$pg_extfarm_so" "$d/usr/lib/postgresql/15/lib/pg_extfarm.so"
  cp -a "$work/template" "$d/data"
  ln -s "$d/usr/share/postgresql/15" "$d/share"
  ln -s "$d/usr/lib/postgresql/15/lib" "$d/lib"
  chown postgres:postgres "$d/sock"
  echo "$d"
}

# starts the node's postgres and returns once it accepts a connection (pg_isready every 10 ms)
start_postgres() { # NODE SETTINGS...
  local d="$1"; shift
  runuser -u postgres -- "$d/usr/lib/postgresql/15/bin/postgres" -D "$d/data" -c listen_addresses='' \
    -c unix_socket_directories="$d/sock" -c port=5432 -c fsync=off "$@" > "$d/postgres.log" 2>&1 &
  local pid=$!
  until "$pgbin/pg_isready" -q -h "$d/sock" -p 5432; do
    kill -0 "$pid" 2>/dev/null || { cat "$d/postgres.log" >&2; return 1; }
    sleep 0.01
  done
}

psql_node() { local d="$1"; shift; "$pgbin/psql" -X -A -t -q -h "$d/sock" -p 5432 -U postgres -d postgres "$@"; }

stop_node() {
  runuser -u postgres -- "$1/usr/lib/postgresql/15/bin/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null
  rm -rf "$1"
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# "median s (p10-p90 s)"
stats() {
  printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {
    m = (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); lo = a[int(NR*0.1)+1]; hi = a[NR-int(NR*0.1)];
    printf "%.2f s (%.2f-%.2f)", m, lo, hi }'
}

# Records the launcher's AppCDS archive from one `fetch archive serve` on a fresh node, as an image
# build would: phases 1-2, PostgreSQL with pg_extfarm, CREATE EXTENSION through the endpoint while
# phase 4 installs the rest, then TERM (the archive is written at exit). No measured run records it.
train_fetcher_archive() { # SPEC PRELOAD (a,b) ON_DEMAND_EXTENSION
  local node fport pid; node="$(new_node)"; fport="$(free_port)"
  rm -f "$fetcher_jsa"
  "${fetch_cmd[@]}" archive serve --allow-unsigned --spec-file "$1" --share-dir "$node/share" --lib-dir "$node/lib" \
    --state-dir "$node/state" --cache-dir "$node/cache" --progress plain --refresh 0 --shared-preload-libraries "$2" \
    --listen "127.0.0.1:$fport" --ready-file "$node/ready" > "$node/fetcher.log" 2>&1 &
  pid=$!
  while [ ! -e "$node/ready" ]; do kill -0 "$pid" 2>/dev/null || { cat "$node/fetcher.log" >&2; return 1; }; sleep 0.05; done
  start_postgres "$node" -c "shared_preload_libraries=pg_extfarm,$2" -c "extfarm.fetcher_url=http://127.0.0.1:$fport"
  psql_node "$node" -c "CREATE EXTENSION $3" >/dev/null
  for _ in $(seq 1 600); do curl -s "http://127.0.0.1:$fport/status" | grep -Eq '"phase_name" *: *"idle"' && break; sleep 0.1; done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  stop_node "$node"
  [ -s "$fetcher_jsa" ] || { echo "no AppCDS archive was recorded" >&2; return 1; }
  echo "AppCDS archive recorded from a serve run: $(du -h "$fetcher_jsa" | cut -f1)" >&2
}
