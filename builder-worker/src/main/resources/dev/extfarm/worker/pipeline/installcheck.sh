# Upstream's regression suite (Installcheck), sourced by smoke-test.sh once the smoke test has
# passed, in the same container (its user, no network, no capability, limits; the bundle and the
# farm's dependencies already installed), with /out read-only. Its server runs on the image's
# second cluster, which the smoke test's SQL never touched, with the same settings
# (test-server.sh); then pg_regress (what `make installcheck` runs) against it, from the suite the
# build prepared in /out/regress (regress-prepare.sh).
# Standard output (fd 3 here) carries regression.diffs and nothing else; pg_regress's own lines
# are framed by "##[extfarm] regress begin" and "##[extfarm] regress end <exit code>".
# Exit codes: 60 setup (the image's), 61 the suite does not copy, 62 server start, 63 tests
# failed, 64 pg_regress could not run the suite.
echo "##[extfarm] step installcheck"
W=/tmp/regress
mkdir -p "$W/bin" || fail 60 "cannot create $W"
# copies, never followed out of the container: links in the suite stay links
cp -r /out/regress/src "$W/src" || fail 61 "the suite's source tree does not copy"
cp /out/regress/pg_regress "$W/bin/pg_regress" && chmod 0755 "$W/bin/pg_regress" || fail 61 "pg_regress does not copy"
mapfile -t tests < /out/regress/tests || fail 61 "no test list"
mapfile -d '' -t opts < /out/regress/opts || fail 61 "no options"
outdir=.
for o in "${opts[@]}"; do case "$o" in --outputdir=*) outdir=${o#--outputdir=} ;; esac; done

server_start /var/lib/extfarm/pgdata-suite 60 62
cd "$W/src" || fail 61 "no source tree"
echo "##[extfarm] regress begin"
# fd 3 (the diffs channel) is closed for the suite; --bindir last: this image's psql
PGHOST=$PG "$W/bin/pg_regress" "${opts[@]}" "--bindir=$BIN" "${tests[@]}" 3>&-
rc=$?
echo "##[extfarm] regress end $rc"
server_stop
diffs="$outdir/regression.diffs"
if [ -f "$diffs" ] && [ ! -L "$diffs" ]; then
  echo "##[extfarm] regression.diffs begins (the whole file is kept with the build):"
  head -c 8192 -- "$diffs" | head -n 40
  cat -- "$diffs" >&3
fi
case "$rc" in
  0) echo "##[extfarm] done"; exit 0 ;;
  1) fail 63 "regression tests failed" ;;
  *) fail 64 "pg_regress could not run the suite (exit $rc)" ;;
esac
