package dev.extfarm.registry.compute;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** The document a compute node's fetcher reads (format in DESIGN.md; snake_case JSON). */
@JsonPropertyOrder({"meta_format", "tenant", "pg_major", "platform", "generated_at", "expires_at", "extensions"})
public record ComputeSpec(int metaFormat, String tenant, int pgMajor, String platform, String generatedAt,
                          String expiresAt, List<Entry> extensions) {

    /** {@code control}: the text of the file at {@code control_link}, inline (absent when the registry cannot read it). */
    @JsonPropertyOrder({"extension_name", "version", "sha256", "size", "link", "control_link", "control", "signature_link", "extensions",
            "libraries", "requires", "shared_preload", "preload", "system_libraries"})
    public record Entry(String extensionName, String version, String sha256, long size, String link, String controlLink,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String control, String signatureLink, List<String> extensions, List<String> libraries, List<String> requires, boolean sharedPreload,
                        boolean preload, List<String> systemLibraries) {
    }
}
