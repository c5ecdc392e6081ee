#!/usr/bin/env bash
# A registry replica killed mid-upload and mid-download of a 200 MiB bundle, then in turn while workers publish.
exec "$(dirname "$0")/run-suite.sh" ReplicaKillFaultsIT "$@"
