package dev.extfarm.registry.blob;

import dev.extfarm.bundle.BundleAddress;
import java.util.regex.Pattern;

/**
 * A blob's name, the same on every store: {@code /}-separated segments of {@code [A-Za-z0-9._+-]},
 * no empty, {@code .} or {@code ..} segment, and not under {@code _uploads/} (the stores' own
 * temporaries). Layout:
 * <pre>
 * extensions/&lt;name&gt;/sha-256+&lt;hex&gt;/bundle.tar        the bundle
 * extensions/&lt;name&gt;/sha-256+&lt;hex&gt;/&lt;ext&gt;.control     each control file it carries
 * extensions/&lt;name&gt;/sha-256+&lt;hex&gt;/bundle.tar.sig    the farm's signature (JWS; replaced on key rotation)
 * _uploads/...                                   writes in progress (never served)
 * </pre>
 */
public record BlobKey(String path) {

    static final String UPLOADS = "_uploads";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9+_-][A-Za-z0-9._+-]{0,254}");

    public BlobKey {
        if (path == null || path.length() > 1024) {
            throw new IllegalArgumentException("blob key must be 1..1024 characters");
        }
        String[] parts = path.split("/", -1);
        for (String part : parts) {
            if (!SEGMENT.matcher(part).matches() || part.equals("..")) {
                throw new IllegalArgumentException("blob key '" + path + "' has an invalid segment '" + part + "'");
            }
        }
        if (parts[0].equals(UPLOADS)) {
            throw new IllegalArgumentException("blob keys under " + UPLOADS + "/ are reserved for temporaries");
        }
    }

    public static BlobKey of(String path) {
        return new BlobKey(path);
    }

    public static BlobKey bundle(BundleAddress address) {
        return new BlobKey(address.path());
    }

    public static BlobKey control(BundleAddress address, String extension) {
        return new BlobKey(address.sibling(extension + ".control"));
    }

    public static BlobKey signature(BundleAddress address) {
        return new BlobKey(address.sibling(BundleAddress.FILE_NAME + ".sig"));
    }

    @Override
    public String toString() {
        return path;
    }
}
