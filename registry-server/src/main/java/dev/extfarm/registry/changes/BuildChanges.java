package dev.extfarm.registry.changes;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * What changed between a build's bundle and the previous published bundle of the same extension,
 * PG major and platform, as the API shows it ({@code GET /api/v1/builds/{id}/changes}). For the
 * first bundle of a target {@code previous} is null, {@code first_build} true and {@code diff} null.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record BuildChanges(long buildId, Bundle bundle, Bundle previous, boolean firstBuild, Diff diff) {

    /** One side: the bundle, and the build that published it (null for a bundle uploaded outside the queue). */
    public record Bundle(String sha256, String version, long size, Instant publishedAt, Long buildId) {
    }

    /**
     * The difference itself, computed once per pair of bundles and kept.
     *
     * @param sizeDelta      bytes of bundle.tar, this bundle minus the previous one
     * @param filesSizeDelta bytes of the files the manifest lists, this bundle minus the previous one
     */
    public record Diff(long sizeDelta, long filesSizeDelta, Files files, Libraries libraries, SystemLibraries systemLibraries) {
    }

    public record Files(List<FileSide> added, List<FileSide> removed, List<FileChange> changed, int unchanged) {
    }

    /** A file as the manifest lists it; a symbolic link has {@code link} (and no sha-256). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FileSide(String path, Long size, String sha256, String mode, String link) {
    }

    public record FileChange(String path, FileSide before, FileSide after) {
    }

    /** Shared libraries copied into lib/, by soname, with the Debian package they came from (from the SBOM). */
    public record Libraries(List<Library> added, List<Library> removed, List<LibraryChange> changed) {
    }

    /** {@code debian_package} and {@code debian_version} are null when the bundle's SBOM does not name them. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Library(String soname, String debianPackage, String debianVersion) {
    }

    public record LibraryChange(String soname, Library before, Library after) {
    }

    /** Sonames the runtime must provide (DT_NEEDED outside the bundle): new ones are new requirements of the node. */
    public record SystemLibraries(List<String> added, List<String> removed) {
    }
}
