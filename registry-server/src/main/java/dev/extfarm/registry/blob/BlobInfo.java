package dev.extfarm.registry.blob;

import java.time.Instant;

/**
 * A published blob. {@code modified} is when its bytes were last written (file mtime, S3
 * Last-Modified); null when the store did not say (e.g. right after a write). Garbage collection
 * treats an unknown time as "just written".
 */
public record BlobInfo(BlobKey key, long size, Instant modified) {

    public BlobInfo(BlobKey key, long size) {
        this(key, size, null);
    }
}
