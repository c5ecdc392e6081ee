#!/usr/bin/env bash
# Writes the semver_util fixture recipe's source archive (semver_util/source/) from
# semver_util-source/, deterministically (sorted entries, fixed mtime, uid/gid 0, gzip -n), and sets
# the recipe's sha256 pin to the archive's. Run it after changing the fixture's sources.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
recipe="$here/semver_util"
version="$(sed -n 's/^version: *"\{0,1\}\([^"]*\)"\{0,1\}.*/\1/p' "$recipe/recipe.yaml")"
stage="$(mktemp -d)"; trap 'rm -rf "$stage"' EXIT
mkdir -m 0755 "$stage/semver_util-$version"
for f in "$here"/semver_util-source/*; do install -m 0644 "$f" "$stage/semver_util-$version/$(basename "$f")"; done
rm -f "$recipe/source/"*.tar.gz
out="$recipe/source/semver_util-$version.tar.gz"
tar -C "$stage" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --format=ustar \
  -cf - "semver_util-$version" | gzip -n -9 > "$out"
sha="$(sha256sum "$out" | cut -d' ' -f1)"
sed -i "s/^\(  bundled: \).*/\1semver_util-$version.tar.gz/; s/^\(  sha256: \).*/\1$sha/" "$recipe/recipe.yaml"
echo "$out $sha"
