#!/bin/bash
# Runs inside the build image as uid 1000 with --network none; the test/hello sources
# arrive as a tar on stdin; a tar of the installed files leaves on stdout.
set -euo pipefail
exec 3>&1 1>&2      # everything but the final tar goes to stderr
id
mkdir /build/hello && cd /build/hello
tar -x <&0
# RUNPATH=$ORIGIN: make turns $$ into $, the single quotes keep the shell off it.
make USE_PGXS=1 with_llvm=no OPTFLAGS= \
    "LDFLAGS_SL=-Wl,-rpath,'\$\$ORIGIN' -Wl,--enable-new-dtags"
# shellcheck disable=SC2016 # a literal $ORIGIN
readelf -d hello.so | tee /dev/stderr | grep -E 'RUNPATH.*\[\$ORIGIN\]'
make USE_PGXS=1 with_llvm=no install DESTDIR=/build/out
tar -C /build/out -c . >&3
