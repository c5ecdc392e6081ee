#!/usr/bin/env bash
# Writes the farm recipe's source archive of pg_extfarm (recipes/pg_extfarm/source/) from this
# directory's tracked files, deterministically (sorted entries, fixed mtime, uid/gid 0, gzip -n):
# the same files give the same bytes. Then sets the recipe's sha256 pin to the archive's.
# Run it after changing pg_extfarm; PgExtfarmRecipeTest fails while the archive is stale.
#   fetcher/pg_extfarm/make-recipe-source.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
recipe="$here/../../recipes/pg_extfarm"
version="$(sed -n 's/^version: *//p' "$recipe/recipe.yaml")"
files=(LICENSE Makefile README.md pg_extfarm--1.0.sql pg_extfarm.c pg_extfarm.control)
stage="$(mktemp -d)"; trap 'rm -rf "$stage"' EXIT
mkdir -m 0755 "$stage/pg_extfarm-$version"
for f in "${files[@]}"; do install -m 0644 "$here/$f" "$stage/pg_extfarm-$version/$f"; done
mkdir -p "$recipe/source"
rm -f "$recipe/source/"*.tar.gz
out="$recipe/source/pg_extfarm-$version.tar.gz"
tar -C "$stage" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --format=ustar \
  -cf - "pg_extfarm-$version" | gzip -n -9 > "$out"
sha="$(sha256sum "$out" | cut -d' ' -f1)"
sed -i "s/^\(  bundled: \).*/\1pg_extfarm-$version.tar.gz/; s/^\(  sha256: \).*/\1$sha/" "$recipe/recipe.yaml"
echo "$out $sha"
