package dev.extfarm.registry.compute;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/** The document a compute node's fetcher reads (format in DESIGN.md; snake_case JSON). */
@JsonPropertyOrder({"meta_format", "tenant", "pg_major", "platform", "generated_at", "expires_at", "extensions"})
public record ComputeSpec(int metaFormat, String tenant, int pgMajor, String platform, String generatedAt,
                          String expiresAt, List<Entry> extensions) {

    /**
     * {@code control}: the text of the file at {@code control_link}, inline (absent when the registry cannot read it).
     * {@code other_controls}: the texts of the other control files a multi-extension bundle carries (postgis and
     * postgis_tiger_geocoder), by control name, so phase 1 lists them all without a request (a private bundle's signed
     * links cover one path each); absent for a bundle of one extension.
     * {@code updates}: the update scripts the bundle carries, per extension ({@code "<from>--<to>"}).
     * {@code versions}: newer approved versions of the same bundle the tenant may use, newest first, each an entry of
     * this shape without {@code control} and {@code versions} (absent when there are none: the entry is the newest).
     */
    @JsonPropertyOrder({"extension_name", "version", "sha256", "size", "link", "control_link", "control", "other_controls", "signature_link", "extensions",
            "libraries", "requires", "shared_preload", "preload", "system_libraries", "updates", "versions"})
    public record Entry(String extensionName, String version, String sha256, long size, String link, String controlLink,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String control,
                        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> otherControls, String signatureLink, List<String> extensions, List<String> libraries, List<String> requires, boolean sharedPreload,
                        boolean preload, List<String> systemLibraries, Map<String, List<String>> updates,
                        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Entry> versions) {
    }
}
