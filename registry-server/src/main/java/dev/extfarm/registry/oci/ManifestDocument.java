package dev.extfarm.registry.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A pushed manifest, parsed just enough to check it: its kind, the blobs (config, layers) or
 * manifests (index entries) it references, its {@code subject} and artifact type. Unknown fields
 * are kept (the bytes are stored as sent); malformed structure is {@code MANIFEST_INVALID}.
 */
record ManifestDocument(String mediaType, boolean isIndex, List<Descriptor> blobs, List<Descriptor> manifests,
                        Descriptor subject, String artifactType, ObjectNode annotations) {

    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final Set<String> IMAGE_TYPES = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);
    static final Set<String> INDEX_TYPES = Set.of(OCI_INDEX, DOCKER_LIST);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A content descriptor; {@code distributable} is false for foreign layers the registry need not hold. */
    record Descriptor(String mediaType, Digest digest, long size, boolean distributable) {
    }

    static ManifestDocument parse(String contentType, byte[] bytes) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw invalid("the manifest is not JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw invalid("the manifest must be a JSON object");
        }
        String declared = text(root, "mediaType");
        String type = mediaType(contentType);
        if (type == null || type.isEmpty() || type.equals("application/octet-stream") || type.equals("application/json")) {
            type = declared;
        }
        if (type == null) {
            throw invalid("say what the manifest is: send Content-Type " + OCI_MANIFEST + " (or an index, or a Docker v2 type)");
        }
        if (!IMAGE_TYPES.contains(type) && !INDEX_TYPES.contains(type)) {
            throw new OciException(OciError.UNSUPPORTED_MEDIA_TYPE, "manifests of type '" + type + "' are not stored here; "
                    + "push an OCI image manifest or index (or Docker schema 2)").detail("mediaType", type);
        }
        if (declared != null && !declared.equals(type)) {
            throw invalid("the manifest says mediaType " + declared + " but was sent as " + type);
        }
        if (!root.path("schemaVersion").isInt() || root.path("schemaVersion").asInt() != 2) {
            throw invalid("schemaVersion must be 2");
        }
        boolean index = INDEX_TYPES.contains(type);
        List<Descriptor> blobs = new ArrayList<>();
        List<Descriptor> manifests = new ArrayList<>();
        String artifactType = text(root, "artifactType");
        if (index) {
            JsonNode list = root.get("manifests");
            if (list == null || !list.isArray()) {
                throw invalid("an index needs a \"manifests\" array");
            }
            for (JsonNode m : list) {
                manifests.add(descriptor(m, "manifests[]"));
            }
        } else {
            Descriptor config = descriptor(root.get("config"), "config");
            blobs.add(config);
            JsonNode layers = root.get("layers");
            if (layers != null && !layers.isNull()) {
                if (!layers.isArray()) {
                    throw invalid("\"layers\" must be an array");
                }
                for (JsonNode l : layers) {
                    blobs.add(descriptor(l, "layers[]"));
                }
            } else if (type.equals(DOCKER_MANIFEST)) {
                throw invalid("a Docker v2 manifest needs a \"layers\" array");
            }
            if (artifactType == null) {
                artifactType = config.mediaType();
            }
        }
        JsonNode subjectNode = root.get("subject");
        Descriptor subject = subjectNode == null || subjectNode.isNull() ? null : descriptor(subjectNode, "subject");
        JsonNode ann = root.get("annotations");
        if (ann != null && !ann.isNull() && !ann.isObject()) {
            throw invalid("\"annotations\" must be an object of strings");
        }
        return new ManifestDocument(type, index, blobs, manifests, subject, artifactType,
                ann == null || ann.isNull() ? null : (ObjectNode) ann);
    }

    private static Descriptor descriptor(JsonNode d, String where) {
        if (d == null || !d.isObject()) {
            throw invalid(where + " must be a descriptor {mediaType, digest, size}");
        }
        String mediaType = text(d, "mediaType");
        if (mediaType == null || mediaType.isBlank()) {
            throw invalid(where + " has no mediaType");
        }
        JsonNode size = d.get("size");
        if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
            throw invalid(where + " needs a size >= 0");
        }
        Digest digest;
        try {
            digest = Digest.parse(text(d, "digest"));
        } catch (OciException e) {
            throw invalid(where + " has an invalid digest '" + text(d, "digest") + "'");
        }
        boolean foreign = mediaType.contains("nondistributable") || mediaType.contains(".foreign.") || d.has("urls");
        return new Descriptor(mediaType, digest, size.asLong(), !foreign);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isTextual() ? null : v.asText();
    }

    /** The media type of a Content-Type header (parameters dropped). */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    static OciException invalid(String message) {
        return new OciException(OciError.MANIFEST_INVALID, message + "; nothing was stored");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
