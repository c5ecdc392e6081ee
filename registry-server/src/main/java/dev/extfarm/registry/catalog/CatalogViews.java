package dev.extfarm.registry.catalog;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/** What the catalog API returns (JSON in snake_case). */
public final class CatalogViews {

    private CatalogViews() {
    }

    public record Page<T>(List<T> items, int page, int size, long total) {
    }

    /**
     * @param latestVersionByMajor the newest version on each major (they differ when the recipe has
     *     per-major variants: pgaudit 1.7.1 on 15, 17.1 on 17); JSON object keys are the majors
     */
    public record ExtensionSummary(String name, String description, String visibility, String latestVersion,
                                   List<Integer> pgMajors, List<String> platforms, List<String> licenses,
                                   Map<Integer, String> latestVersionByMajor) {
    }

    public record ExtensionDetail(String name, String description, String visibility, List<VersionView> versions) {
    }

    public record VersionView(String version, List<BundleView> bundles) {
    }

    public record BundleView(String address, String sha256, long size, int pgMajor, String platform,
                             String version, String defaultVersion, List<String> extensions, List<String> requires,
                             List<String> libraries, List<String> systemLibraries, List<String> bundledLibraries,
                             boolean sharedPreload, boolean preload, String license, ReviewState reviewState,
                             OffsetDateTime uploadedAt, Object lastBuild, Floors floors) {
    }
}
