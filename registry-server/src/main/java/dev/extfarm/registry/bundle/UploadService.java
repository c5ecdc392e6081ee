package dev.extfarm.registry.bundle;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.bundle.BundleLimits;
import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.BundleRejectedException;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.GuardedInputStream;
import dev.extfarm.bundle.RejectionRule;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.registry.auth.Principal;
import dev.extfarm.registry.blob.BlobDigestMismatchException;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.blob.BlobWriter;
import dev.extfarm.registry.catalog.BundleRecorder;
import dev.extfarm.registry.catalog.ReviewState;
import dev.extfarm.registry.names.CarriedNames;
import dev.extfarm.registry.names.NameOwnership;
import dev.extfarm.registry.problem.ExtfarmException;
import dev.extfarm.registry.signing.BundleSigner;
import io.quarkus.logging.Log;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Accepts a bundle in one pass over the request body: every byte read by the hardened
 * {@link BundleReader} is also written to a blob-store temporary (a tee). Everything is checked
 * before anything is published: the reader's rules, the sha-256 against the address, the control
 * files' keys, the names it carries ({@link NameOwnership#check}); then, in one
 * transaction, the bundle's names are claimed, the blob and its control files published and the
 * catalog records it ({@link BundleRecorder#record}). A refusal at any point leaves the blob store
 * and the catalog as they were; the same bytes again change nothing. Nothing is ever held whole in
 * memory.
 */
@ApplicationScoped
public class UploadService {

    public record Uploaded(BundleAddress address, long size, boolean created, ReviewState reviewState,
                           String version, int pgMajor, String platform) {
    }

    @Inject
    BlobStore store;
    @Inject
    BundleRecorder recorder;
    @Inject
    BundleConfig config;
    @Inject
    MeterRegistry metrics;
    @Inject
    BundleSigner signer;
    @Inject
    NameOwnership ownership;

    public Uploaded upload(String name, String digest, InputStream body, Long contentLength, Principal uploader) {
        BundleAddress address = ServePaths.address(name, digest);
        if (contentLength != null && contentLength > config.maxSize()) {
            count("too-large");
            throw tooLarge(contentLength);
        }
        VerifiedBundle verified;
        BundleRecorder.Recorded recorded;
        try (BlobWriter temp = storage(() -> store.writer(BlobKey.bundle(address)))) {
            // every byte the reader takes is also written to the temporary; a failing write is the store's fault
            GuardedInputStream tee = new GuardedInputStream(body, config.maxSize(), (b, off, len) -> {
                try {
                    temp.write(b, off, len);
                } catch (IOException e) {
                    throw new StorageFault(e);
                }
            });
            verified = read(tee, address);
            tee.transferTo(OutputStream.nullOutputStream()); // anything after the archive is part of the bytes too
            // everything is checked before anything is published: a refusal leaves the store as it was
            Map<BlobKey, byte[]> controls = controlBlobs(address, verified);
            CarriedNames names = CarriedNames.of(verified.manifest());
            ownership.check(address.name(), names);
            // the names are claimed, the blobs published and the bundle recorded in one transaction
            recorded = recorder.record(verified, uploader == null ? null : uploader.tokenId(), names,
                    () -> publish(temp, address, controls));
        } catch (GuardedInputStream.TooLargeException e) {
            count("too-large");
            throw tooLarge(e.read());
        } catch (BlobDigestMismatchException e) {
            count("digest-mismatch");
            throw mismatch(address, e.actual());
        } catch (StorageFault e) {
            // the registry's storage failed, not the upload: the uploader retries (a worker as a farm fault)
            count("storage-fault");
            Log.warnf("upload of %s failed in the blob store: %s", address, e.getMessage());
            throw new ExtfarmException(ExtfarmException.Kind.UNAVAILABLE, "storage-unavailable", "Storage unavailable",
                    "the registry could not store " + address + " (" + e.getMessage() + "); nothing was stored, send it again later")
                    .with("retry_after", STORAGE_RETRY_SECONDS);
        } catch (IOException e) {
            count("failed");
            throw new ExtfarmException(ExtfarmException.Kind.INVALID, "upload-failed", "Upload failed",
                    "the upload of " + address + " broke off (" + e.getMessage() + "); nothing was stored, send it again");
        } catch (ExtfarmException e) {
            if (e.kind() == ExtfarmException.Kind.UNPROCESSABLE) {
                count("rejected");
            }
            throw e;
        }
        count(recorded.created() ? "created" : "existing");
        var m = verified.manifest();
        sign(new BundleSigner.Subject(address.sha256(), address.name(), m.version(), m.pgMajor(), m.platform().id()));
        return new Uploaded(address, verified.size(), recorded.created(), recorded.reviewState(), m.version(), m.pgMajor(),
                m.platform().id());
    }

    /**
     * Publishes the verified temporary as the bundle, then its control files; returns the keys it
     * created. If a step fails, what it created is removed again (it runs under the bundle's lock:
     * nothing refers to those keys yet).
     */
    private List<BlobKey> publish(BlobWriter temp, BundleAddress address, Map<BlobKey, byte[]> controls)
            throws IOException, BlobDigestMismatchException {
        List<BlobKey> created = new ArrayList<>();
        try {
            if (storage(() -> temp.commit(address.sha256())).created()) {
                created.add(BlobKey.bundle(address));
            }
            for (var control : controls.entrySet()) {
                byte[] bytes = control.getValue();
                if (storage(() -> store.put(control.getKey(), new ByteArrayInputStream(bytes), Digests.sha256(bytes))).created()) {
                    created.add(control.getKey());
                }
            }
            return created;
        } catch (IOException | BlobDigestMismatchException | RuntimeException e) {
            for (BlobKey key : created) {
                try {
                    store.delete(key);
                } catch (IOException | RuntimeException again) {
                    Log.warnf("could not remove %s after a failed upload (the blob GC will): %s", key, again.getMessage());
                }
            }
            throw e;
        }
    }

    /** What a 503 for a failing blob store asks the uploader to wait ({@code Retry-After}). */
    static final int STORAGE_RETRY_SECONDS = 10;

    /** An I/O step of the blob store: its failure is the registry's ({@link StorageFault}), not the upload's. */
    interface StorageStep<T> {
        T run() throws IOException, BlobDigestMismatchException;
    }

    static <T> T storage(StorageStep<T> step) throws StorageFault, BlobDigestMismatchException {
        try {
            return step.run();
        } catch (StorageFault e) {
            throw e;
        } catch (IOException e) {
            throw new StorageFault(e);
        }
    }

    /** Every accepted bundle is signed; if that fails now, the signature backfill retries (the upload stands). */
    private void sign(BundleSigner.Subject subject) {
        try {
            signer.ensureSigned(subject);
        } catch (IOException | RuntimeException e) {
            Log.warnf("could not sign %s now (the backfill retries): %s", subject.name() + "/" + subject.sha256(), e.getMessage());
        }
    }

    private VerifiedBundle read(InputStream in, BundleAddress address) throws IOException {
        BundleLimits limits = BundleLimits.DEFAULT.withMaxTotalSize(config.maxSize() + 1).withMaxEntrySize(config.maxEntrySize());
        VerifiedBundle verified;
        try {
            verified = new BundleReader(limits).verify(in, address.sha256());
        } catch (BundleRejectedException e) {
            if (e.rule() == RejectionRule.DIGEST_MISMATCH) {
                count("digest-mismatch");
                throw mismatch(address, null);
            }
            if (e.rule() == RejectionRule.SIZE && (e.entry().equals("manifest.json") || e.entry().equals("-"))) {
                // the whole bundle is over the limit (its manifest declares more bytes than the registry takes,
                // refused before they arrive): the same refusal as a Content-Length over the limit
                count("too-large");
                throw tooLarge(config.maxSize() + 1);
            }
            count("rejected");
            throw new ExtfarmException(ExtfarmException.Kind.UNPROCESSABLE, "bundle-rejected", "Bundle rejected",
                    "the bundle breaks rule '" + e.rule().id() + "' (" + e.rule().rule() + ") at " + e.entry() + ": "
                            + e.detail() + "; nothing was stored. Repack it with 'extfarm bundle pack'")
                    .with("rule", e.rule().id()).with("entry", e.entry());
        }
        if (!verified.manifest().name().equals(address.name())) {
            count("rejected");
            throw new ExtfarmException(ExtfarmException.Kind.UNPROCESSABLE, "bundle-rejected", "Bundle rejected",
                    "manifest.json names the bundle '" + verified.manifest().name() + "' but it was sent to "
                            + address.path() + "; nothing was stored. Upload it to extensions/" + verified.manifest().name()
                            + "/" + address.digest() + "/bundle.tar")
                    .with("rule", "name-mismatch").with("entry", "manifest.json");
        }
        return verified;
    }

    /** The blob key of each control file, computed before anything is published (a name that cannot be a key is refused). */
    private Map<BlobKey, byte[]> controlBlobs(BundleAddress address, VerifiedBundle verified) {
        Map<BlobKey, byte[]> out = new LinkedHashMap<>();
        for (var control : verified.controlFiles().entrySet()) {
            try {
                out.put(BlobKey.control(address, control.getKey()), control.getValue());
            } catch (IllegalArgumentException e) {
                count("rejected");
                throw new ExtfarmException(ExtfarmException.Kind.UNPROCESSABLE, "bundle-rejected", "Bundle rejected",
                        "the control file share/extension/" + control.getKey() + ".control cannot be stored under its name ("
                                + e.getMessage() + "); nothing was stored. Name control files like [A-Za-z0-9_][A-Za-z0-9_.-]{0,62}")
                        .with("rule", "control-name").with("entry", "share/extension/" + control.getKey() + ".control");
            }
        }
        return out;
    }

    private ExtfarmException tooLarge(long size) {
        return new ExtfarmException(ExtfarmException.Kind.TOO_LARGE, "bundle-too-large", "Bundle too large",
                "the bundle is " + (size > config.maxSize() ? "over " : "") + config.maxSize()
                        + " bytes, the limit (extfarm.bundle.max-size); nothing was stored")
                .with("limit", config.maxSize());
    }

    private static ExtfarmException mismatch(BundleAddress address, String actual) {
        return new ExtfarmException(ExtfarmException.Kind.INVALID, "digest-mismatch", "Digest mismatch",
                "the bytes sent do not have sha-256 " + address.sha256()
                        + (actual == null ? "" : " (they have " + actual + ")")
                        + "; nothing was stored. Upload them to the address of their own sha-256")
                .with("expected", address.sha256());
    }

    private void count(String outcome) {
        metrics.counter("extfarm.bundle.uploads", "outcome", outcome).increment();
    }

    /** The blob store failed (a disk, an S3 endpoint): a 503 with Retry-After, never the uploader's 400. */
    static final class StorageFault extends IOException {
        StorageFault(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
