package dev.extfarm.registry.compute;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** The document a compute node's fetcher reads (format in DESIGN.md; snake_case JSON). */
@JsonPropertyOrder({"meta_format", "tenant", "pg_major", "platform", "generated_at", "expires_at", "extensions"})
public record ComputeSpec(int metaFormat, String tenant, int pgMajor, String platform, String generatedAt,
                          String expiresAt, List<Entry> extensions) {

    @JsonPropertyOrder({"extension_name", "version", "sha256", "size", "link", "control_link", "signature_link", "extensions",
            "libraries", "requires", "shared_preload", "preload", "system_libraries"})
    public record Entry(String extensionName, String version, String sha256, long size, String link, String controlLink,
                        String signatureLink, List<String> extensions, List<String> libraries, List<String> requires, boolean sharedPreload,
                        boolean preload, List<String> systemLibraries) {
    }
}
