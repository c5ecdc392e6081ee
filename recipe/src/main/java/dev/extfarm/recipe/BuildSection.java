package dev.extfarm.recipe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Reads and checks {@code build:}. */
final class BuildSection {

    static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    static final Pattern MAKE_ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=[^\\n\\r\\x00]*");
    /**
     * Variables the builder sets itself: the major's pg_config, the install root, and the flags
     * that make modules reproducible and load with RUNPATH $ORIGIN. Use PG_CPPFLAGS, PG_CFLAGS,
     * PG_LDFLAGS or SHLIB_LINK for extra compiler and linker flags.
     */
    static final Set<String> RESERVED_MAKE_VARIABLES = Set.of("PG_CONFIG", "DESTDIR", "COPT", "LDFLAGS_SL");
    /** What configure is given by the builder: PG_CONFIG names the major's pg_config. */
    static final Set<String> RESERVED_CONFIGURE_VARIABLES = Set.of("PG_CONFIG", "DESTDIR");
    static final Pattern CONFIGURE_OPTION = Pattern.compile("--[a-z0-9][A-Za-z0-9_.+-]*(=[^\\n\\r\\x00]*)?");
    static final Pattern CMAKE_DEFINITION = Pattern.compile(
            "-D([A-Za-z_][A-Za-z0-9_.+-]*)(?::(?:BOOL|STRING|PATH|FILEPATH))?=[^\\n\\r\\x00]*");
    /**
     * Cache entries the builder sets: the major's pg_config, the install prefix (files land under
     * Debian's PostgreSQL paths in $DESTDIR), the compiler flags that carry the reproducibility
     * flags (the recipe's CFLAGS/CXXFLAGS from build.env are kept in front of them) and the
     * RUNPATH, which the builder sets to $ORIGIN itself.
     */
    static final Set<String> RESERVED_CMAKE_VARIABLES = Set.of("PG_CONFIG", "CMAKE_INSTALL_PREFIX", "CMAKE_C_FLAGS",
            "CMAKE_CXX_FLAGS", "CMAKE_INSTALL_RPATH", "CMAKE_BUILD_RPATH", "CMAKE_SKIP_RPATH");
    static final Set<String> RESERVED_ENV = Set.of("PG_CONFIG", "DESTDIR", "PATH", "HOME", "SOURCE_DATE_EPOCH");

    private BuildSection() {
    }

    static Recipe.Build read(MappingReader top, RecipeBundle bundle) {
        Optional<MappingReader> section = top.mapping("build");
        if (section.isEmpty()) {
            reportUnlistedPatches(top.problems(), List.of(), bundle);
            return new Recipe.Build(BuildSystem.PGXS, List.of(), Map.of(), Optional.empty(), List.of(), List.of(), List.of());
        }
        MappingReader b = section.get();
        Optional<String> systemName = b.string("system");
        BuildSystem system = systemName.flatMap(name -> buildSystem(b, name)).orElse(BuildSystem.PGXS);
        // a system lint could not read checks no system-specific field: one error, not a cascade
        boolean known = systemName.isEmpty() || systemName.flatMap(BuildSystem::fromYamlName).filter(BuildSystem::isSupported).isPresent();
        List<String> makeFlags = onlyFor(b, "make_flags", system, known, BuildSystem.PGXS, BuildSystem.AUTOCONF)
                ? b.list("make_flags", (node, field) -> b.scalarText(node, node.position(), field)
                .filter(flag -> checkMakeFlag(b, node, field, flag))) : List.of();
        List<String> configureArgs = onlyFor(b, "configure_args", system, known, BuildSystem.AUTOCONF)
                ? b.list("configure_args", (node, field) -> b.scalarText(node, node.position(), field)
                .filter(arg -> checkConfigureArg(b, node, field, arg))) : List.of();
        List<String> cmakeArgs = onlyFor(b, "cmake_args", system, known, BuildSystem.CMAKE)
                ? b.list("cmake_args", (node, field) -> b.scalarText(node, node.position(), field)
                .filter(arg -> checkCmakeArg(b, node, field, arg))) : List.of();
        List<String> buildCommands = onlyFor(b, "build_commands", system, known, BuildSystem.SCRIPT)
                ? commands(b, "build_commands") : List.of();
        List<String> installCommands = onlyFor(b, "install_commands", system, known, BuildSystem.SCRIPT)
                ? commands(b, "install_commands") : List.of();
        if (system == BuildSystem.SCRIPT && installCommands.isEmpty() && b.entry("install_commands").isEmpty()) {
            b.problems().error(b.keyPosition("system").orElseThrow(), b.field("install_commands"),
                    "is required with system script: the commands that install into $DESTDIR");
        }
        Map<String, String> env = env(b);
        Optional<String> preBuild = b.string("pre_build");
        if (preBuild.isPresent() && preBuild.get().isBlank()) {
            b.problems().error(b.keyPosition("pre_build").orElseThrow(), b.field("pre_build"), "is empty; leave it out instead");
            preBuild = Optional.empty();
        }
        List<String> buildPackages = packages(b, "build_packages");
        List<String> runtimePackages = packages(b, "runtime_packages");
        List<String> patches = patches(b, bundle);
        b.finish();
        return new Recipe.Build(system, makeFlags, env, preBuild, buildPackages, runtimePackages, patches,
                configureArgs, cmakeArgs, buildCommands, installCommands);
    }

    /**
     * True when {@code key} may be read for {@code system}; a field given for another system is an
     * error naming the systems that read it (it would otherwise be silently ignored).
     */
    private static boolean onlyFor(MappingReader b, String key, BuildSystem system, boolean known, BuildSystem... systems) {
        if (List.of(systems).contains(system)) {
            return true;
        }
        Optional<YamlNode.Entry> e = b.entry(key);
        if (e.isPresent() && known) {
            b.problems().error(e.get().keyPosition(), b.field(key), "is only for build.system "
                    + Arrays.stream(systems).map(BuildSystem::yamlName).collect(Collectors.joining(" or "))
                    + " (this recipe builds with " + system.yamlName() + ")");
        }
        return false;
    }

    /** One argument, one line: the file the builder hands the container has no other separator to confuse. */
    private static boolean oneLine(MappingReader b, YamlNode node, String field, String arg) {
        if (arg.indexOf('\0') >= 0 || arg.indexOf('\n') >= 0 || arg.indexOf('\r') >= 0) {
            b.problems().error(node.position(), field, "must be one line without NUL characters");
            return false;
        }
        return true;
    }

    private static boolean checkConfigureArg(MappingReader b, YamlNode node, String field, String arg) {
        if (!oneLine(b, node, field, arg)) {
            return false;
        }
        var assignment = MAKE_ASSIGNMENT.matcher(arg);
        if (assignment.matches()) {
            if (RESERVED_CONFIGURE_VARIABLES.contains(assignment.group(1))) {
                b.problems().error(node.position(), field, assignment.group(1) + " is set by the builder for each PostgreSQL major");
                return false;
            }
            return true;
        }
        if (!CONFIGURE_OPTION.matcher(arg).matches()) {
            b.problems().error(node.position(), field, "'" + arg + "' must be an option (--enable-x, --with-y=z) or an "
                    + "assignment NAME=value; each item is passed to ./configure as one argument, without a shell");
            return false;
        }
        return true;
    }

    private static boolean checkCmakeArg(MappingReader b, YamlNode node, String field, String arg) {
        if (!oneLine(b, node, field, arg)) {
            return false;
        }
        var m = CMAKE_DEFINITION.matcher(arg);
        if (!m.matches()) {
            b.problems().error(node.position(), field, "'" + arg + "' must be a cache entry -DNAME=value or -DNAME:TYPE=value "
                    + "(TYPE one of BOOL, STRING, PATH, FILEPATH); the generator, build and install steps are the builder's");
            return false;
        }
        if (RESERVED_CMAKE_VARIABLES.contains(m.group(1))) {
            b.problems().error(node.position(), field, m.group(1) + " is set by the builder (per PostgreSQL major, "
                    + "reproducible flags, RUNPATH $ORIGIN); pass extra compiler flags as CFLAGS or CXXFLAGS in build.env");
            return false;
        }
        return true;
    }

    private static List<String> commands(MappingReader b, String key) {
        return b.list(key, (node, field) -> b.scalarText(node, node.position(), field).filter(command -> {
            if (command.isBlank()) {
                b.problems().error(node.position(), field, "is empty");
                return false;
            }
            if (command.indexOf('\0') >= 0) {
                b.problems().error(node.position(), field, "must not contain NUL characters");
                return false;
            }
            return true;
        }));
    }

    private static Optional<BuildSystem> buildSystem(MappingReader b, String name) {
        var at = b.keyPosition("system").orElseThrow();
        Optional<BuildSystem> system = BuildSystem.fromYamlName(name);
        if (system.isEmpty()) {
            b.problems().error(at, b.field("system"), "unknown build system '" + name + "' (known: "
                    + Arrays.stream(BuildSystem.values()).map(BuildSystem::yamlName).collect(Collectors.joining(", ")) + ")");
        } else if (!system.get().isSupported()) {
            b.problems().error(at, b.field("system"), "'" + name + "' is not supported yet (supported: "
                    + Arrays.stream(BuildSystem.values()).filter(BuildSystem::isSupported).map(BuildSystem::yamlName)
                    .collect(Collectors.joining(", ")) + ")");
            return Optional.empty();
        }
        return system;
    }

    private static boolean checkMakeFlag(MappingReader b, YamlNode node, String field, String flag) {
        var m = MAKE_ASSIGNMENT.matcher(flag);
        if (!m.matches()) {
            b.problems().error(node.position(), field, "'" + flag + "' must be a variable assignment NAME=value "
                    + "(targets and options such as -j are the builder's)");
            return false;
        }
        if (RESERVED_MAKE_VARIABLES.contains(m.group(1))) {
            b.problems().error(node.position(), field, m.group(1) + " is set by the builder"
                    + (m.group(1).startsWith("PG_") || m.group(1).equals("DESTDIR") ? " for each PostgreSQL major"
                    : " (reproducible, RUNPATH $ORIGIN builds); use PG_CPPFLAGS, PG_CFLAGS, PG_LDFLAGS or SHLIB_LINK"));
            return false;
        }
        return true;
    }

    private static Map<String, String> env(MappingReader b) {
        Map<String, String> env = new LinkedHashMap<>();
        b.stringMap("env").forEach((name, value) -> {
            if (!VARIABLE.matcher(name).matches()) {
                b.problems().error(value.position(), value.field(), "'" + name + "' is not a valid environment variable name");
            } else if (name.equals("SOURCE_DATE_EPOCH")) {
                b.problems().error(value.position(), value.field(), "set source_date_epoch at the top level instead");
            } else if (RESERVED_ENV.contains(name)) {
                b.problems().error(value.position(), value.field(), name + " is set by the builder");
            } else if (value.text().indexOf('\0') >= 0) {
                b.problems().error(value.position(), value.field(), "must not contain NUL characters");
            } else {
                env.put(name, value.text());
            }
        });
        return env;
    }

    private static List<String> packages(MappingReader b, String key) {
        Set<String> seen = new HashSet<>();
        return b.list(key, (node, field) -> b.scalarText(node, node.position(), field).filter(name -> {
            if (!SourceSection.DEBIAN_PACKAGE.matcher(name).matches()) {
                b.problems().error(node.position(), field, "'" + name + "' is not a Debian package name (like libpcre3-dev)");
                return false;
            }
            if (!seen.add(name)) {
                b.problems().error(node.position(), field, "'" + name + "' is listed twice");
                return false;
            }
            return true;
        }));
    }

    private static List<String> patches(MappingReader b, RecipeBundle bundle) {
        Set<String> seen = new HashSet<>();
        List<String> patches = b.list("patches", (node, field) -> b.scalarText(node, node.position(), field).filter(name -> {
            if (!RecipeBundle.isValidPatchName(name)) {
                b.problems().error(node.position(), field, "'" + name + "' must be a file name in patches/ matching "
                        + RecipeBundle.PATCH_NAME_RULE);
                return false;
            }
            if (!seen.add(name)) {
                b.problems().error(node.position(), field, "'" + name + "' is listed twice");
                return false;
            }
            if (!bundle.patchesUnsafe().containsKey(name)) {
                b.problems().error(node.position(), field, "patches/" + name + " does not exist"
                        + (bundle.patchNames().isEmpty() ? "" : " (patches/ holds: " + String.join(", ", bundle.patchNames()) + ")"));
                return false;
            }
            return true;
        }));
        reportUnlistedPatches(b.problems(), new ArrayList<>(seen), bundle);
        return patches;
    }

    private static void reportUnlistedPatches(Problems problems, List<String> listed, RecipeBundle bundle) {
        String dir = problems.file().substring(0, problems.file().length() - RecipeBundle.RECIPE_FILE.length());
        for (String name : bundle.patchNames()) {
            if (!listed.contains(name)) {
                problems.errorInFile(dir + RecipeBundle.PATCHES_DIR + "/" + name, "build.patches",
                        "not listed in build.patches; list it there or delete the file");
            }
        }
    }
}
