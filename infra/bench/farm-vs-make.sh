#!/usr/bin/env bash
# Build time of the catalog: the farm's pipeline (fetch-verified source, patch, build, install,
# bundle libraries, smoke test and upstream's regression suite in a clean runtime container,
# deterministic pack) versus a plain shell loop of `docker run <build image> make && make install`
# on the same images and sources, side by side on the same machine.
#
#   infra/bench/farm-vs-make.sh [--target TARGET] [RECIPE...]
#
# TARGET defaults to bookworm-pg15. RECIPE defaults to the nine PGXS recipes of the first catalog
# (the 2026-11-23 figures), so runs stay comparable; name others to measure them (PGXS recipes
# only: the plain loop runs `make`, nothing else). Needs the images and the sources in the cache
# (./extfarm recipe fetch recipes/* --cache $EXTFARM_SOURCE_CACHE; git sources from a source
# mirror, EXTFARM_SOURCE_MIRRORS). The farm builds as RealRecipesBuildTest does, two at a time
# (-Dextfarm.test.build-parallelism); the plain loop builds one after another with make -j$(nproc).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=bookworm-pg15
if [ "${1:-}" = --target ]; then target=$2; shift 2; fi
recipes=("$@")
[ ${#recipes[@]} -gt 0 ] || recipes=(ip4r pg_rrule pgfincore pgmemcache pgpcre pgtap semver unit vector)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== farm pipeline ($target: ${recipes[*]})"
start=$(date +%s%N)
# -am: the sibling modules from this checkout, never from ~/.m2; their own tests are filtered out by -Dtest
./mvnw -q -B -o -pl builder-worker -am test -Dtest='RealRecipesBuildTest#buildsLoadsAndBundlesItsLibraries' \
    -Dextfarm.test.target="$target" -Dextfarm.test.recipes="$(IFS=,; echo "${recipes[*]}")" \
    -Dextfarm.bench.out="$out/farm.tsv" -Dsurefire.failIfNoSpecifiedTests=false >"$out/maven.log" 2>&1 \
  || { tail -40 "$out/maven.log"; echo "the farm's builds failed (above)"; }
farm_total=$(( ($(date +%s%N) - start) / 1000000 ))

# the target's own build image (derived images, a recipe's packages added, carry the same labels)
build=$(docker images --filter label=dev.extfarm.kind=build --filter "label=dev.extfarm.target=$target" --format '{{.Repository}}:{{.Tag}}' \
  | grep -v '^extfarm/derived:' | head -1)
echo "== plain make loop ($build)"
: > "$out/make.tsv"
loop_start=$(date +%s%N)
for name in "${recipes[@]}"; do
  dir=recipes/$name
  # the archive the farm built from (column 8 of its TSV: a cached tarball, or a git source's export)
  src=$(awk -F'\t' -v n="$name" '$1 == n {print $8}' "$out/farm.tsv")
  [ -n "$src" ] || { echo "$name: the farm did not build it; skipped"; continue; }
  flags=$(awk '/make_flags:/ {f=1; next} f && /^    - / {sub(/^    - /, ""); sub(/ *#.*/, ""); printf "%s ", $0; next} f && !/^    - / {f=0}' "$dir/recipe.yaml")
  s=$(date +%s%N)
  docker run --rm --network none -v "$(realpath "$src"):/src.tar:ro" -v "$PWD/$dir:/recipe:ro" "$build" bash -c "
      mkdir -p /tmp/b && cd /tmp/b && tar xf /src.tar && cd \$(ls -d */ | head -1) &&
      for p in \$(ls /recipe/patches 2>/dev/null); do patch -p1 -s < /recipe/patches/\$p; done;
      make -s -j\$(nproc) USE_PGXS=1 with_llvm=no $flags >/dev/null 2>&1 && make -s USE_PGXS=1 with_llvm=no $flags install DESTDIR=/tmp/o >/dev/null 2>&1" \
    && status=ok || status=failed
  printf '%s\t%s\t%s\n' "$name" "$(( ($(date +%s%N) - s) / 1000000 ))" "$status" >> "$out/make.tsv"
done
loop_total=$(( ($(date +%s%N) - loop_start) / 1000000 ))

printf '\n%-14s %10s %10s %8s %12s  %-7s %s\n' recipe "farm ms" "make ms" ratio "bundle B" result "farm steps (ms)"
join -t $'\t' <(sort "$out/farm.tsv" | cut -f1,3,4,5,6) <(sort "$out/make.tsv" | cut -f1,2) |
  while IFS=$'\t' read -r name farm size result steps make; do
    printf '%-14s %10s %10s %8.2f %12s  %-7s %s\n' "$name" "$farm" "$make" "$(echo "$farm / $make" | bc -l)" "$size" "$result" "$steps"
  done
farm_sum=$(awk -F'\t' '{s += $3} END {print s + 0}' "$out/farm.tsv")
make_sum=$(awk -F'\t' '{s += $2} END {print s + 0}' "$out/make.tsv")
printf '\nwall clock: farm %d ms (incl. Maven/JVM start), plain make loop %d ms, ratio %.2f\n' \
  "$farm_total" "$loop_total" "$(echo "$farm_total / $loop_total" | bc -l)"
# the farm's builds alone: from the first build's start to the last one's end (columns 9 and 10)
farm_span=$(awk -F'\t' 'NR == 1 || $9 < s {s = $9} $10 > e {e = $10} END {print e - s}' "$out/farm.tsv")
printf 'farm builds only (first start to last end, no Maven): %d ms, ratio %.2f\n' \
  "$farm_span" "$(echo "$farm_span / $loop_total" | bc -l)"
printf 'per build, summed: farm %d ms, plain make %d ms, ratio %.2f\n' \
  "$farm_sum" "$make_sum" "$(echo "$farm_sum / $make_sum" | bc -l)"
echo "images: $(docker image inspect -f '{{.Size}}' "$build" | numfmt --to=iec) build, $(docker image inspect -f '{{.Size}}' "$(docker image inspect -f '{{index .Config.Labels "dev.extfarm.runtime-image"}}' "$build")" | numfmt --to=iec) runtime"
