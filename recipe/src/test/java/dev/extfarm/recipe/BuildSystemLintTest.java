package dev.extfarm.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code build.system} and its fields (issue 22 item 4). A recipe is untrusted: arguments are
 * passed to configure and cmake one by one without a shell, so lint only has to keep them one
 * argument each, keep the builder's own settings the builder's, and refuse fields the chosen
 * system would silently ignore.
 */
class BuildSystemLintTest {

    private static final String HEAD = """
            name: demo
            version: 1.0.0
            description: demo
            license: MIT
            source:
              url: https://example.org/demo-1.0.0.tar.gz
              sha256: %s
            """.formatted("0".repeat(64));

    private static RecipeCheck check(String yaml) {
        return RecipeParser.check(RecipeBundle.of(yaml.getBytes(StandardCharsets.UTF_8), Map.of()), "recipes/demo",
                ValidationOptions.defaults());
    }

    private static List<String> errors(String yaml) {
        return check(yaml).errors().stream().map(RecipeProblem::toString).toList();
    }

    @Test
    void autoconfReadsItsArgumentsAsWritten() throws Exception {
        Recipe r = check(HEAD + """
                build:
                  system: autoconf
                  configure_args:
                    - --with-pgsql-includedir=/usr/include/postgresql
                    - "--enable-x=a b; touch /tmp/pwned"
                    - CC=gcc
                  make_flags: [OPTFLAGS=]
                """).orThrow();
        assertThat(r.build().system()).isEqualTo(BuildSystem.AUTOCONF);
        assertThat(r.build().configureArgs()).containsExactly("--with-pgsql-includedir=/usr/include/postgresql",
                "--enable-x=a b; touch /tmp/pwned", "CC=gcc");
        assertThat(r.build().makeFlags()).containsExactly("OPTFLAGS=");
    }

    @Test
    void cmakeArgsAreCacheEntries() throws Exception {
        Recipe r = check(HEAD + """
                build:
                  system: cmake
                  cmake_args: [-DAPACHE_ONLY=ON, "-DREGRESS_CHECKS:BOOL=OFF", "-DX=$(id)"]
                """).orThrow();
        assertThat(r.build().system()).isEqualTo(BuildSystem.CMAKE);
        assertThat(r.build().cmakeArgs()).containsExactly("-DAPACHE_ONLY=ON", "-DREGRESS_CHECKS:BOOL=OFF", "-DX=$(id)");

        assertThat(errors(HEAD + """
                build:
                  system: cmake
                  cmake_args: [-P, evil.cmake, -E, "-DPG_CONFIG=/tmp/fake", -DCMAKE_INSTALL_RPATH=/tmp, "-DCMAKE_C_FLAGS=-O0", "-DA:WEIRD=1"]
                """)).containsExactly(
                "recipes/demo/recipe.yaml:10:16: build.cmake_args[0]: '-P' must be a cache entry -DNAME=value or -DNAME:TYPE=value (TYPE one of BOOL, STRING, PATH, FILEPATH); the generator, build and install steps are the builder's",
                "recipes/demo/recipe.yaml:10:20: build.cmake_args[1]: 'evil.cmake' must be a cache entry -DNAME=value or -DNAME:TYPE=value (TYPE one of BOOL, STRING, PATH, FILEPATH); the generator, build and install steps are the builder's",
                "recipes/demo/recipe.yaml:10:32: build.cmake_args[2]: '-E' must be a cache entry -DNAME=value or -DNAME:TYPE=value (TYPE one of BOOL, STRING, PATH, FILEPATH); the generator, build and install steps are the builder's",
                "recipes/demo/recipe.yaml:10:36: build.cmake_args[3]: PG_CONFIG is set by the builder (per PostgreSQL major, reproducible flags, RUNPATH $ORIGIN); pass extra compiler flags as CFLAGS or CXXFLAGS in build.env",
                "recipes/demo/recipe.yaml:10:61: build.cmake_args[4]: CMAKE_INSTALL_RPATH is set by the builder (per PostgreSQL major, reproducible flags, RUNPATH $ORIGIN); pass extra compiler flags as CFLAGS or CXXFLAGS in build.env",
                "recipes/demo/recipe.yaml:10:89: build.cmake_args[5]: CMAKE_C_FLAGS is set by the builder (per PostgreSQL major, reproducible flags, RUNPATH $ORIGIN); pass extra compiler flags as CFLAGS or CXXFLAGS in build.env",
                "recipes/demo/recipe.yaml:10:112: build.cmake_args[6]: '-DA:WEIRD=1' must be a cache entry -DNAME=value or -DNAME:TYPE=value (TYPE one of BOOL, STRING, PATH, FILEPATH); the generator, build and install steps are the builder's");
    }

    @Test
    void configureArgsAreOptionsOrAssignmentsOfOneLine() {
        assertThat(errors(HEAD + """
                build:
                  system: autoconf
                  configure_args: ["; rm -rf /", "PG_CONFIG=/tmp/pg_config", "--with-x=\\nsecond line", "--with-y\\u0000"]
                """)).containsExactly(
                "recipes/demo/recipe.yaml:10:20: build.configure_args[0]: '; rm -rf /' must be an option (--enable-x, --with-y=z) or an assignment NAME=value; each item is passed to ./configure as one argument, without a shell",
                "recipes/demo/recipe.yaml:10:34: build.configure_args[1]: PG_CONFIG is set by the builder for each PostgreSQL major",
                "recipes/demo/recipe.yaml:10:62: build.configure_args[2]: must be one line without NUL characters",
                "recipes/demo/recipe.yaml:10:88: build.configure_args[3]: must be one line without NUL characters");
    }

    @Test
    void scriptNeedsInstallCommands() throws Exception {
        Recipe r = check(HEAD + """
                build:
                  system: script
                  build_commands:
                    - make -C src PG_CONFIG="$PG_CONFIG"
                  install_commands:
                    - make -C src install DESTDIR="$DESTDIR"
                    - |
                      install -m 0755 tool "$DESTDIR/usr/lib/postgresql/$EXTFARM_PG_MAJOR/bin/"
                """).orThrow();
        assertThat(r.build().buildCommands()).containsExactly("make -C src PG_CONFIG=\"$PG_CONFIG\"");
        assertThat(r.build().installCommands()).containsExactly("make -C src install DESTDIR=\"$DESTDIR\"",
                "install -m 0755 tool \"$DESTDIR/usr/lib/postgresql/$EXTFARM_PG_MAJOR/bin/\"\n");

        assertThat(errors(HEAD + "build:\n  system: script\n  build_commands: [make]\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:3: build.install_commands: is required with system script: the commands that install into $DESTDIR");
        assertThat(errors(HEAD + "build:\n  system: script\n  install_commands: [' ', [make, install]]\n")).containsExactly(
                "recipes/demo/recipe.yaml:10:22: build.install_commands[0]: is empty",
                "recipes/demo/recipe.yaml:10:27: build.install_commands[1]: must be a single value, not a list");
    }

    @Test
    void argumentsMustBeListsOfStrings() {
        assertThat(errors(HEAD + "build:\n  system: cmake\n  cmake_args: -DX=1\n")).containsExactly(
                "recipes/demo/recipe.yaml:10:3: build.cmake_args: must be a list, not a string");
        assertThat(errors(HEAD + "build:\n  system: autoconf\n  configure_args: [{a: 1}]\n")).containsExactly(
                "recipes/demo/recipe.yaml:10:20: build.configure_args[0]: must be a single value, not a mapping");
        assertThat(errors(HEAD + "build:\n  system: script\n  install_commands: make install\n")).containsExactly(
                "recipes/demo/recipe.yaml:10:3: build.install_commands: must be a list, not a string");
    }

    @Test
    void aFieldForAnotherSystemIsAnError() {
        assertThat(errors(HEAD + "build:\n  cmake_args: [-DX=1]\n  install_commands: [make install]\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:3: build.cmake_args: is only for build.system cmake (this recipe builds with pgxs)",
                "recipes/demo/recipe.yaml:10:3: build.install_commands: is only for build.system script (this recipe builds with pgxs)");
        assertThat(errors(HEAD + "build:\n  system: cmake\n  make_flags: [X=1]\n  configure_args: [--x]\n")).containsExactly(
                "recipes/demo/recipe.yaml:10:3: build.make_flags: is only for build.system pgxs or autoconf (this recipe builds with cmake)",
                "recipes/demo/recipe.yaml:11:3: build.configure_args: is only for build.system autoconf (this recipe builds with cmake)");
        // an unknown system is one error, not one per field
        assertThat(errors(HEAD + "build:\n  system: meson\n  cmake_args: [-DX=1]\n")).containsExactly(
                "recipes/demo/recipe.yaml:9:3: build.system: unknown build system 'meson' (known: pgxs, autoconf, cmake, script, pgrx)");
    }

    /** docs/recipes.md shows each new field in a full recipe; those examples parse to what the text says. */
    @Test
    void theDocsShowEveryBuildSystemFieldInARecipeThatParses() throws Exception {
        String docs = Files.readString(Path.of(System.getProperty("extfarm.docs.dir", "../docs"), "recipes.md"));
        Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(docs);
        List<Recipe> recipes = new ArrayList<>();
        while (block.find()) {
            if (block.group(1).contains("  system: ")) {
                recipes.add(RecipeParser.check(RecipeBundle.of(block.group(1).getBytes(StandardCharsets.UTF_8), Map.of()),
                        "docs", ValidationOptions.defaults()).orThrow());
            }
        }
        Recipe cmake = recipes.stream().filter(r -> r.build().system() == BuildSystem.CMAKE).findFirst().orElseThrow();
        assertThat(cmake.build().cmakeArgs()).contains("-DAPACHE_ONLY=ON", "-DWARNINGS_AS_ERRORS:BOOL=OFF");
        Recipe autoconf = recipes.stream().filter(r -> r.build().system() == BuildSystem.AUTOCONF).findFirst().orElseThrow();
        assertThat(autoconf.build().configureArgs()).containsExactly("--disable-debug", "CFLAGS_EXTRA=-O2 -g");
        Recipe script = recipes.stream().filter(r -> r.build().system() == BuildSystem.SCRIPT).findFirst().orElseThrow();
        assertThat(script.build().buildCommands()).hasSize(1).allMatch(c -> c.startsWith("gcc "));
        assertThat(script.build().installCommands()).hasSize(2);
        assertThat(script.build().installCommands().get(1)).contains("\n").startsWith("d=\"$DESTDIR");
    }
}
