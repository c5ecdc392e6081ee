#!/usr/bin/env bash
# Runs one fault suite (a failsafe IT in builder-worker) and prints its figures.
#   infra/faults/run-suite.sh <ITClass> [extra -D options]
# EXTFARM_FAULTS_MODE=full (the default here) or ci. Needs what .ci/run prepares: Docker with the
# bookworm/PG 15 builder images, PostgreSQL 15 binaries, the recipe source cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
suite="$1"; shift
mode="${EXTFARM_FAULTS_MODE:-full}"
figures=builder-worker/target/faults-figures.txt
mkdir -p builder-worker/target
: > "$figures"
status=0
# registry-server is no dependency of builder-worker: name it, so its packaged jar is current
./mvnw -B -pl registry-server,builder-worker -am verify -Dextfarm.faults=true -Dextfarm.faults.mode="$mode" -Dit.test="$suite" \
  -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.failIfNoSpecifiedTests=false \
  -Dfailsafe.failIfNoSpecifiedTests=false "$@" || status=$?
echo "== figures ($suite, $mode) =="
cat "$figures" || true
exit "$status"
