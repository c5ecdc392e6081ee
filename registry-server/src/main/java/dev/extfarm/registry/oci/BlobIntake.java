package dev.extfarm.registry.oci;

import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.GuardedInputStream;
import dev.extfarm.registry.blob.BlobDigestMismatchException;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.blob.BlobWriter;
import dev.extfarm.registry.oci.BlobIndex.BlobRef;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Moves uploaded bytes into the blob store. Everything goes through a {@link BlobWriter}
 * temporary; a blob is published only when the digest the client named matches what this server
 * computed (sha256 by the store itself, sha512 here), and linked to the repository after that.
 * A refused upload leaves nothing behind.
 */
@ApplicationScoped
public class BlobIntake {

    @Inject
    BlobStore store;
    @Inject
    BlobIndex index;
    @Inject
    Uploads uploads;
    @Inject
    OciConfig config;

    /** Streams {@code in} into the blob {@code expected} and links it to the repository. */
    public BlobRef receive(String repository, InputStream in, Digest expected) throws IOException {
        BlobKey key = index.findAnywhere(expected).map(BlobRef::key).orElse(BlobIndex.keyFor(expected));
        MessageDigest other = expected.isSha256() ? null : expected.newMessageDigest();
        MessageDigest sha256 = expected.isSha256() ? null : Digests.newSha256();
        long size;
        try (BlobWriter w = store.writer(key)) {
            size = drain(new GuardedInputStream(in, config.maxBlobSize(), (b, off, len) -> {
                if (other != null) {
                    other.update(b, off, len);
                    sha256.update(b, off, len);
                }
                w.write(b, off, len);
            }));
            String sha256Hex = expected.hex();
            if (other != null) {
                String actual = Digests.hex(other.digest());
                if (!actual.equals(expected.hex())) {
                    throw mismatch(expected, expected.algorithm() + ":" + actual);
                }
                sha256Hex = Digests.hex(sha256.digest());
            }
            try {
                w.commit(sha256Hex);
            } catch (BlobDigestMismatchException e) {
                throw mismatch(expected, "sha256:" + e.actual());
            }
        }
        BlobRef ref = new BlobRef(expected, size, key);
        index.link(repository, ref);
        return ref;
    }

    /** Appends one chunk to the session; returns the session after it. */
    public Uploads.Session appendChunk(Uploads.Session s, InputStream in) throws IOException {
        BlobKey key = Uploads.chunkKey(s.id(), s.chunks());
        long size;
        try (BlobWriter w = store.writer(key)) {
            MessageDigest md = Digests.newSha256();
            size = drain(new GuardedInputStream(in, config.maxBlobSize() - s.size(), (b, off, len) -> {
                md.update(b, off, len);
                w.write(b, off, len);
            }));
            if (size == 0) {
                return s;
            }
            w.commit(Digests.hex(md.digest()));
        } catch (BlobDigestMismatchException e) {
            throw new IOException("a chunk changed while it was being stored", e);
        }
        if (!uploads.advance(s, size)) {
            store.delete(key);
            throw outOfOrder(uploads.get(s.repository(), s.id().toString(), s.tokenId()), "another request added a chunk to this upload first");
        }
        return new Uploads.Session(s.id(), s.repository(), s.size() + size, s.chunks() + 1, s.tokenId());
    }

    /**
     * Finishes the session: its chunks, then {@code tail}, become the blob {@code expected}. The
     * session and its chunks are removed however it ends (a client that failed here starts over).
     */
    public BlobRef complete(Uploads.Session s, InputStream tail, Digest expected) throws IOException {
        List<InputStream> parts = new ArrayList<>();
        try {
            for (int i = 0; i < s.chunks(); i++) {
                parts.add(store.open(Uploads.chunkKey(s.id(), i), 0));
            }
            parts.add(tail);
            return receive(s.repository(), new SequenceInputStream(Collections.enumeration(parts)), expected);
        } finally {
            for (InputStream p : parts) {
                p.close();
            }
            discard(s);
        }
    }

    /** Cancels the session and removes its chunks. */
    public void discard(Uploads.Session s) throws IOException {
        uploads.remove(s);
        deleteChunks(s);
    }

    void deleteChunks(Uploads.Session s) throws IOException {
        for (int i = 0; i < s.chunks(); i++) {
            store.delete(Uploads.chunkKey(s.id(), i));
        }
    }

    static OciException outOfOrder(Uploads.Session s, String why) {
        return new OciException(OciError.BLOB_UPLOAD_OUT_OF_ORDER, why + "; this upload holds bytes " + s.range()
                + ", so the next chunk starts at " + s.size() + " (GET the upload URL for its state)")
                .header("Range", s.range()).header("Location", "/v2/" + s.repository() + "/blobs/uploads/" + s.id())
                .header("Docker-Upload-UUID", s.id().toString()).detail("size", s.size());
    }

    /** Reads {@code in} to its end (its copy stores the bytes); returns how many there were. */
    private long drain(GuardedInputStream in) throws IOException {
        byte[] buf = new byte[1 << 16];
        try {
            while (in.read(buf) >= 0) {
                // the copy writes them
            }
        } catch (GuardedInputStream.TooLargeException e) {
            throw tooLarge();
        }
        return in.count();
    }

    private OciException tooLarge() {
        return new OciException(OciError.TOO_LARGE, "the blob is over " + config.maxBlobSize()
                + " bytes, the limit (extfarm.oci.max-blob-size); nothing was stored").detail("limit", config.maxBlobSize());
    }

    private static OciException mismatch(Digest expected, String actual) {
        return new OciException(OciError.DIGEST_INVALID, "the bytes sent have digest " + actual + ", not " + expected
                + "; nothing was stored. Send the bytes again, or name their real digest").detail("expected", expected.toString())
                .detail("actual", actual);
    }
}
