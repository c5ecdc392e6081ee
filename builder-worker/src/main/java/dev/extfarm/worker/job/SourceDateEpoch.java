package dev.extfarm.worker.job;

import dev.extfarm.bundle.FileTrees;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.source.SourceException;
import dev.extfarm.recipe.source.SourceUnpacker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * SOURCE_DATE_EPOCH of a build: the recipe's, else the newest modification time of any entry
 * in the (sha-256 pinned) source archive of {@code recipe}, which is the recipe as built for one major
 * ({@link Recipe#forMajor(int)}) — the same on every machine (docs/recipes.md).
 */
public final class SourceDateEpoch {

    private SourceDateEpoch() {
    }

    public static long of(Recipe recipe, Path archive) throws IOException, SourceException {
        if (recipe.sourceDateEpoch().isPresent()) {
            return recipe.sourceDateEpoch().getAsLong();
        }
        Path tmp = Files.createTempDirectory("extfarm-sde");
        try {
            return new SourceUnpacker().unpack(archive, tmp.resolve("src"), recipe.source().subdir()).newestEntryEpochSecond();
        } finally {
            FileTrees.deleteRecursively(tmp);
        }
    }
}
