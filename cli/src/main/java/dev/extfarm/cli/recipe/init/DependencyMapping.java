package dev.extfarm.cli.recipe.init;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * META.json dependencies → recipe fields. The farm builds in a Debian image with build-essential
 * and the major's postgresql-server-dev, then bundles every non-system library the module links
 * (docs/builder.md), so:
 * <ul>
 * <li>{@code pkg:deb/debian/NAME} in configure/build → {@code build.build_packages}; in run →
 *     {@code build.runtime_packages} (the upstream asks the system to provide it);</li>
 * <li>{@code pkg:generic/NAME} known below → its Debian build package, for a library in any
 *     phase (the library is then linked at build time and bundled), for a program only at build;</li>
 * <li>{@code pkg:pgxn/NAME}, {@code pkg:postgres/NAME} and v1 extension names at run time → the
 *     extensions it needs, kept as {@code x-requires} (a recipe has no dependency field: a bundle's
 *     requires come from its control file); PL/pgSQL and contrib ship with PostgreSQL;</li>
 * <li>everything else (other purl types, test/develop phases, suggests/conflicts, unknown generic
 *     names) is listed as not mapped, with the reason.</li>
 * </ul>
 */
final class DependencyMapping {

    enum Kind { LIBRARY, PROGRAM }

    record Generic(String debianPackage, Kind kind) {
    }

    /** pkg:generic names → the Debian package that provides them for building (bookworm through sid). */
    static final Map<String, Generic> GENERIC = Map.ofEntries(
            Map.entry("pkg-config", new Generic("pkg-config", Kind.PROGRAM)),
            Map.entry("pkgconf", new Generic("pkg-config", Kind.PROGRAM)),
            Map.entry("flex", new Generic("flex", Kind.PROGRAM)),
            Map.entry("bison", new Generic("bison", Kind.PROGRAM)),
            Map.entry("perl", new Generic("perl", Kind.PROGRAM)),
            Map.entry("python3", new Generic("python3", Kind.PROGRAM)),
            Map.entry("python", new Generic("python3", Kind.PROGRAM)),
            Map.entry("cmake", new Generic("cmake", Kind.PROGRAM)),
            Map.entry("autoconf", new Generic("autoconf", Kind.PROGRAM)),
            Map.entry("automake", new Generic("automake", Kind.PROGRAM)),
            Map.entry("libtool", new Generic("libtool", Kind.PROGRAM)),
            Map.entry("gettext", new Generic("gettext", Kind.PROGRAM)),
            Map.entry("jq", new Generic("jq", Kind.PROGRAM)),
            Map.entry("git", new Generic("git", Kind.PROGRAM)),
            Map.entry("clang", new Generic("clang", Kind.PROGRAM)),
            Map.entry("openssl", new Generic("libssl-dev", Kind.LIBRARY)),
            Map.entry("libssl", new Generic("libssl-dev", Kind.LIBRARY)),
            Map.entry("curl", new Generic("libcurl4-openssl-dev", Kind.LIBRARY)),
            Map.entry("libcurl", new Generic("libcurl4-openssl-dev", Kind.LIBRARY)),
            Map.entry("zlib", new Generic("zlib1g-dev", Kind.LIBRARY)),
            Map.entry("readline", new Generic("libreadline-dev", Kind.LIBRARY)),
            Map.entry("libxml2", new Generic("libxml2-dev", Kind.LIBRARY)),
            Map.entry("libxslt", new Generic("libxslt1-dev", Kind.LIBRARY)),
            Map.entry("icu", new Generic("libicu-dev", Kind.LIBRARY)),
            Map.entry("pcre", new Generic("libpcre3-dev", Kind.LIBRARY)),
            Map.entry("pcre2", new Generic("libpcre2-dev", Kind.LIBRARY)),
            Map.entry("libical", new Generic("libical-dev", Kind.LIBRARY)),
            Map.entry("libmemcached", new Generic("libmemcached-dev", Kind.LIBRARY)),
            Map.entry("sasl", new Generic("libsasl2-dev", Kind.LIBRARY)),
            Map.entry("uuid", new Generic("uuid-dev", Kind.LIBRARY)),
            Map.entry("libuuid", new Generic("uuid-dev", Kind.LIBRARY)),
            Map.entry("lz4", new Generic("liblz4-dev", Kind.LIBRARY)),
            Map.entry("zstd", new Generic("libzstd-dev", Kind.LIBRARY)),
            Map.entry("geos", new Generic("libgeos-dev", Kind.LIBRARY)),
            Map.entry("proj", new Generic("libproj-dev", Kind.LIBRARY)),
            Map.entry("json-c", new Generic("libjson-c-dev", Kind.LIBRARY)),
            Map.entry("protobuf-c", new Generic("libprotobuf-c-dev", Kind.LIBRARY)));

    /** Already in every build image (build-essential, the base system). */
    static final Set<String> IN_BUILD_IMAGE = Set.of("make", "gmake", "gcc", "cc", "c-compiler", "awk", "gawk", "mawk", "sed", "grep",
            "bash", "sh", "coreutils", "tar", "gzip", "postgresql", "postgres", "pg_config");

    /** Extensions PostgreSQL itself or Debian's postgresql-N package (contrib) provides. */
    static final Set<String> SHIPPED_WITH_POSTGRESQL = Set.of("plpgsql", "pg_regress", "adminpack", "amcheck", "autoinc", "bloom",
            "btree_gin", "btree_gist", "citext", "cube", "dblink", "dict_int", "dict_xsyn", "earthdistance", "file_fdw",
            "fuzzystrmatch", "hstore", "insert_username", "intagg", "intarray", "isn", "lo", "ltree", "moddatetime",
            "pageinspect", "pg_buffercache", "pg_freespacemap", "pg_prewarm", "pg_stat_statements", "pg_surgery", "pg_trgm",
            "pg_visibility", "pg_walinspect", "pgcrypto", "pgrowlocks", "pgstattuple", "postgres_fdw", "refint", "seg",
            "sslinfo", "tablefunc", "tcn", "tsm_system_rows", "tsm_system_time", "unaccent", "uuid-ossp", "xml2");

    static final Pattern DEBIAN_PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+");
    static final Set<String> BUILD_PHASES = Set.of("configure", "build");
    static final Set<String> RUN_PHASES = Set.of("run", "runtime");

    final Set<String> buildPackages = new LinkedHashSet<>();
    final Set<String> runtimePackages = new LinkedHashSet<>();
    final Set<String> requires = new LinkedHashSet<>();
    final List<String> notes = new ArrayList<>();
    final List<String> unmapped = new ArrayList<>();

    void add(PgxnMeta.Dependency d, boolean v2) {
        String rel = d.relationship();
        if (!rel.equals("requires") && !rel.equals("recommends")) {
            unmapped.add(d.path() + ": '" + rel + "' dependencies are not mapped (only requires and recommends)");
            return;
        }
        if (!BUILD_PHASES.contains(d.phase()) && !RUN_PHASES.contains(d.phase())) {
            unmapped.add(d.path() + ": the " + d.phase() + " phase is not used by the farm (its smoke test is test.sql)");
            return;
        }
        boolean run = RUN_PHASES.contains(d.phase());
        if (!v2) {
            extension(d, d.key(), run);
            return;
        }
        Optional<Purl> purl = Purl.parse(d.key());
        if (purl.isEmpty()) {
            unmapped.add(d.path() + ": not a package URL (pkg:type/name)");
            return;
        }
        Purl p = purl.get();
        switch (p.type()) {
            case "deb" -> deb(d, p, run);
            case "generic" -> generic(d, p, run);
            case "pgxn", "postgres" -> extension(d, p.name(), run);
            default -> unmapped.add(d.path() + ": " + p.type() + " packages cannot be installed in the farm's Debian images");
        }
    }

    private void deb(PgxnMeta.Dependency d, Purl p, boolean run) {
        if (!p.namespace().isEmpty() && !p.namespace().equals("debian")) {
            unmapped.add(d.path() + ": a " + p.namespace() + " package, not a Debian one; find its Debian name");
        } else if (!DEBIAN_PACKAGE.matcher(p.name()).matches()) {
            unmapped.add(d.path() + ": '" + p.name() + "' is not a Debian package name");
        } else if (run) {
            runtimePackages.add(p.name());
        } else {
            buildPackages.add(p.name());
        }
    }

    private void generic(PgxnMeta.Dependency d, Purl p, boolean run) {
        String name = p.name().toLowerCase();
        if (IN_BUILD_IMAGE.contains(name)) {
            if (!run) {
                notes.add(d.key() + ": already in the build image");
            }
            return;
        }
        Generic g = GENERIC.get(name);
        if (g == null) {
            unmapped.add(d.path() + ": no known Debian package for generic '" + p.name() + "'; add it to build.build_packages by hand");
        } else if (g.kind() == Kind.LIBRARY) {
            buildPackages.add(g.debianPackage());
            if (run) {
                notes.add(d.key() + " (run): " + g.debianPackage() + " in build_packages; the builder bundles the library with the module");
            }
        } else if (run) {
            unmapped.add(d.path() + ": a program needed at run time; the farm's runtime images do not install extra programs");
        } else {
            buildPackages.add(g.debianPackage());
        }
    }

    private void extension(PgxnMeta.Dependency d, String name, boolean run) {
        if (name.equals("PostgreSQL")) {
            notes.add(d.path() + ": a " + d.relationship() + " PostgreSQL version is not a limit; not used");
        } else if (SHIPPED_WITH_POSTGRESQL.contains(name)) {
            notes.add(d.key() + ": ships with PostgreSQL");
        } else if (run) {
            requires.add(name);
        } else {
            unmapped.add(d.path() + ": an extension needed to build; the build image has only PostgreSQL's own");
        }
    }
}
