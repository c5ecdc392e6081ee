#!/bin/bash
# Runs inside a clean runtime image (PostgreSQL server only) like the build container: as the
# image's postgres user, --network none, --cap-drop ALL, no-new-privileges, with limits. It cannot
# write to the image's PostgreSQL directories, so it builds a private installation prefix under
# /tmp: the binaries it needs copied (PostgreSQL finds its share and lib directories relative to
# its own executable, after resolving links), the image's share and lib trees mirrored as links,
# the bundle copied in. Then every ELF file must resolve its libraries, PostgreSQL starts (socket
# in a directory this user owns) and each extension is created. Exit codes: 50 setup (the
# image's), 51 missing library, 52 server start, 53 CREATE EXTENSION, 54 test SQL, 55 the bundle
# does not copy into the prefix.
set -uo pipefail
fail() { echo "##[extfarm] failed: $2"; exit "$1"; }
N="$EXTFARM_PG_MAJOR"
echo "##[extfarm] step smoke-test"
echo "##[extfarm] smoke test as $(id -un) (uid $(id -u)), $(grep -E '^CapEff' /proc/self/status | tr -s ' \t' ' '), $(grep -E '^CapBnd' /proc/self/status | tr -s ' \t' ' '), $(grep -E '^NoNewPrivs' /proc/self/status | tr -s ' \t' ' ')"
[ "$(id -u)" != 0 ] || fail 50 "the smoke test must not run as root"

PG=/tmp/pg                                   # owned by this user: data, socket, logs, the prefix
ROOT=$PG/root
BIN=$ROOT/usr/lib/postgresql/$N/bin
LIB=$ROOT/usr/lib/postgresql/$N/lib
SHARE=$ROOT/usr/share/postgresql/$N
mkdir -p -m 0700 "$PG" && mkdir -p "$BIN" "$LIB" "$SHARE" || fail 50 "cannot create $PG"
for b in postgres initdb pg_ctl psql; do
  cp "/usr/lib/postgresql/$N/bin/$b" "$BIN/" || fail 50 "cannot copy $b"
done
cp -rs "/usr/lib/postgresql/$N/lib/." "$LIB/" && cp -rs "/usr/share/postgresql/$N/." "$SHARE/" || fail 50 "cannot mirror PostgreSQL's directories"

# The bundle over the mirror: its files replace links of the same name, never write through them.
cp -r --remove-destination /bundle/share/extension/. "$SHARE/extension/" || fail 55 "cannot install the bundle's share/extension"
for d in tsearch_data contrib; do
  if [ -d "/bundle/share/$d" ]; then mkdir -p "$SHARE/$d" && cp -r --remove-destination "/bundle/share/$d/." "$SHARE/$d/" || fail 55 "cannot install the bundle's share/$d"; fi
done
if [ -d /bundle/lib ]; then cp -a --remove-destination /bundle/lib/. "$LIB/" || fail 55 "cannot install the bundle's lib/"; fi

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

"$BIN/initdb" -D "$PG/data" -A trust -E UTF8 >"$PG/initdb.log" 2>&1 || { cat "$PG/initdb.log"; fail 52 "initdb failed"; }
{
  echo "listen_addresses = ''"
  echo "unix_socket_directories = '$PG'"
  [ -n "${EXTFARM_PRELOAD:-}" ] && echo "shared_preload_libraries = '$EXTFARM_PRELOAD'"
} >> "$PG/data/postgresql.conf"
if ! "$BIN/pg_ctl" -D "$PG/data" -l "$PG/server.log" -w -t 60 start >/dev/null; then
  cat "$PG/server.log"; fail 52 "PostgreSQL did not start with the bundle installed"
fi
psql() { "$BIN/psql" -h "$PG" -d postgres -X -v ON_ERROR_STOP=1 "$@"; }
for ext in $EXTFARM_EXTENSIONS; do
  echo "CREATE EXTENSION \"$ext\" CASCADE"
  psql -c "CREATE EXTENSION \"$ext\" CASCADE" || { tail -20 "$PG/server.log"; fail 53 "CREATE EXTENSION $ext failed"; }
done
if [ -f /job/test.sql ]; then
  psql -f /job/test.sql || { tail -20 "$PG/server.log"; fail 54 "the recipe's test SQL failed"; }
fi
psql -At -c "SELECT extname || ' ' || extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"
"$BIN/pg_ctl" -D "$PG/data" -m fast stop >/dev/null
echo "##[extfarm] done"
