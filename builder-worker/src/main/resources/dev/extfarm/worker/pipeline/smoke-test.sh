#!/bin/bash
# The test container's script. Runs inside a clean runtime image (PostgreSQL server only) like the
# build container (test-server.sh says how). The smoke test: the bundle goes exactly where the
# fetcher installs it, every ELF file must resolve its libraries, PostgreSQL starts and each
# extension is created (a library bundle: each module LOADed), the recipe's test SQL answers.
# Then, with EXTFARM_REGRESS=1, upstream's regression suite in the same container
# (installcheck.sh), on a second, untouched cluster: one container start and one bundle install
# per build instead of two.
# Standard output carries the suite's regression.diffs and nothing else (the worker reads it as
# bytes, with a cap); everything else goes to standard error, the log.
# Exit codes: 50 setup (the image's), 51 missing library, 52 server start, 53 CREATE EXTENSION
# or LOAD, 54 test SQL, 55 the bundle does not copy into place; the suite's are installcheck.sh's.
exec 3>&1 1>&2
set -uo pipefail
source /job/test-server.sh
echo "##[extfarm] step smoke-test"
status() { grep -E "^$1:" /proc/self/status | tr -s ' \t' ' '; }
echo "##[extfarm] smoke test as $(id -un) (uid $(id -u)), $(status CapEff), $(status CapBnd), $(status NoNewPrivs)"
server_check_user 50 "the smoke test"
server_install 55

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

server_start /var/lib/extfarm/pgdata 50 52
for ext in $EXTFARM_EXTENSIONS; do
  echo "CREATE EXTENSION \"$ext\" CASCADE"
  psql -c "CREATE EXTENSION \"$ext\" CASCADE" || { tail -20 "$SERVER_LOG"; fail 53 "CREATE EXTENSION $ext failed"; }
done
# A library bundle (no control file): each module must load into a backend (names checked by the
# worker: the manifest's libraries, [A-Za-z0-9_.+-])
for lib in ${EXTFARM_LOAD:-}; do
  echo "LOAD '$lib'"
  psql -c "LOAD '$lib'" || { tail -20 "$SERVER_LOG"; fail 53 "LOAD '$lib' failed"; }
done
if [ -f /job/test.sql ]; then
  # the answer: psql -At (a line per row, columns separated by '|'); test.expect when the recipe
  # gives one, otherwise no value may be a boolean false
  answer=$(psql -At -f /job/test.sql) || { echo "$answer"; tail -20 "$SERVER_LOG"; fail 54 "the recipe's test SQL failed"; }
  echo "$answer"
  if [ -f /job/test.expect ]; then
    [ "$answer" = "$(cat /job/test.expect)" ] || fail 54 "the recipe's test SQL answered '$answer', test.expect is '$(cat /job/test.expect)'"
  elif printf '%s\n' "$answer" | tr '|' '\n' | grep -qx 'f'; then
    fail 54 "the recipe's test SQL answered false: $answer"
  fi
fi
psql -At -c "SELECT extname || ' ' || extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"
server_stop
echo "##[extfarm] smoke test passed"
if [ "${EXTFARM_REGRESS:-0}" = 1 ]; then
  source /job/installcheck.sh # exits: 0, or its own codes
fi
echo "##[extfarm] done"
