# Sourced by smoke-test.sh, the test container's script, and by installcheck.sh after it in the
# same container: the test server's setup, written once for both. The container runs like the
# build container: as the image's postgres user, --network none, --cap-drop ALL,
# no-new-privileges, with limits, on a copy of the runtime image whose PostgreSQL
# extension/lib directories that user owns and that carries two initdb'd clusters
# (DerivedImages.forSmokeTest): the smoke test's and a second, untouched one for the suite.
# Each caller passes its own exit codes (smoke test 50/52/55, suite 60/62).
N="$EXTFARM_PG_MAJOR"
BIN=/usr/lib/postgresql/$N/bin
LIB=/usr/lib/postgresql/$N/lib
SHARE=/usr/share/postgresql/$N
fail() { echo "##[extfarm] failed: $2"; exit "$1"; }

# server_check_user CODE WHAT: not root, and PostgreSQL's bundle directories writable by this user
server_check_user() {
  [ "$(id -u)" != 0 ] || fail "$1" "$2 must not run as root"
  local d
  for d in "$SHARE/extension" "$SHARE/tsearch_data" "$SHARE/contrib" "$LIB"; do
    [ -w "$d" ] || fail "$1" "$d is not writable by $(id -un): run $2 on the image DerivedImages.forSmokeTest prepares"
  done
}

# install_tree DIR WHAT CODE: files replace what is there (--remove-destination), never written through a link
install_tree() {
  if [ -d "$1/share/extension" ]; then cp -r --remove-destination "$1/share/extension/." "$SHARE/extension/" || fail "$3" "cannot install $2's share/extension"; fi
  local d
  for d in tsearch_data contrib; do
    if [ -d "$1/share/$d" ]; then cp -r --remove-destination "$1/share/$d/." "$SHARE/$d/" || fail "$3" "cannot install $2's share/$d"; fi
  done
  if [ -d "$1/lib" ]; then cp -a --remove-destination "$1/lib/." "$LIB/" || fail "$3" "cannot install $2's lib/"; fi
}

# server_install CODE: the farm's bundles the bundle requires first, dependencies first (the
# worker resolved them with the registry), then the bundle (a library bundle has no share/extension)
server_install() {
  local dep
  for dep in ${EXTFARM_DEPENDENCIES:-}; do
    install_tree "/deps/$dep" "dependency $dep" "$1"
  done
  install_tree /bundle "the bundle" "$1"
}

# server_start DATA SETUP_CODE START_CODE: PostgreSQL on a cluster initdb made when the image was
# prepared (no initdb per build); this container writes into its own copy-on-write layer, so every
# build starts from the same fresh clusters and none sees another's. The socket and the server
# log ($SERVER_LOG, one per cluster) are in $PG. The server never holds the container's standard
# output (fd 3 in the scripts: the suite's regression.diffs).
PG=/tmp/pg
server_start() {
  DATA=$1
  SERVER_LOG=$PG/$(basename "$DATA").log
  mkdir -p -m 0700 "$PG" || fail "$2" "cannot create $PG"
  [ -f "$DATA/PG_VERSION" ] && [ -O "$DATA" ] || fail "$2" "no cluster of $(id -un) at $DATA: run on the image DerivedImages.forSmokeTest prepares"
  echo "##[extfarm] cluster $DATA from the image's template (no initdb per build)"
  {
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$PG'"
    # a throwaway server: nothing to keep after a crash, so no flush to disk (pg_virtualenv does the same)
    echo "fsync = off"
    # the recipe's test.settings and shared_preload_libraries, quoted by the worker (SmokeTestConf)
    [ -f /job/test-settings.conf ] && cat /job/test-settings.conf
  } >> "$DATA/postgresql.conf"
  if ! "$BIN/pg_ctl" -D "$DATA" -l "$SERVER_LOG" -w -t 60 start >/dev/null 3>&-; then
    cat "$SERVER_LOG"; fail "$3" "PostgreSQL did not start with the bundle installed"
  fi
}

server_stop() {
  "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 3>&-
}

psql() { "$BIN/psql" -h "$PG" -d postgres -X -v ON_ERROR_STOP=1 "$@" 3>&-; }
