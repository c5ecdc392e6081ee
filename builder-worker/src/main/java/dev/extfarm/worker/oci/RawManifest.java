package dev.extfarm.worker.oci;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.util.RawValue;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import java.nio.charset.StandardCharsets;

/**
 * A manifest whose bytes are fixed in advance, for Jib's {@code RegistryClient.pushManifest}: Jib
 * serialises templates with Jackson, and this one serialises to exactly its bytes, so the digest
 * the registry computes is the one {@link dev.extfarm.bundle.oci.BundleImage} computed.
 */
final class RawManifest implements ManifestTemplate {

    private final String json;
    private final String mediaType;

    RawManifest(byte[] bytes, String mediaType) {
        this.json = new String(bytes, StandardCharsets.UTF_8);
        this.mediaType = mediaType;
    }

    @JsonValue
    RawValue json() {
        return new RawValue(json);
    }

    @Override
    public int getSchemaVersion() {
        return 2;
    }

    @Override
    public String getManifestMediaType() {
        return mediaType;
    }
}
