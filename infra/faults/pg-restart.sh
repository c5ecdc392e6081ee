#!/usr/bin/env bash
# PostgreSQL stopped and started 5 times under 16 clients; the registry recovers without a restart.
exec "$(dirname "$0")/run-suite.sh" PostgresRestartFaultsIT "$@"
