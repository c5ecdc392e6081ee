#!/bin/bash
# Runs inside the runtime image as root with --network none; a tar of the files the
# build image installed (DESTDIR tree) arrives on stdin.
set -euo pipefail
tar -x -C / --no-same-owner
# The runtime image must have neither a compiler nor the libraries bundles carry.
# (Not "! cmd": set -e ignores negated commands.)
if command -v cc gcc; then echo "runtime image has a compiler" >&2; exit 1; fi
if ls /usr/lib/*/libcurl* /usr/lib/*/libical* /usr/lib/*/libpcre.so* /usr/lib/*/libmemcached* 2>/dev/null; then
    echo "runtime image has libraries that bundles must carry" >&2; exit 1
fi
su postgres -s /bin/bash -c "
    set -euo pipefail
    initdb -D /tmp/pgdata --auth=trust --no-sync >/dev/null
    pg_ctl -D /tmp/pgdata -o \"-c listen_addresses=''\" -w -l /tmp/pg.log start >/dev/null
    psql -X -v ON_ERROR_STOP=1 -At -d postgres -c 'SHOW server_version' \
        -c 'CREATE EXTENSION hello' -c 'SELECT hello_add(40, 2)'
    pg_ctl -D /tmp/pgdata -w stop >/dev/null
"
echo "runtime image OK: initdb, start, CREATE EXTENSION hello as user postgres"
