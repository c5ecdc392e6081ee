package dev.extfarm.worker.oci;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.blob.Blob;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.oci.BundleImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Pushes the OCI image of a published bundle with Jib Core's registry client: the image of
 * {@link BundleImage} (layer = the bundle tar itself, config with the bundle's labels), so the
 * same bundle always gives the same image digest. The layer is usually already in the registry
 * (the bundle was just uploaded; the registry serves it as the layer), so only the config and the
 * manifest travel. Tag: {@code <version>-pg<major>-<distro>-<arch>}, unless that tag points at
 * another build already (a rebuild): tags do not move by a push on the extfarm registry, so the
 * image then goes by digest and the registry points the tag at the newest build itself. It keeps
 * the moving {@code <version>-pg<major>} tag itself too (docs/oci.md#what-may-be-pushed).
 *
 * <pre>
 * var published = new BundleImagePublisher(URI.create("http://127.0.0.1:7780"), workerToken)
 *         .publish(work.resolve("bundle.tar"), packed, log::accept);
 * </pre>
 */
public final class BundleImagePublisher {

    /** What was pushed: {@code reference} is {@code host:port/extensions/<name>@sha256:...}. */
    public record Published(String reference, String repository, String digest, List<String> tags, boolean layerUploaded) {
    }

    private final String server;
    private final String token;

    /**
     * @param registry the registry's base URL (http or https; plain HTTP is used as is)
     * @param token    a worker (or admin) token, sent as the Basic password or exchanged for a bearer token
     */
    public BundleImagePublisher(URI registry, String token) {
        this.server = registry.getAuthority();
        this.token = token;
    }

    /** Pushes the image of {@code bundleTar}, whose packing result is {@code packed}; {@code log} gets a line per step. */
    public Published publish(Path bundleTar, BundleWriter.Packed packed, Consumer<String> log) throws IOException, RegistryException {
        return publish(bundleTar, packed.manifest(), packed.sha256(), log);
    }

    public Published publish(Path bundleTar, BundleManifest manifest, String sha256, Consumer<String> logLine)
            throws IOException, RegistryException {
        Consumer<String> log = logLine == null ? s -> { } : logLine;
        BundleImage image = BundleImage.of(manifest, sha256, Files.size(bundleTar));
        FailoverHttpClient http = new FailoverHttpClient(true, true, e -> {
            if (e.getLevel() == LogEvent.Level.ERROR || e.getLevel() == LogEvent.Level.WARN) {
                log.accept("jib: " + e.getMessage());
            }
        });
        try {
            RegistryClient client = RegistryClient.factory(EventHandlers.NONE, server, image.repository(), http)
                    .setCredential(token == null ? null : Credential.from("extfarm-worker", token))
                    .setUserAgent("extfarm-worker (jib-core)").newRegistryClient();
            if (!client.doPushBearerAuth() && token != null) {
                client.configureBasicAuth();
            }
            boolean layerUploaded = pushIfMissing(client, digest(image.layerDigest()), () -> Blobs.from(bundleTar));
            pushIfMissing(client, digest(image.configDigest()), () -> Blobs.from(new ByteArrayInputStream(image.config())));
            RawManifest raw = new RawManifest(image.manifest(), BundleImage.MANIFEST_MEDIA_TYPE);
            List<String> tags = new ArrayList<>();
            Optional<String> tag = image.platformTag();
            Optional<String> taken = tag.isPresent() ? heldByAnother(client, tag.get(), image.manifestDigest()) : Optional.empty();
            if (tag.isEmpty() || taken.isPresent()) {
                // tags do not move by a push: the extfarm registry points the platform tag at the newest build itself
                taken.ifPresent(other -> log.accept("tag :" + tag.get() + " points at " + other + "; pushing by digest"));
                requireSame(client.pushManifest(raw, image.manifestDigest()), image);
            } else {
                requireSame(client.pushManifest(raw, tag.get()), image);
                tags.add(tag.get());
            }
            String reference = server + "/" + image.repository() + "@" + image.manifestDigest();
            log.accept("pushed image " + reference + (tags.isEmpty() ? "" : " as :" + String.join(", :", tags))
                    + (layerUploaded ? "" : " (the layer is the bundle already in the registry)"));
            return new Published(reference, image.repository(), image.manifestDigest(), tags, layerUploaded);
        } finally {
            http.shutDown();
        }
    }

    private interface BlobSource {
        Blob open() throws IOException;
    }

    private static boolean pushIfMissing(RegistryClient client, DescriptorDigest digest, BlobSource blob)
            throws IOException, RegistryException {
        if (client.checkBlob(digest).isPresent()) {
            return false;
        }
        client.pushBlob(digest, blob.open(), null, n -> { });
        return true;
    }

    /** The digest a tag points at, if it points at another manifest than {@code digest}. */
    private static Optional<String> heldByAnother(RegistryClient client, String tag, String digest)
            throws IOException, RegistryException {
        return client.checkManifest(tag).map(m -> m.getDigest().toString()).filter(d -> !d.equals(digest));
    }

    private static void requireSame(DescriptorDigest pushed, BundleImage image) throws IOException {
        if (!pushed.toString().equals(image.manifestDigest())) {
            throw new IOException("the registry stored manifest " + pushed + ", not " + image.manifestDigest());
        }
    }

    private static DescriptorDigest digest(String d) throws IOException {
        try {
            return DescriptorDigest.fromDigest(d);
        } catch (DigestException e) {
            throw new IOException("not a digest: " + d, e);
        }
    }
}
