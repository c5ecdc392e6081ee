package dev.extfarm.worker.pipeline;

import dev.extfarm.recipe.Recipe;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a build needs, independent of where it came from (a claimed job, a test).
 *
 * @param sourceArchive the verified upstream archive (.tar.gz/.xz/.bz2/.zst or .zip)
 * @param subdir        directory inside the archive to build in; empty: the single top-level directory
 * @param patches       file name → patch bytes, applied in list order with {@code patch -p1}
 * @param testExtensions control names to CREATE in the smoke test; empty: every one installed
 * @param sourceUrl     the recipe source's public URL ({@code Recipe.Source#publicUrl}), recorded in the
 *                      manifest's build inputs; empty when it has none
 * @param testSettings  server settings of the smoke-test server ({@code test.settings})
 * @param testExpect    the exact output the test SQL must print ({@code test.expect})
 * @param commands      the build system and its arguments ({@code build.system}); PGXS by default
 * @param regress       upstream's regression suite ({@code test.regress}, {@code test.known_failures}); the
 *                      Makefile's by default
 */
public record BuildJob(
        String name,
        String version,
        int pgMajor,
        String license,
        Path sourceArchive,
        String sourceSha256,
        Optional<String> subdir,
        List<Map.Entry<String, byte[]>> patches,
        List<String> makeFlags,
        Map<String, String> env,
        Optional<String> preBuild,
        List<String> buildPackages,
        List<String> runtimePackages,
        boolean sharedPreload,
        boolean preload,
        boolean stripLibdir,
        Optional<String> testSql,
        List<String> testExtensions,
        String recipeRevision,
        long sourceDateEpoch,
        Optional<String> sourceUrl,
        Map<String, String> testSettings,
        Optional<String> testExpect,
        BuildCommands commands,
        Recipe.Regress regress) {

    /** A PGXS job. */
    public BuildJob(String name, String version, int pgMajor, String license, Path sourceArchive, String sourceSha256,
                    Optional<String> subdir, List<Map.Entry<String, byte[]>> patches, List<String> makeFlags,
                    Map<String, String> env, Optional<String> preBuild, List<String> buildPackages,
                    List<String> runtimePackages, boolean sharedPreload, boolean preload, boolean stripLibdir,
                    Optional<String> testSql, List<String> testExtensions, String recipeRevision, long sourceDateEpoch,
                    Optional<String> sourceUrl, Map<String, String> testSettings, Optional<String> testExpect) {
        this(name, version, pgMajor, license, sourceArchive, sourceSha256, subdir, patches, makeFlags, env, preBuild,
                buildPackages, runtimePackages, sharedPreload, preload, stripLibdir, testSql, testExtensions, recipeRevision,
                sourceDateEpoch, sourceUrl, testSettings, testExpect, BuildCommands.PGXS, Recipe.Regress.AUTO);
    }

    /**
     * The job a recipe (parsed for {@code pgMajor}) describes: its build, install and test sections,
     * built from {@code sourceArchive} (verified, with its sha-256) and the recipe's patches (name →
     * bytes, in the recipe's order), for the recipe revision and {@code SOURCE_DATE_EPOCH} given.
     */
    public static BuildJob of(Recipe recipe, int pgMajor, Path sourceArchive, String sourceSha256,
                              List<Map.Entry<String, byte[]>> patches, String recipeRevision, long sourceDateEpoch) {
        Recipe.Build build = recipe.build();
        Recipe.Install install = recipe.install();
        Recipe.SmokeTest test = recipe.test();
        return new BuildJob(recipe.name(), recipe.version(), pgMajor, recipe.license(), sourceArchive, sourceSha256,
                recipe.source().subdir(), patches, build.makeFlags(), build.env(), build.preBuild(), build.buildPackages(),
                build.runtimePackages(), install.sharedPreload(), install.preload(), install.stripLibdir(), test.sql(),
                test.extensions(), recipeRevision, sourceDateEpoch, recipe.source().publicUrl().map(URI::toString),
                test.settings(), test.expect(), BuildCommands.of(build), test.regress());
    }

    /** This job built with {@code commands} instead. */
    public BuildJob withCommands(BuildCommands commands) {
        return new BuildJob(name, version, pgMajor, license, sourceArchive, sourceSha256, subdir, patches, makeFlags, env,
                preBuild, buildPackages, runtimePackages, sharedPreload, preload, stripLibdir, testSql, testExtensions,
                recipeRevision, sourceDateEpoch, sourceUrl, testSettings, testExpect, commands, regress);
    }

    /** This job with upstream's regression suite as {@code regress} says. */
    public BuildJob withRegress(Recipe.Regress regress) {
        return new BuildJob(name, version, pgMajor, license, sourceArchive, sourceSha256, subdir, patches, makeFlags, env,
                preBuild, buildPackages, runtimePackages, sharedPreload, preload, stripLibdir, testSql, testExtensions,
                recipeRevision, sourceDateEpoch, sourceUrl, testSettings, testExpect, commands, regress);
    }

    /** A job whose smoke test has no settings and no expected answer. */
    public BuildJob(String name, String version, int pgMajor, String license, Path sourceArchive, String sourceSha256,
                    Optional<String> subdir, List<Map.Entry<String, byte[]>> patches, List<String> makeFlags,
                    Map<String, String> env, Optional<String> preBuild, List<String> buildPackages,
                    List<String> runtimePackages, boolean sharedPreload, boolean preload, boolean stripLibdir,
                    Optional<String> testSql, List<String> testExtensions, String recipeRevision, long sourceDateEpoch,
                    Optional<String> sourceUrl) {
        this(name, version, pgMajor, license, sourceArchive, sourceSha256, subdir, patches, makeFlags, env, preBuild,
                buildPackages, runtimePackages, sharedPreload, preload, stripLibdir, testSql, testExtensions, recipeRevision,
                sourceDateEpoch, sourceUrl, Map.of(), Optional.empty());
    }

    /** A job without a public source URL (tests). */
    public BuildJob(String name, String version, int pgMajor, String license, Path sourceArchive, String sourceSha256,
                    Optional<String> subdir, List<Map.Entry<String, byte[]>> patches, List<String> makeFlags,
                    Map<String, String> env, Optional<String> preBuild, List<String> buildPackages,
                    List<String> runtimePackages, boolean sharedPreload, boolean preload, boolean stripLibdir,
                    Optional<String> testSql, List<String> testExtensions, String recipeRevision, long sourceDateEpoch) {
        this(name, version, pgMajor, license, sourceArchive, sourceSha256, subdir, patches, makeFlags, env, preBuild,
                buildPackages, runtimePackages, sharedPreload, preload, stripLibdir, testSql, testExtensions, recipeRevision,
                sourceDateEpoch, Optional.empty());
    }

    public BuildJob {
        patches = List.copyOf(patches);
        makeFlags = List.copyOf(makeFlags);
        env = Map.copyOf(env);
        buildPackages = List.copyOf(buildPackages);
        runtimePackages = List.copyOf(runtimePackages);
        testExtensions = List.copyOf(testExtensions);
        testSettings = Map.copyOf(testSettings);
        regress = regress == null ? Recipe.Regress.AUTO : regress;
    }
}
