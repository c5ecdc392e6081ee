package dev.extfarm.bundle;

import java.util.Map;

/**
 * A bundle that passed every rule.
 *
 * @param sha256       sha-256 of the tar bytes, as read
 * @param size         bytes read
 * @param manifest     the validated manifest, matching the files
 * @param controlFiles control name → bytes of {@code share/extension/<name>.control}
 */
public record VerifiedBundle(String sha256, long size, BundleManifest manifest, Map<String, byte[]> controlFiles) {

    public BundleAddress address() {
        return new BundleAddress(manifest.name(), sha256);
    }
}
