#!/usr/bin/env bash
# Every fault suite in one Maven run (CI: EXTFARM_FAULTS_MODE=ci).
exec "$(dirname "$0")/run-suite.sh" 'TopologyIT,WorkerChaosFaultsIT,ReplicaKillFaultsIT,PostgresRestartFaultsIT' "$@"
