# Sourced by build.sh at its end, in the build container (the recipe's sandbox: no network, uid
# 1000, no capabilities): prepares upstream's regression suite for the test container
# (Installcheck), which runs it against a server set up like the smoke test's. Writes /out/regress:
#   tests       one test name a line
#   opts        pg_regress options, NUL-terminated (the Makefile's REGRESS_OPTS and locale flags)
#   pg_regress  this major's pg_regress (PGXS's; it needs only libc)
#   src/        the built source tree, without objects, where the tests run
# /job/regress/mode says which suite: auto (the Makefile's PGXS REGRESS, evaluated by make as
# `make installcheck` would) or listed (/job/regress/tests, /job/regress/inputdir,
# /job/regress/load_extensions). No suite, or
# one that cannot be prepared, is a log line, never a failed build: the worker runs what is here.
regress_prepare() {
  local R=/out/regress mode names opts_text mkfile dir
  rm -rf "$R"
  [ -f /job/regress/mode ] || return 0
  mode=$(cat /job/regress/mode)
  mkdir -p "$R/src" || return 1
  if [ "$mode" = auto ]; then
    case "$SYSTEM" in
      pgxs|autoconf) ;;
      *) echo "##[extfarm] regress: build.system $SYSTEM declares no PGXS REGRESS; name the tests in test.regress to run a suite"
         rm -rf "$R"; return 0 ;;
    esac
    mkfile=
    for f in GNUmakefile makefile Makefile; do [ -f "$SRC/$f" ] && { mkfile=$f; break; }; done
    [ -n "$mkfile" ] || { echo "##[extfarm] regress: no Makefile, no REGRESS"; rm -rf "$R"; return 0; }
    # what `make installcheck` would run: REGRESS (unless NO_INSTALLCHECK), REGRESS_OPTS and the
    # locale flags, after REGRESS_PREP is made; $(file) writes them verbatim
    cat > /tmp/extfarm-regress.mk <<'MK'
.PHONY: extfarm-regress-vars
extfarm-regress-vars: $(if $(NO_INSTALLCHECK),,$(REGRESS_PREP))
	$(file >/tmp/extfarm-regress.names,$(if $(NO_INSTALLCHECK),,$(REGRESS)))
	$(file >/tmp/extfarm-regress.opts,$(pg_regress_locale_flags) $(REGRESS_OPTS))
	@:
MK
    (cd "$SRC" && make -s -f "$mkfile" -f /tmp/extfarm-regress.mk "${common[@]}" "${recipe_flags[@]}" extfarm-regress-vars) \
      || { echo "##[extfarm] regress: make could not evaluate REGRESS; no suite"; rm -rf "$R"; return 0; }
    names=$(cat /tmp/extfarm-regress.names 2>/dev/null)
    if [ -z "${names//[[:space:]]/}" ]; then
      echo "##[extfarm] regress: the Makefile declares no REGRESS tests"; rm -rf "$R"; return 0
    fi
    (set -f; printf '%s\n' $names) > "$R/tests"   # words, never file name patterns
    opts_text=$(cat /tmp/extfarm-regress.opts)
    # the options are shell words, as pgxs passes them to its shell (recipe code, in this sandbox)
    (set -f; eval "set -- $opts_text" && printf '%s\0' "$@") > "$R/opts" \
      || { echo "##[extfarm] regress: REGRESS_OPTS are not shell words; no suite"; rm -rf "$R"; return 0; }
  else
    cp /job/regress/tests "$R/tests" || return 1
    dir=$(cat /job/regress/inputdir 2>/dev/null)
    printf '%s\0' "--inputdir=${dir:-.}" --dbname=contrib_regression > "$R/opts"
    # test.regress.load_extensions: extension names the recipe module checked, one a line
    if [ -s /job/regress/load_extensions ]; then
      while IFS= read -r ext; do printf '%s\0' "--load-extension=$ext"; done < /job/regress/load_extensions >> "$R/opts"
    fi
  fi
  cp "$(dirname "$("$PG_CONFIG" --pgxs)")/../../src/test/regress/pg_regress" "$R/pg_regress" \
    || { echo "##[extfarm] regress: this image has no pg_regress"; return 1; }
  # the built tree without objects: tests may read any file of it (data, generated SQL)
  (cd "$SRC" && tar --exclude=.git --exclude='*.o' --exclude='*.bc' --exclude='*.a' --exclude=.extfarm-build -cf - .) \
    | tar -C "$R/src" -xf - || { echo "##[extfarm] regress: cannot copy the source tree"; return 1; }
  echo "##[extfarm] regress: $(wc -l < "$R/tests") tests prepared: $(tr '\n' ' ' < "$R/tests")"
}
