package dev.extfarm.registry.gc;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key layouts the registry writes, and which rows refer to each (see BlobKey, Uploads,
 * BlobIndex, BuildLogs):
 * <pre>
 * extensions/&lt;name&gt;/sha-256+&lt;hex&gt;/bundle.tar       bundle (sha256, extension_name)
 * extensions/&lt;name&gt;/sha-256+&lt;hex&gt;/&lt;ext&gt;.control    the same bundle, &lt;ext&gt; in its extensions
 * oci/blobs/&lt;algorithm&gt;/&lt;hex&gt;                    oci_blob.blob_key (or oci_blob_garbage)
 * oci/uploads/&lt;session uuid&gt;/&lt;seq&gt;               oci_upload.id, while the session is open
 * build-logs/&lt;build id&gt;/sha-256+&lt;hex&gt;/log.txt      build.log_blob
 * </pre>
 */
record KeyLayout(Kind kind, Matcher match) {

    enum Kind { BUNDLE, CONTROL, OCI_BLOB, OCI_CHUNK, BUILD_LOG }

    private static final Pattern BUNDLE = Pattern.compile("extensions/([a-z0-9][a-z0-9_-]{0,62})/sha-256\\+([0-9a-f]{64})/bundle\\.tar");
    private static final Pattern CONTROL = Pattern.compile("extensions/([a-z0-9][a-z0-9_-]{0,62})/sha-256\\+([0-9a-f]{64})/([^/]+)\\.control");
    private static final Pattern OCI_BLOB = Pattern.compile("oci/blobs/(sha256|sha512)/([0-9a-f]{64}|[0-9a-f]{128})");
    private static final Pattern OCI_CHUNK = Pattern.compile("oci/uploads/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/[0-9]+");
    private static final Pattern BUILD_LOG = Pattern.compile("build-logs/([0-9]{1,18})/[^/]+/[^/]+");

    static Optional<KeyLayout> of(String key) {
        for (Kind kind : Kind.values()) {
            Matcher m = pattern(kind).matcher(key);
            if (m.matches()) {
                return Optional.of(new KeyLayout(kind, m));
            }
        }
        return Optional.empty();
    }

    private static Pattern pattern(Kind kind) {
        return switch (kind) {
            case BUNDLE -> BUNDLE;
            case CONTROL -> CONTROL;
            case OCI_BLOB -> OCI_BLOB;
            case OCI_CHUNK -> OCI_CHUNK;
            case BUILD_LOG -> BUILD_LOG;
        };
    }

    String group(int i) {
        return match.group(i);
    }
}
