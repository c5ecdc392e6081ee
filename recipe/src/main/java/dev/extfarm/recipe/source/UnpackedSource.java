package dev.extfarm.recipe.source;

import java.nio.file.Path;

/**
 * An extracted source archive.
 *
 * @param root the directory the archive was extracted into
 * @param buildDir where to build: {@code root/<subdir>}, or the archive's single top-level
 *     directory, or {@code root} when the archive has several top-level entries
 * @param newestEntryEpochSecond the newest modification time of any entry in the archive, in
 *     seconds since the epoch: the default {@code SOURCE_DATE_EPOCH} of a recipe that sets none
 *     (deterministic: the archive's bytes are pinned by sha-256)
 */
public record UnpackedSource(Path root, Path buildDir, long newestEntryEpochSecond) {
}
