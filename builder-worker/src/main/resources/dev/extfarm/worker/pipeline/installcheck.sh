#!/bin/bash
# Upstream's regression suite (Installcheck): runs like the smoke test (the runtime image's
# postgres user, --network none, --cap-drop ALL, no-new-privileges, limits), on a server set up
# the same way: the farm's dependencies and the bundle installed, the recipe's test settings and
# preloads. Then pg_regress (what `make installcheck` runs) against it, from the suite the build
# prepared in /out/regress (read-only; regress-prepare.sh).
# Standard output carries regression.diffs and nothing else (the worker reads it as bytes, with a
# cap); everything else goes to standard error, the log. pg_regress's own lines are framed by
# "##[extfarm] regress begin" and "##[extfarm] regress end <exit code>".
# Exit codes: 60 setup (the image's), 61 the suite does not copy, 62 server start, 63 tests
# failed, 64 pg_regress could not run the suite.
exec 3>&1 1>&2
set -uo pipefail
fail() { echo "##[extfarm] failed: $2"; exit "$1"; }
N="$EXTFARM_PG_MAJOR"
BIN=/usr/lib/postgresql/$N/bin
LIB=/usr/lib/postgresql/$N/lib
SHARE=/usr/share/postgresql/$N
echo "##[extfarm] step installcheck"
[ "$(id -u)" != 0 ] || fail 60 "the regression suite must not run as root"
for d in "$SHARE/extension" "$SHARE/tsearch_data" "$SHARE/contrib" "$LIB"; do
  [ -w "$d" ] || fail 60 "$d is not writable by $(id -un): run on the image DerivedImages.forSmokeTest prepares"
done
install_tree() { # DIR WHAT (as smoke-test.sh: files replace what is there, never written through a link)
  if [ -d "$1/share/extension" ]; then cp -r --remove-destination "$1/share/extension/." "$SHARE/extension/" || fail 61 "cannot install $2"; fi
  for d in tsearch_data contrib; do
    if [ -d "$1/share/$d" ]; then cp -r --remove-destination "$1/share/$d/." "$SHARE/$d/" || fail 61 "cannot install $2"; fi
  done
  if [ -d "$1/lib" ]; then cp -a --remove-destination "$1/lib/." "$LIB/" || fail 61 "cannot install $2"; fi
}
for dep in ${EXTFARM_DEPENDENCIES:-}; do install_tree "/deps/$dep" "dependency $dep"; done
install_tree /bundle "the bundle"

W=/tmp/regress
mkdir -p "$W/bin" || fail 60 "cannot create $W"
# copies, never followed out of the container: links in the suite stay links
cp -r /out/regress/src "$W/src" || fail 61 "the suite's source tree does not copy"
cp /out/regress/pg_regress "$W/bin/pg_regress" && chmod 0755 "$W/bin/pg_regress" || fail 61 "pg_regress does not copy"
mapfile -t tests < /out/regress/tests || fail 61 "no test list"
mapfile -d '' -t opts < /out/regress/opts || fail 61 "no options"
outdir=.
for o in "${opts[@]}"; do case "$o" in --outputdir=*) outdir=${o#--outputdir=} ;; esac; done

# the image's template cluster, as in smoke-test.sh: this container's own copy-on-write layer, no initdb
PG=/tmp/pg
DATA=/var/lib/extfarm/pgdata
mkdir -m 0700 "$PG" || fail 60 "cannot create $PG"
[ -f "$DATA/PG_VERSION" ] && [ -O "$DATA" ] || fail 60 "no cluster of $(id -un) at $DATA: run on the image DerivedImages.forSmokeTest prepares"
echo "##[extfarm] cluster $DATA from the image's template (no initdb per build)"
{
  echo "listen_addresses = ''"
  echo "unix_socket_directories = '$PG'"
  echo "fsync = off"
  [ -f /job/test-settings.conf ] && cat /job/test-settings.conf
} >> "$DATA/postgresql.conf"
"$BIN/pg_ctl" -D "$DATA" -l "$PG/server.log" -w -t 60 start >/dev/null || { cat "$PG/server.log"; fail 62 "PostgreSQL did not start"; }

cd "$W/src" || fail 61 "no source tree"
echo "##[extfarm] regress begin"
# fd 3 (the diffs channel) is closed for the suite; --bindir last: this image's psql
PGHOST=$PG "$W/bin/pg_regress" "${opts[@]}" "--bindir=$BIN" "${tests[@]}" 3>&-
rc=$?
echo "##[extfarm] regress end $rc"
"$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null
diffs="$outdir/regression.diffs"
if [ -f "$diffs" ] && [ ! -L "$diffs" ]; then
  echo "##[extfarm] regression.diffs begins (the whole file is kept with the build):"
  head -c 8192 -- "$diffs" | head -n 40
  cat -- "$diffs" >&3
fi
case "$rc" in
  0) echo "##[extfarm] done" ;;
  1) fail 63 "regression tests failed" ;;
  *) fail 64 "pg_regress could not run the suite (exit $rc)" ;;
esac
