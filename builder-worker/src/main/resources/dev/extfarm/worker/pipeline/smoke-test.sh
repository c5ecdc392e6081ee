#!/bin/bash
# Runs inside a clean runtime image (PostgreSQL server only) like the build container: as the
# image's postgres user, --network none, --cap-drop ALL, no-new-privileges, with limits. The worker
# runs it on a copy of the runtime image whose PostgreSQL extension/lib directories that user owns
# (DerivedImages.forSmokeTest), so the bundle goes exactly where the fetcher installs it without
# any privilege. Then every ELF file must resolve its libraries, PostgreSQL starts (data and
# socket in a directory this user owns) and each extension is created (a library bundle: each module
# LOADed). Exit codes: 50 setup (the image's), 51 missing library, 52 server start, 53 CREATE
# EXTENSION or LOAD, 54 test SQL, 55 the bundle
# does not copy into place.
set -uo pipefail
fail() { echo "##[extfarm] failed: $2"; exit "$1"; }
N="$EXTFARM_PG_MAJOR"
BIN=/usr/lib/postgresql/$N/bin
LIB=/usr/lib/postgresql/$N/lib
SHARE=/usr/share/postgresql/$N
echo "##[extfarm] step smoke-test"
status() { grep -E "^$1:" /proc/self/status | tr -s ' \t' ' '; }
echo "##[extfarm] smoke test as $(id -un) (uid $(id -u)), $(status CapEff), $(status CapBnd), $(status NoNewPrivs)"
[ "$(id -u)" != 0 ] || fail 50 "the smoke test must not run as root"
for d in "$SHARE/extension" "$SHARE/tsearch_data" "$SHARE/contrib" "$LIB"; do
  [ -w "$d" ] || fail 50 "$d is not writable by $(id -un): run the smoke test on the image DerivedImages.forSmokeTest prepares"
done

# Files replace what is there (--remove-destination): never written through a link.
install_tree() { # DIR WHAT
  if [ -d "$1/share/extension" ]; then cp -r --remove-destination "$1/share/extension/." "$SHARE/extension/" || fail 55 "cannot install $2's share/extension"; fi
  for d in tsearch_data contrib; do
    if [ -d "$1/share/$d" ]; then cp -r --remove-destination "$1/share/$d/." "$SHARE/$d/" || fail 55 "cannot install $2's share/$d"; fi
  done
  if [ -d "$1/lib" ]; then cp -a --remove-destination "$1/lib/." "$LIB/" || fail 55 "cannot install $2's lib/"; fi
}
# the farm's bundles it requires first, dependencies first (the worker resolved them with the registry)
for dep in ${EXTFARM_DEPENDENCIES:-}; do
  install_tree "/deps/$dep" "dependency $dep"
done
# (a library bundle has no share/extension: nothing to create, its modules are LOADed below)
install_tree /bundle "the bundle"

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
# Programs (bin/) resolve their libraries through RUNPATH $ORIGIN/../lib: laid out as the fetcher
# lays them out (a bin/ beside PostgreSQL's lib/, here through a link, so the bundle's programs
# never replace PostgreSQL's own in this image), each must find every library.
if [ -d /bundle/bin ]; then
  mkdir -p /tmp/programs/bin && ln -s "$LIB" /tmp/programs/lib || fail 50 "cannot lay out the bundle's programs"
  cp -a --remove-destination /bundle/bin/. /tmp/programs/bin/ || fail 55 "cannot copy the bundle's bin/"
  while IFS= read -r -d '' f; do
    if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
      rel=${f#/tmp/programs/}
      if ldd "$f" | grep -q 'not found'; then
        echo "$rel: $(ldd "$f" | grep 'not found' | tr -s ' \t' ' ')"
        missing=1
      else
        echo "##[extfarm] program $rel resolves its libraries"
      fi
    fi
  done < <(find /tmp/programs/bin -type f -print0)
fi
[ "$missing" = 0 ] || fail 51 "a library the bundle needs is missing from the runtime image"

# The cluster: initdb ran once, when the worker prepared this image (DerivedImages.forSmokeTest);
# this container writes into its own copy-on-write layer, so every build starts from the same
# fresh cluster and none sees another's. The socket and the logs are in /tmp/pg.
PG=/tmp/pg
DATA=/var/lib/extfarm/pgdata
mkdir -m 0700 "$PG" || fail 50 "cannot create $PG"
[ -f "$DATA/PG_VERSION" ] && [ -O "$DATA" ] || fail 50 "no cluster of $(id -un) at $DATA: run the smoke test on the image DerivedImages.forSmokeTest prepares"
echo "##[extfarm] cluster $DATA from the image's template (no initdb per build)"
{
  echo "listen_addresses = ''"
  echo "unix_socket_directories = '$PG'"
  # a throwaway server: nothing to keep after a crash, so no flush to disk (pg_virtualenv does the same)
  echo "fsync = off"
  # the recipe's test.settings and shared_preload_libraries, quoted by the worker (SmokeTestConf)
  [ -f /job/test-settings.conf ] && cat /job/test-settings.conf
} >> "$DATA/postgresql.conf"
if ! "$BIN/pg_ctl" -D "$DATA" -l "$PG/server.log" -w -t 60 start >/dev/null; then
  cat "$PG/server.log"; fail 52 "PostgreSQL did not start with the bundle installed"
fi
psql() { "$BIN/psql" -h "$PG" -d postgres -X -v ON_ERROR_STOP=1 "$@"; }
for ext in $EXTFARM_EXTENSIONS; do
  echo "CREATE EXTENSION \"$ext\" CASCADE"
  psql -c "CREATE EXTENSION \"$ext\" CASCADE" || { tail -20 "$PG/server.log"; fail 53 "CREATE EXTENSION $ext failed"; }
done
# A library bundle (no control file): each module must load into a backend (names checked by the
# worker: the manifest's libraries, [A-Za-z0-9_.+-])
for lib in ${EXTFARM_LOAD:-}; do
  echo "LOAD '$lib'"
  psql -c "LOAD '$lib'" || { tail -20 "$PG/server.log"; fail 53 "LOAD '$lib' failed"; }
done
if [ -f /job/test.sql ]; then
  # the answer: psql -At (a line per row, columns separated by '|'); test.expect when the recipe
  # gives one, otherwise no value may be a boolean false
  answer=$(psql -At -f /job/test.sql) || { echo "$answer"; tail -20 "$PG/server.log"; fail 54 "the recipe's test SQL failed"; }
  echo "$answer"
  if [ -f /job/test.expect ]; then
    [ "$answer" = "$(cat /job/test.expect)" ] || fail 54 "the recipe's test SQL answered '$answer', test.expect is '$(cat /job/test.expect)'"
  elif printf '%s\n' "$answer" | tr '|' '\n' | grep -qx 'f'; then
    fail 54 "the recipe's test SQL answered false: $answer"
  fi
fi
psql -At -c "SELECT extname || ' ' || extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"
"$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null
echo "##[extfarm] done"
