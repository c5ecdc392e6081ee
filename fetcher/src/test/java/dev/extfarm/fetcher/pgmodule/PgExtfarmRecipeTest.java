package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.Digests;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;

/**
 * The farm's recipe of pg_extfarm (recipes/pg_extfarm) carries the module's source as an archive
 * (source.bundled): it must hold exactly the files of fetcher/pg_extfarm, and the recipe's pin
 * must be its sha-256. Fails when the module changed and the archive was not regenerated.
 */
class PgExtfarmRecipeTest {

    static final Path MODULE = Path.of("pg_extfarm");
    static final Path RECIPE = Path.of("..", "recipes", "pg_extfarm");
    static final String FIX = "; run fetcher/pg_extfarm/make-recipe-source.sh and commit the archive and recipe.yaml";

    @Test
    void theRecipesSourceArchiveIsTheModuleAsItIsAndThePinMatches() throws Exception {
        String yaml = Files.readString(RECIPE.resolve("recipe.yaml"));
        String version = yaml.replaceAll("(?s).*\nversion: *(\\S+).*", "$1");
        Path archive = RECIPE.resolve("source/pg_extfarm-" + version + ".tar.gz");
        assertThat(archive).exists();

        Map<String, byte[]> entries = new TreeMap<>();
        try (InputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(Files.newInputStream(archive)))) {
            TarArchiveInputStream tar = (TarArchiveInputStream) in;
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (e.isFile()) {
                    entries.put(e.getName(), tar.readAllBytes());
                }
            }
        }
        for (String f : new String[] {"LICENSE", "Makefile", "README.md", "pg_extfarm--1.0.sql", "pg_extfarm.c", "pg_extfarm.control"}) {
            String entry = "pg_extfarm-" + version + "/" + f;
            assertThat(entries).as(entry + " is in the archive" + FIX).containsKey(entry);
            assertThat(entries.get(entry)).as(entry + " equals fetcher/pg_extfarm/" + f + FIX).isEqualTo(Files.readAllBytes(MODULE.resolve(f)));
        }
        assertThat(entries).as("nothing else in the archive" + FIX).hasSize(6);
        assertThat(yaml).as("the recipe pins the archive's sha-256" + FIX).contains("sha256: " + Digests.sha256(archive));
    }
}
