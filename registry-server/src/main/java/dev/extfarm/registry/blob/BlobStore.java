package dev.extfarm.registry.blob;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where immutable blobs live (bundles, control files; later logs and OCI blobs). Writes land in a
 * temporary object and become visible only after their sha-256 is verified
 * ({@link BlobWriter#commit}); a published blob is never overwritten. Implementations:
 * {@link FilesystemBlobStore} (the embedded default) and {@link S3BlobStore}.
 */
public interface BlobStore {

    Optional<BlobInfo> stat(BlobKey key) throws IOException;

    /** The bytes from {@code offset} to the end; {@link java.nio.file.NoSuchFileException} if absent. */
    InputStream open(BlobKey key, long offset) throws IOException;

    /** Starts a write to a temporary object; see {@link BlobWriter}. */
    BlobWriter writer(BlobKey key) throws IOException;

    /** Convenience: writes all of {@code in} and commits it against {@code expectedSha256}. */
    default BlobWriter.Published put(BlobKey key, InputStream in, String expectedSha256)
            throws IOException, BlobDigestMismatchException {
        try (BlobWriter w = writer(key)) {
            in.transferTo(w);
            return w.commit(expectedSha256);
        }
    }

    boolean delete(BlobKey key) throws IOException;

    /** Published blobs whose key starts with {@code prefix} (temporaries excluded), in key order. */
    List<BlobInfo> list(String prefix) throws IOException;

    /** Removes temporaries not written to for {@code olderThan} (writes cut off by a crash); returns how many. */
    int cleanTemporaries(Duration olderThan) throws IOException;

    /** The local file of a published blob, for zero-copy sending; empty for remote stores. */
    default Optional<Path> localFile(BlobKey key) {
        return Optional.empty();
    }

    /** A short-lived URL the client may fetch directly; empty when the store has none. */
    default Optional<URI> presignedGet(BlobKey key, Duration ttl) {
        return Optional.empty();
    }

    /** A short description for logs and health checks, e.g. {@code filesystem /srv/data/blobs}. */
    String describe();
}
