package dev.extfarm.bundle.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.Platform;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The OCI image of a bundle, defined by the bundle alone, so that the worker (which pushes it with
 * Jib Core) and the registry (which backfills images of older bundles) produce the same bytes and
 * the same digest.
 *
 * <ul>
 *   <li>one layer, {@value #LAYER_MEDIA_TYPE} (uncompressed), whose bytes <em>are</em> the bundle
 *       tarball: its digest is {@code sha256:<bundle sha-256>}, and the registry stores it once;</li>
 *   <li>a config ({@value #CONFIG_MEDIA_TYPE}) with os/architecture from the bundle's platform,
 *       {@code rootfs.diff_ids = [layer digest]}, labels from {@code manifest.json} (standard
 *       {@code org.opencontainers.image.*} keys plus {@code dev.extfarm.*}) and, as its only time,
 *       the build's SOURCE_DATE_EPOCH (else the Unix epoch);</li>
 *   <li>an image manifest ({@value #MANIFEST_MEDIA_TYPE}) carrying the standard keys as
 *       annotations.</li>
 * </ul>
 *
 * Both JSON documents are compact, with a fixed member order and sorted label/annotation keys.
 * Tags: {@code <version>-pg<major>-<distro>-<arch>} (this image) and {@code <version>-pg<major>}
 * (moving; the registry points it at an index of the newest approved image per platform).
 */
public final class BundleImage {

    public static final String MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
    public static final String INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json";
    public static final String CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
    public static final String LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar";
    /** Repositories are {@code extensions/<bundle name>}. */
    public static final String REPOSITORY_PREFIX = "extensions/";
    /** Label holding the bundle's sha-256 (= the layer's digest hex). */
    public static final String LABEL_BUNDLE_SHA256 = "dev.extfarm.bundle.sha256";

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BundleManifest manifest;
    private final String bundleSha256;
    private final long bundleSize;
    private final Map<String, String> labels;
    private final byte[] config;
    private final byte[] imageManifest;

    private BundleImage(BundleManifest manifest, String bundleSha256, long bundleSize) {
        this.manifest = manifest;
        this.bundleSha256 = bundleSha256;
        this.bundleSize = bundleSize;
        this.labels = labels(manifest, bundleSha256);
        this.config = buildConfig();
        this.imageManifest = buildManifest();
    }

    /**
     * The image of the bundle whose tar bytes have {@code bundleSha256} and {@code bundleSize} and
     * whose {@code manifest.json} is {@code manifest}.
     */
    public static BundleImage of(BundleManifest manifest, String bundleSha256, long bundleSize) {
        BundleAddress.requireValidName(manifest.name());
        BundleAddress.requireValidSha256(bundleSha256);
        if (bundleSize <= 0) {
            throw new IllegalArgumentException("bundle size must be positive, was " + bundleSize);
        }
        return new BundleImage(manifest, bundleSha256, bundleSize);
    }

    public BundleManifest bundleManifest() {
        return manifest;
    }

    /** {@code extensions/<name>} */
    public String repository() {
        return REPOSITORY_PREFIX + manifest.name();
    }

    /** {@code <version>-pg<major>-<distro>-<arch>}, or empty if that is no valid tag (over 128 characters). */
    public Optional<String> platformTag() {
        return platformTag(manifest.version(), manifest.pgMajor(), manifest.platform());
    }

    /** {@code <version>-pg<major>-<distro>-<arch>} of a bundle of that version, major and platform, if it is a valid tag. */
    public static Optional<String> platformTag(String version, int pgMajor, Platform platform) {
        String tag = movingTag(version, pgMajor) + "-" + platform.distro() + "-" + platform.arch();
        return TAG.matcher(tag).matches() ? Optional.of(tag) : Optional.empty();
    }

    /** {@code <version>-pg<major>}: the moving tag (an index of the newest image per platform). */
    public String movingTag() {
        return movingTag(manifest.version(), manifest.pgMajor());
    }

    public static String movingTag(String version, int pgMajor) {
        return tagSafe(version) + "-pg" + pgMajor;
    }

    /** Versions may hold {@code +} and {@code ~}, tags may not: both become {@code _}. */
    static String tagSafe(String version) {
        return version.replace('+', '_').replace('~', '_');
    }

    public String layerDigest() {
        return "sha256:" + bundleSha256;
    }

    public long layerSize() {
        return bundleSize;
    }

    public byte[] config() {
        return config.clone();
    }

    public String configDigest() {
        return "sha256:" + Digests.sha256(config);
    }

    public byte[] manifest() {
        return imageManifest.clone();
    }

    public String manifestDigest() {
        return "sha256:" + Digests.sha256(imageManifest);
    }

    public Map<String, String> labels() {
        return labels;
    }

    /** The OCI {@code architecture} of the bundle's Debian architecture. */
    public String architecture() {
        Arch a = Arch.of(manifest.platform().arch());
        return a == null ? manifest.platform().arch() : a.oci();
    }

    /** The OCI {@code variant}, if the architecture has one (arm). */
    public Optional<String> variant() {
        Arch a = Arch.of(manifest.platform().arch());
        return Optional.ofNullable(a == null ? null : a.variant());
    }

    public String os() {
        return manifest.platform().os();
    }

    private String created() {
        Long epoch = manifest.build() == null ? null : manifest.build().sourceDateEpoch();
        return Instant.ofEpochSecond(epoch == null ? 0 : epoch).toString();
    }

    private static Map<String, String> labels(BundleManifest m, String sha256) {
        TreeMap<String, String> l = new TreeMap<>();
        l.put("org.opencontainers.image.title", m.name());
        l.put("org.opencontainers.image.version", m.version());
        l.put("org.opencontainers.image.licenses", m.license());
        l.put("org.opencontainers.image.description", "PostgreSQL extension bundle " + m.name() + " " + m.version()
                + " for PostgreSQL " + m.pgMajor() + " on " + m.platform().id());
        l.put("org.opencontainers.image.vendor", "extfarm");
        if (m.build() != null && m.build().sourceDateEpoch() != null) {
            l.put("org.opencontainers.image.created", Instant.ofEpochSecond(m.build().sourceDateEpoch()).toString());
        }
        if (m.build() != null) {
            // source: where the upstream source is (from the recipe); revision: which source exactly, the pinned
            // archive's digest (the recipe revision is dev.extfarm.build.recipe-revision)
            putIfPresent(l, "org.opencontainers.image.source", m.build().sourceUrl());
            if (m.build().sourceSha256() != null && !m.build().sourceSha256().isEmpty()) {
                l.put("org.opencontainers.image.revision", "sha256:" + m.build().sourceSha256());
            }
        }
        l.put("dev.extfarm.bundle.name", m.name());
        l.put("dev.extfarm.bundle.version", m.version());
        l.put("dev.extfarm.bundle.pg-major", Integer.toString(m.pgMajor()));
        l.put("dev.extfarm.bundle.platform", m.platform().id());
        l.put(LABEL_BUNDLE_SHA256, sha256);
        l.put("dev.extfarm.bundle.address", new BundleAddress(m.name(), sha256).path());
        l.put("dev.extfarm.bundle.extensions", String.join(",", m.extensions()));
        if (!m.libraries().isEmpty()) {
            l.put("dev.extfarm.bundle.libraries", String.join(",", m.libraries()));
        }
        if (!m.requires().isEmpty()) {
            l.put("dev.extfarm.bundle.requires", String.join(",", m.requires()));
        }
        l.put("dev.extfarm.bundle.shared-preload", Boolean.toString(m.sharedPreload()));
        if (m.defaultVersion() != null) {
            l.put("dev.extfarm.bundle.default-version", m.defaultVersion());
        }
        if (m.build() != null) {
            putIfPresent(l, "dev.extfarm.build.recipe-revision", m.build().recipeRevision());
            putIfPresent(l, "dev.extfarm.build.source-sha256", m.build().sourceSha256());
            putIfPresent(l, "dev.extfarm.build.builder-image", m.build().builderImage());
            if (m.build().sourceDateEpoch() != null) {
                l.put("dev.extfarm.build.source-date-epoch", m.build().sourceDateEpoch().toString());
            }
        }
        return Collections.unmodifiableMap(l);
    }

    private static void putIfPresent(Map<String, String> m, String key, String value) {
        if (value != null && !value.isEmpty()) {
            m.put(key, value);
        }
    }

    private byte[] buildConfig() {
        ObjectNode c = JSON.createObjectNode();
        c.put("created", created());
        c.put("architecture", architecture());
        variant().ifPresent(v -> c.put("variant", v));
        c.put("os", os());
        ObjectNode labelsNode = c.putObject("config").putObject("Labels");
        labels.forEach(labelsNode::put);
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids").add(layerDigest());
        c.putArray("history").addObject().put("created", created())
                .put("created_by", "extfarm: the bundle " + new BundleAddress(manifest.name(), bundleSha256).path());
        return bytes(c);
    }

    private byte[] buildManifest() {
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MANIFEST_MEDIA_TYPE);
        m.putObject("config").put("mediaType", CONFIG_MEDIA_TYPE).put("digest", configDigest()).put("size", config.length);
        m.putArray("layers").addObject().put("mediaType", LAYER_MEDIA_TYPE).put("digest", layerDigest()).put("size", bundleSize);
        ObjectNode annotations = m.putObject("annotations");
        labels.forEach((k, v) -> {
            if (k.startsWith("org.opencontainers.image.") || k.equals(LABEL_BUNDLE_SHA256)) {
                annotations.put(k, v);
            }
        });
        return bytes(m);
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("image JSON cannot be written", e);
        }
    }

    /** Debian architecture names → OCI (GOARCH) names and variants. */
    private enum Arch {
        AMD64("amd64", "amd64", null), ARM64("arm64", "arm64", "v8"), ARMHF("armhf", "arm", "v7"),
        ARMEL("armel", "arm", "v5"), I386("i386", "386", null), PPC64EL("ppc64el", "ppc64le", null),
        S390X("s390x", "s390x", null), RISCV64("riscv64", "riscv64", null), MIPS64EL("mips64el", "mips64le", null),
        LOONG64("loong64", "loong64", null);

        private final String debian;
        private final String oci;
        private final String variant;

        Arch(String debian, String oci, String variant) {
            this.debian = debian;
            this.oci = oci;
            this.variant = variant;
        }

        String oci() {
            return oci;
        }

        String variant() {
            return variant;
        }

        /** Null for an architecture without a mapping (its Debian name is used as is). */
        static Arch of(String debian) {
            for (Arch a : values()) {
                if (a.debian.equals(debian)) {
                    return a;
                }
            }
            return null;
        }
    }
}
