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
        BuildSystem system = b.string("system").flatMap(name -> buildSystem(b, name)).orElse(BuildSystem.PGXS);
        List<String> makeFlags = b.list("make_flags", (node, field) -> b.scalarText(node, node.position(), field)
                .filter(flag -> checkMakeFlag(b, node, field, flag)));
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
        return new Recipe.Build(system, makeFlags, env, preBuild, buildPackages, runtimePackages, patches);
    }

    private static Optional<BuildSystem> buildSystem(MappingReader b, String name) {
        var at = b.keyPosition("system").orElseThrow();
        Optional<BuildSystem> system = BuildSystem.fromYamlName(name);
        if (system.isEmpty()) {
            b.problems().error(at, b.field("system"), "unknown build system '" + name + "' (known: "
                    + Arrays.stream(BuildSystem.values()).map(BuildSystem::yamlName).collect(Collectors.joining(", ")) + ")");
        } else if (!system.get().isSupported()) {
            b.problems().error(at, b.field("system"), "'" + name + "' is not supported yet (only pgxs)");
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
