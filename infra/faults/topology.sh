#!/usr/bin/env bash
# PostgreSQL + S3 + two registry replicas + three workers; every real recipe built once, every bundle read through both replicas.
exec "$(dirname "$0")/run-suite.sh" TopologyIT "$@"
