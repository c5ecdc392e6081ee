#!/usr/bin/env bash
# Build time of the catalog: the farm's pipeline (fetch-verified source, patch, build, install,
# bundle libraries, smoke test in a clean runtime container, deterministic pack) versus a plain
# shell loop of `docker run <build image> make && make install` on the same images and sources.
#
#   infra/bench/farm-vs-make.sh [TARGET]        (default bookworm-pg15; needs the images and
#                                                ./extfarm recipe fetch recipes/* --cache $EXTFARM_SOURCE_CACHE)
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:-bookworm-pg15}
cache=${EXTFARM_SOURCE_CACHE:-/var/cache/extfarm/sources}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== farm pipeline ($target)"
start=$(date +%s%N)
./mvnw -q -B -o -pl builder-worker test -Dtest='RealRecipesBuildTest#buildsLoadsAndBundlesItsLibraries' \
    -Dextfarm.test.target="$target" -Dextfarm.bench.out="$out/farm.tsv" -Dsurefire.failIfNoSpecifiedTests=false >/dev/null
farm_total=$(( ($(date +%s%N) - start) / 1000000 ))

build=$(docker images --filter label=dev.extfarm.kind=build --filter "label=dev.extfarm.target=$target" --format '{{.Repository}}:{{.Tag}}' | head -1)
pg=$(docker image inspect -f '{{index .Config.Labels "dev.extfarm.pg-major"}}' "$build")
echo "== plain make loop ($build)"
: > "$out/make.tsv"
loop_start=$(date +%s%N)
for dir in recipes/*/; do
  name=$(basename "$dir")
  sha=$(awk '/^  sha256:/ {print $2; exit}' "$dir/recipe.yaml")
  flags=$(awk '/make_flags:/ {f=1; next} f && /^    - / {sub(/^    - /, ""); sub(/ *#.*/, ""); printf "%s ", $0; next} f && !/^    - / {f=0}' "$dir/recipe.yaml")
  s=$(date +%s%N)
  docker run --rm --network none -v "$cache/$sha:/src.tar:ro" -v "$PWD/$dir:/recipe:ro" "$build" bash -c "
      mkdir -p /tmp/b && cd /tmp/b && tar xf /src.tar && cd \$(ls -d */ | head -1) &&
      for p in \$(ls /recipe/patches 2>/dev/null); do patch -p1 -s < /recipe/patches/\$p; done &&
      make -s -j\$(nproc) USE_PGXS=1 with_llvm=no $flags >/dev/null 2>&1 && make -s USE_PGXS=1 with_llvm=no $flags install DESTDIR=/tmp/o >/dev/null 2>&1" \
    && status=ok || status=failed
  printf '%s\t%s\t%s\n' "$name" "$(( ($(date +%s%N) - s) / 1000000 ))" "$status" >> "$out/make.tsv"
done
loop_total=$(( ($(date +%s%N) - loop_start) / 1000000 ))

printf '\n%-12s %10s %10s %8s %12s  %s\n' recipe "farm ms" "make ms" ratio "bundle B" "farm result"
join -t $'\t' <(sort "$out/farm.tsv" | cut -f1,3,4,5) <(sort "$out/make.tsv" | cut -f1,2) |
  while IFS=$'\t' read -r name farm size result make; do
    printf '%-12s %10s %10s %8.2f %12s  %s\n' "$name" "$farm" "$make" "$(echo "$farm / $make" | bc -l)" "$size" "$result"
  done
printf '\ncatalog: farm %d ms (incl. Maven/JVM start), plain make loop %d ms, ratio %.2f\n' \
  "$farm_total" "$loop_total" "$(echo "$farm_total / $loop_total" | bc -l)"
echo "images: $(docker image inspect -f '{{.Size}}' "$build" | numfmt --to=iec) build, $(docker image inspect -f '{{.Size}}' "$(docker image inspect -f '{{index .Config.Labels "dev.extfarm.runtime-image"}}' "$build")" | numfmt --to=iec) runtime"
