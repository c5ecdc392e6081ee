#!/usr/bin/env bash
# 200 jobs, 4 workers, a random busy worker killed (SIGKILL) every ~5 s and replaced; rescue latency vs lease TTL + sweep.
exec "$(dirname "$0")/run-suite.sh" WorkerChaosFaultsIT "$@"
