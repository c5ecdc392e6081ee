package dev.extfarm.cli.cnpg;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.Platform;
import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.cli.api.ApiClient;
import dev.extfarm.protocol.Catalog;
import dev.extfarm.protocol.Wire;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the registry knows about the bundles and images of the extensions a cluster asks for: the
 * catalog ({@code /api/v1/extensions/<name>}) for bundles, and the registry's own OCI API
 * ({@code /v2}) for the digest of each bundle's image, checked against the bundle (its one layer
 * is the bundle, {@code sha256:<bundle sha-256>}).
 */
final class ExtensionImages {

    /** One approved bundle of the catalog, as far as an image volume needs it. */
    record Bundle(String name, String version, int pgMajor, String platform, String sha256, List<String> extensions,
                  List<String> requires, List<String> libraries, boolean sharedPreload, List<String> bundledLibraries,
                  boolean privateExtension) {

        static Bundle of(Catalog.ExtensionDetail ext, String version, Catalog.BundleEntry b) {
            return new Bundle(ext.name(), version, b.pgMajor(), b.platform(), b.sha256(), b.extensions(), b.requires(),
                    b.libraries(), b.sharedPreload(), b.bundledLibraries(), ext.privateExtension());
        }
    }

    /** A catalog request failed for a reason the user can act on (exit 1). */
    static final class LookupException extends IOException {
        LookupException(String message) {
            super(message);
        }
    }

    /** Reads the catalog's documents (unknown fields ignored: a newer registry may add some). */
    private static final com.fasterxml.jackson.databind.ObjectMapper CATALOG = Wire.mapper();

    private final ApiClient api;

    ExtensionImages(ApiClient api) {
        this.api = api;
    }

    /** The extension's catalog entry, or empty if the catalog has no such extension (for this caller). */
    Optional<Catalog.ExtensionDetail> extension(String name) throws IOException, InterruptedException {
        try {
            JsonNode ext = api.get("/api/v1/extensions/" + URLEncoder.encode(name, StandardCharsets.UTF_8));
            return Optional.of(CATALOG.treeToValue(ext, Catalog.ExtensionDetail.class));
        } catch (ApiClient.ApiException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The approved bundles of {@code ext} for this major (and version, if not null), newest version
     * first as the catalog lists them, on any platform.
     */
    static List<Bundle> approved(Catalog.ExtensionDetail ext, int pgMajor, String version) {
        List<Bundle> out = new ArrayList<>();
        for (Catalog.VersionEntry v : ext.versions()) {
            if (version != null && !version.equals(v.version())) {
                continue;
            }
            List<Catalog.BundleEntry> bundles = new ArrayList<>(v.bundles());
            // the newest upload first within a version (a rebuild with other bytes)
            bundles.sort(Comparator.comparing(Catalog.BundleEntry::uploadedAt, Comparator.nullsLast(Comparator.reverseOrder())));
            for (Catalog.BundleEntry b : bundles) {
                if (b.pgMajor() == pgMajor && b.approved()) {
                    out.add(Bundle.of(ext, v.version(), b));
                }
            }
        }
        return out;
    }

    static Set<String> platforms(List<Bundle> bundles) {
        Set<String> out = new LinkedHashSet<>();
        bundles.forEach(b -> out.add(b.platform()));
        return out;
    }

    /**
     * The digest of the bundle's image: its platform tag if that names this bundle's image, else the
     * entry of the moving tag's index that names this bundle. The manifest's bytes are read and
     * hashed here, and its layer must be the bundle: a digest this command prints is one it checked.
     */
    String imageDigest(Bundle b) throws IOException, InterruptedException {
        String repo = "/v2/" + BundleImage.REPOSITORY_PREFIX + b.name() + "/manifests/";
        Optional<String> platformTag = BundleImage.platformTag(b.version(), b.pgMajor(), Platform.parse(b.platform()));
        if (platformTag.isPresent()) {
            Optional<String> digest = manifestOf(repo + platformTag.get(), b);
            if (digest.isPresent()) {
                return digest.get();
            }
        }
        Optional<byte[]> index = api.getBytes(repo + BundleImage.movingTag(b.version(), b.pgMajor()), BundleImage.INDEX_MEDIA_TYPE);
        if (index.isPresent()) {
            for (JsonNode m : ApiClient.JSON.readTree(index.get()).path("manifests")) {
                if (b.sha256().equals(m.path("annotations").path(BundleImage.LABEL_BUNDLE_SHA256).asText())) {
                    Optional<String> digest = manifestOf(repo + m.path("digest").asText(), b);
                    if (digest.isPresent()) {
                        return digest.get();
                    }
                }
            }
        }
        throw new LookupException("the registry has no image of " + b.name() + " " + b.version() + " (bundle " + b.sha256()
                + ") yet: it makes one within a minute of a build (extfarm.oci.backfill.every); run this again");
    }

    /** The digest of the manifest at {@code path} if it is an image whose layer is the bundle. */
    private Optional<String> manifestOf(String path, Bundle b) throws IOException, InterruptedException {
        Optional<byte[]> bytes = api.getBytes(path, BundleImage.MANIFEST_MEDIA_TYPE);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        JsonNode m = ApiClient.JSON.readTree(bytes.get());
        JsonNode layers = m.path("layers");
        if (!BundleImage.MANIFEST_MEDIA_TYPE.equals(m.path("mediaType").asText()) || layers.size() != 1
                || !("sha256:" + b.sha256()).equals(layers.get(0).path("digest").asText())) {
            return Optional.empty();
        }
        return Optional.of("sha256:" + Digests.sha256(bytes.get()));
    }
}
