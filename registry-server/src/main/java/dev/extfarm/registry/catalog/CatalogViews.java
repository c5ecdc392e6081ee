package dev.extfarm.registry.catalog;

import java.time.OffsetDateTime;
import java.util.List;

/** What the catalog API returns (JSON in snake_case). */
public final class CatalogViews {

    private CatalogViews() {
    }

    public record Page<T>(List<T> items, int page, int size, long total) {
    }

    public record ExtensionSummary(String name, String description, String visibility, String latestVersion,
                                   List<Integer> pgMajors, List<String> platforms, List<String> licenses) {
    }

    public record ExtensionDetail(String name, String description, String visibility, List<VersionView> versions) {
    }

    public record VersionView(String version, List<BundleView> bundles) {
    }

    public record BundleView(String address, String sha256, long size, int pgMajor, String platform,
                             String version, String defaultVersion, List<String> extensions, List<String> requires,
                             List<String> libraries, List<String> systemLibraries, List<String> bundledLibraries,
                             boolean sharedPreload, boolean preload, String license, ReviewState reviewState,
                             OffsetDateTime uploadedAt, Object lastBuild) {
    }
}
