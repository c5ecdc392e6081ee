package dev.extfarm.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * The catalog's documents (docs/api.md): what {@code GET /api/v1/extensions} (a page of
 * {@link ExtensionSummary}) and {@code GET /api/v1/extensions/{name}} ({@link ExtensionDetail})
 * answer. The registry writes them, the cli reads them. Fields are in the order the registry
 * writes them; a null field is written as {@code null} (except inside {@link LastBuild}, which
 * leaves out what it does not know).
 */
public final class Catalog {

    private Catalog() {
    }

    /** One page of the search. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"items", "page", "size", "total"})
    public record ExtensionPage(List<ExtensionSummary> items, int page, int size, long total) {

        public ExtensionPage {
            items = items == null ? List.of() : items;
        }
    }

    /**
     * @param latestVersion        the newest version on any major (null when the filter leaves none)
     * @param latestVersionByMajor the newest version on each major (they differ when the recipe has
     *                             per-major variants: pgaudit 1.7.1 on 15, 17.1 on 17); JSON object keys
     *                             are the majors, descending
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"name", "description", "visibility", "latest_version", "pg_majors", "platforms", "licenses",
            "latest_version_by_major"})
    public record ExtensionSummary(String name, String description, String visibility, String latestVersion,
                                   List<Integer> pgMajors, List<String> platforms, List<String> licenses,
                                   Map<Integer, String> latestVersionByMajor) {

        public ExtensionSummary {
            pgMajors = pgMajors == null ? List.of() : pgMajors;
            platforms = platforms == null ? List.of() : platforms;
            licenses = licenses == null ? List.of() : licenses;
            latestVersionByMajor = latestVersionByMajor == null ? Map.of() : latestVersionByMajor;
        }
    }

    /** One extension: its versions, newest first, each with its bundles. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"name", "description", "visibility", "versions"})
    public record ExtensionDetail(String name, String description, String visibility, List<VersionEntry> versions) {

        public ExtensionDetail {
            versions = versions == null ? List.of() : versions;
        }

        public boolean privateExtension() {
            return "private".equals(visibility);
        }
    }

    /** One version of an extension: its bundles, by PG major (descending), platform, newest upload first. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"version", "bundles"})
    public record VersionEntry(String version, List<BundleEntry> bundles) {

        public VersionEntry {
            bundles = bundles == null ? List.of() : bundles;
        }
    }

    /**
     * One bundle of the catalog.
     *
     * @param reviewState {@code approved}, {@code pending-review} or {@code rejected} (only admins see the
     *                    last two)
     * @param lastBuild   the newest build for this extension, major and platform, whatever its version;
     *                    null when there is none
     * @param floors      null for bundles built before floors were recorded
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"address", "sha256", "size", "pg_major", "platform", "version", "default_version", "extensions",
            "requires", "libraries", "system_libraries", "bundled_libraries", "shared_preload", "preload", "license",
            "review_state", "uploaded_at", "last_build", "floors"})
    public record BundleEntry(String address, String sha256, long size, int pgMajor, String platform, String version,
                              String defaultVersion, List<String> extensions, List<String> requires, List<String> libraries,
                              List<String> systemLibraries, List<String> bundledLibraries, boolean sharedPreload,
                              boolean preload, String license, String reviewState, OffsetDateTime uploadedAt,
                              LastBuild lastBuild, Floors floors) {

        public BundleEntry {
            extensions = extensions == null ? List.of() : extensions;
            requires = requires == null ? List.of() : requires;
            libraries = libraries == null ? List.of() : libraries;
            systemLibraries = systemLibraries == null ? List.of() : systemLibraries;
            bundledLibraries = bundledLibraries == null ? List.of() : bundledLibraries;
        }

        /** Approved, or written by a registry older than review (no {@code review_state}). */
        public boolean approved() {
            return reviewState == null || "approved".equals(reviewState);
        }
    }

    /**
     * A bundle's compatibility floors: the PostgreSQL version it was built against, the newest glibc
     * symbol version it needs (null when none), how many symbols it imports from {@code postgres}.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"built_against", "glibc", "server_symbol_count"})
    public record Floors(String builtAgainst, String glibc, int serverSymbolCount) {
    }

    /** The catalog's {@code last_build}: absent fields are unknown (a build still running has no {@code finished_at}). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"id", "status", "version", "recipe_revision", "finished_at", "cause", "url", "regress"})
    public record LastBuild(long id, String status, String version, String recipeRevision, Instant finishedAt, String cause,
                            String url, Regress regress) {
    }

    /** Upstream's regression suite: counts, and each known failure with the recipe's reason (absent when none). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"run", "passed", "failed", "known_failures"})
    public record Regress(int run, int passed, int failed, Map<String, String> knownFailures) {
    }
}
