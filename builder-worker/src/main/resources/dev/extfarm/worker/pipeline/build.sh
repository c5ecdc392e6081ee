#!/bin/bash
# Runs inside the build image as a non-root user with --network none. Inputs under /job (read-only),
# outputs under /out. Each step prints a marker line "##[extfarm] step <name>" that the worker
# reads for step timings, and exits with the step's own code on failure:
#   5 verify-source, 10 patch, 20 pre-build, 25 configure, 30 build, 35 install, 40/41 bundle-libs.
# EXTFARM_BUILD_SYSTEM (build.system) picks what runs between pre-build and bundle-libs: pgxs
# (make, make install), autoconf (./configure, then the same make), cmake (cmake configure, build,
# install with DESTDIR) or script (the recipe's build and install commands, DESTDIR exported).
set -uo pipefail
step() { echo "##[extfarm] step $1"; }
fail() { echo "##[extfarm] failed: $2"; exit "$1"; }

N="$EXTFARM_PG_MAJOR"
export PG_CONFIG="/usr/lib/postgresql/$N/bin/pg_config"
# A fixed path, so -ffile-prefix-map makes objects reproducible; a reproducibility rebuild uses
# the other one, so that a build path embedded in the output shows as a difference.
case "${EXTFARM_SRC_DIR:-/build/src}" in
  /build/src|/build/rebuilt-src) SRC="${EXTFARM_SRC_DIR:-/build/src}" ;;
  *) echo "##[extfarm] failed: EXTFARM_SRC_DIR must be /build/src or /build/rebuilt-src"; exit 5 ;;
esac
echo "##[extfarm] building as $(id -un) (uid $(id -u)) in $(uname -m), $(nproc) CPUs, PostgreSQL $N, in $SRC"

step verify-source
mkdir -p /build/unpack && cd /build/unpack || fail 5 "cannot create the build directory"
case "$EXTFARM_SOURCE_FILE" in
  *.zip) unzip -q "/job/$EXTFARM_SOURCE_FILE" || fail 5 "the source archive does not unpack" ;;
  *)     tar --no-same-owner --no-same-permissions -xf "/job/$EXTFARM_SOURCE_FILE" || fail 5 "the source archive does not unpack" ;;
esac
if [ -n "${EXTFARM_SUBDIR:-}" ]; then
  top=$(find . -mindepth 1 -maxdepth 1 | head -2)
  if [ -d "$EXTFARM_SUBDIR" ]; then dir="$EXTFARM_SUBDIR"
  elif [ "$(echo "$top" | wc -l)" = 1 ] && [ -d "$top/$EXTFARM_SUBDIR" ]; then dir="$top/$EXTFARM_SUBDIR"
  else fail 5 "subdir '$EXTFARM_SUBDIR' is not in the source archive"; fi
else
  entries=$(find . -mindepth 1 -maxdepth 1)
  if [ "$(echo "$entries" | wc -l)" = 1 ] && [ -d "$entries" ]; then dir="$entries"; else dir=.; fi
fi
mv "$dir" "$SRC" 2>/dev/null || cp -a "$dir" "$SRC" || fail 5 "cannot move the sources into place"
cd "$SRC"
# License files found in the source, for licenses/ in the bundle.
mkdir -p /out/licenses
find . -maxdepth 2 -type f \( -iname 'LICEN[CS]E*' -o -iname 'COPYING*' -o -iname 'COPYRIGHT*' -o -iname 'NOTICE*' \) \
  -exec sh -c 'for f; do cp "$f" "/out/licenses/$(echo "${f#./}" | tr / _)"; done' sh {} +
# No license file: the license text is often a section of the README (pgtap); keep that README,
# and the PGXN META.json, whose "license" names the distribution's license (first_last_agg).
if [ -z "$(ls -A /out/licenses)" ]; then
  for f in README* doc/README* META.json ; do
    [ -f "$f" ] && grep -qiE 'copyright|licen[cs]e' "$f" && cp "$f" "/out/licenses/$(echo "$f" | tr / _)"
  done
fi

step patch
if [ -s /job/patches.list ]; then
  while IFS= read -r p; do
    echo "applying $p"
    patch -p1 --batch --forward --no-backup-if-mismatch < "/job/patches/$p" || fail 10 "patch $p does not apply"
  done < /job/patches.list
fi

step pre-build
if [ -f /job/pre_build.sh ]; then
  bash -eo pipefail /job/pre_build.sh || fail 20 "the pre_build script failed"
fi

SYSTEM="${EXTFARM_BUILD_SYSTEM:-pgxs}"
# The major's programs first: projects that look for pg_config on PATH find this major's.
export PATH="/usr/lib/postgresql/$N/bin:$PATH"
# configure, cmake and the recipe's own commands get the reproducible flags through the standard
# variables (PGXS gets them as COPT below); the recipe's CFLAGS/CXXFLAGS from build.env stay in front.
prefix_map="-ffile-prefix-map=$SRC=. -fdebug-prefix-map=$SRC=."
if [ "$SYSTEM" != pgxs ]; then
  export CFLAGS="${CFLAGS:+$CFLAGS }$prefix_map" CXXFLAGS="${CXXFLAGS:+$CXXFLAGS }$prefix_map"
  export LDFLAGS="${LDFLAGS:+$LDFLAGS }-Wl,--enable-new-dtags"
fi

mapfile -t recipe_flags < /job/make_flags
common=(USE_PGXS=1 "PG_CONFIG=$PG_CONFIG" with_llvm=no
        "LDFLAGS_SL=-Wl,-rpath,'\$\$ORIGIN' -Wl,--enable-new-dtags"
        "COPT=$prefix_map")
# Arguments arrive NUL-terminated, one item each: they reach configure and cmake as argv, never a shell.
mapfile -d '' -t configure_args < /job/configure_args
mapfile -d '' -t cmake_args < /job/cmake_args
CMAKE_BUILD="$SRC/.extfarm-build"   # inside $SRC: the prefix map covers generated files too

# build.system script: each command is a bash script of its own, run in the source directory.
run_commands() {
  local kind=$1 code=$2 f
  for f in /job/commands/"$kind"-*.sh; do
    [ -e "$f" ] || continue
    echo "running $kind command ${f##*-}"
    (cd "$SRC" && bash -e -o pipefail "$f") || fail "$code" "$kind command ${f##*/} failed"
  done
}

case "$SYSTEM" in
  autoconf)
    step configure
    [ -x ./configure ] || fail 25 "there is no executable ./configure in the source directory: generate it in pre_build (autoreconf -fi, with autoconf in build_packages)"
    ./configure "${configure_args[@]}" "PG_CONFIG=$PG_CONFIG" || { [ -f config.log ] && tail -30 config.log; fail 25 "./configure failed"; }
    ;;
  cmake)
    step configure
    cmake -S . -B "$CMAKE_BUILD" -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" \
      "-DPG_CONFIG=$PG_CONFIG" -DCMAKE_INSTALL_PREFIX=/usr \
      || fail 25 "cmake could not configure the project"
    ;;
esac

step build
case "$SYSTEM" in
  pgxs|autoconf) make -j"$(nproc)" "${common[@]}" "${recipe_flags[@]}" || fail 30 "make failed" ;;
  cmake)         cmake --build "$CMAKE_BUILD" -j"$(nproc)" || fail 30 "cmake --build failed" ;;
  script)        run_commands build 30 ;;
  *)             fail 30 "unknown build system '$SYSTEM'" ;;
esac

step install
case "$SYSTEM" in
  pgxs|autoconf) make "${common[@]}" "${recipe_flags[@]}" install DESTDIR=/out/install || fail 35 "make install failed" ;;
  cmake)         DESTDIR=/out/install cmake --install "$CMAKE_BUILD" || fail 35 "cmake --install failed" ;;
  script)        export DESTDIR=/out/install; run_commands install 35 ;;
esac

step bundle-libs
# Every ELF file installed under PostgreSQL's lib and bin directories, and then every library
# they need that the runtime image does not provide, transitively. Bundled libraries are copied
# next to the module (lib/) and, like the modules, get RUNPATH $ORIGIN: rpath only covers a
# file's direct dependencies, so each bundled library needs its own.
# Whatever the recipe's scripts left under these names (a link, a FIFO) goes first: the worker
# reads /out only as a tar stream (see OutputExport) and refuses such things, but a FIFO here
# would otherwise stall this script until the wall-time limit.
rm -rf /out/bundled /out/libs.tsv
mkdir /out/bundled || fail 40 "cannot create /out/bundled"
: > /out/libs.tsv
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }
queue=()
while IFS= read -r -d '' f; do is_elf "$f" && queue+=("$f"); done < <(find /out/install -type f -print0 | sort -z)
declare -A seen
while [ ${#queue[@]} -gt 0 ]; do
  f=${queue[0]}; queue=("${queue[@]:1}")
  case "$f" in
    */lib/postgresql/*/lib/*|/out/bundled/*) patchelf --set-rpath '$ORIGIN' "$f" || fail 40 "patchelf failed on $f" ;;
    # programs (bin/): their bundled libraries are in the bundle's lib/, beside bin/ wherever the
    # fetcher puts them (PostgreSQL's bindir and pkglibdir, or one prefix per bundle)
    */lib/postgresql/*/bin/*) patchelf --set-rpath '$ORIGIN/../lib' "$f" || fail 40 "patchelf failed on $f" ;;
  esac
  for soname in $(patchelf --print-needed "$f"); do
    if grep -qxF "$soname" /job/runtime-libs.txt; then
      printf 'system\t%s\t%s\n' "$soname" "${f#/out/}" >> /out/libs.tsv
      continue
    fi
    [ -n "${seen[$soname]:-}" ] && continue
    seen[$soname]=1
    path=$(ldd "$f" | awk -v s="$soname" '$1 == s && $3 ~ /^\// { print $3; exit }')
    if [ -z "$path" ]; then
      echo "$f needs $soname, which is neither in the runtime image nor found in the build image"
      fail 41 "library $soname not found"
    fi
    real=$(readlink -f "$path")
    pkg=$(dpkg -S "$real" 2>/dev/null || dpkg -S "${real/#\/usr\/lib/\/lib}" 2>/dev/null || true)
    pkg=${pkg%%:*}
    ver=$( [ -n "$pkg" ] && dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null || true)
    cp -L "$path" "/out/bundled/$soname" && chmod 0755 "/out/bundled/$soname" || fail 40 "cannot copy $path"
    printf 'bundled\t%s\t%s\t%s\t%s\n' "$soname" "${f#/out/}" "$pkg" "$ver" >> /out/libs.tsv
    echo "bundling $soname from $real (${pkg:-unknown package} ${ver})"
    queue+=("/out/bundled/$soname")
  done
done
# upstream's regression suite, for the test container (never fails the build here)
if [ -f /job/regress-prepare.sh ]; then
  . /job/regress-prepare.sh
  regress_prepare || { rm -rf /out/regress; echo "##[extfarm] regress: the suite could not be prepared; it does not run"; }
fi
echo "##[extfarm] done"
