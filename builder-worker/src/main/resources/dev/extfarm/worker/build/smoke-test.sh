#!/bin/bash
# Runs inside a clean runtime image (PostgreSQL server only) as root with --network none:
# installs the bundle from /bundle, checks every ELF file resolves its libraries, starts
# PostgreSQL and creates each extension. Exit codes: 51 missing library, 52 server start,
# 53 CREATE EXTENSION, 54 test SQL.
set -uo pipefail
fail() { echo "##[extfarm] failed: $2"; exit "$1"; }
N="$EXTFARM_PG_MAJOR"
BIN=/usr/lib/postgresql/$N/bin
LIB=/usr/lib/postgresql/$N/lib
SHARE=/usr/share/postgresql/$N
echo "##[extfarm] step smoke-test"

cp -r /bundle/share/extension/. "$SHARE/extension/"
for d in tsearch_data contrib; do [ -d "/bundle/share/$d" ] && cp -r "/bundle/share/$d/." "$SHARE/$d/"; done
[ -d /bundle/lib ] && cp -a /bundle/lib/. "$LIB/"

missing=0
while IFS= read -r -d '' f; do
  rel=${f#/bundle/lib/}
  if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
    if ldd "$LIB/$rel" | grep -q 'not found'; then
      echo "$rel: $(ldd "$LIB/$rel" | grep 'not found' | tr -s ' \t' ' ')"
      missing=1
    fi
  fi
done < <(find /bundle/lib -type f -print0 2>/dev/null)
[ "$missing" = 0 ] || fail 51 "a library the bundle needs is missing from the runtime image"

mkdir -p /tmp/pg && chown postgres /tmp/pg
runuser -u postgres -- "$BIN/initdb" -D /tmp/pg/data -A trust -E UTF8 >/tmp/pg/initdb.log 2>&1 || { cat /tmp/pg/initdb.log; fail 52 "initdb failed"; }
{
  echo "listen_addresses = ''"
  echo "unix_socket_directories = '/tmp/pg'"
  [ -n "${EXTFARM_PRELOAD:-}" ] && echo "shared_preload_libraries = '$EXTFARM_PRELOAD'"
} >> /tmp/pg/data/postgresql.conf
if ! runuser -u postgres -- "$BIN/pg_ctl" -D /tmp/pg/data -l /tmp/pg/server.log -w -t 60 start >/dev/null; then
  cat /tmp/pg/server.log; fail 52 "PostgreSQL did not start with the bundle installed"
fi
psql() { runuser -u postgres -- "$BIN/psql" -h /tmp/pg -X -v ON_ERROR_STOP=1 "$@"; }
for ext in $EXTFARM_EXTENSIONS; do
  echo "CREATE EXTENSION \"$ext\" CASCADE"
  psql -c "CREATE EXTENSION \"$ext\" CASCADE" || { tail -20 /tmp/pg/server.log; fail 53 "CREATE EXTENSION $ext failed"; }
done
if [ -f /job/test.sql ]; then
  psql -f /job/test.sql || { tail -20 /tmp/pg/server.log; fail 54 "the recipe's test SQL failed"; }
fi
psql -At -c "SELECT extname || ' ' || extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"
runuser -u postgres -- "$BIN/pg_ctl" -D /tmp/pg/data -m fast stop >/dev/null
echo "##[extfarm] done"
