package dev.extfarm.registry.blob;

import dev.extfarm.bundle.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * A write in progress: bytes go to a temporary object only. {@link #commit} checks the sha-256 it
 * computed itself (a caller's digest is never trusted) and only then publishes the blob under its
 * key; {@link #close} without a commit discards the temporary. Publishing never overwrites: if
 * the key exists already (same bytes, since keys are content addresses) the temporary is dropped.
 */
public abstract class BlobWriter extends OutputStream {

    /** The outcome of a commit: {@code created} is false when the blob was already there. */
    public record Published(BlobInfo info, String sha256, boolean created) {
    }

    protected final BlobKey key;
    private final MessageDigest digest = Digests.newSha256();
    private long size;
    private boolean finished;

    protected BlobWriter(BlobKey key) {
        this.key = key;
    }

    protected abstract void writeTemporary(byte[] b, int off, int len) throws IOException;

    /** Makes the temporary the blob; returns false if the key already existed (temporary dropped). */
    protected abstract boolean publish() throws IOException;

    /** Removes the temporary; must not throw for a temporary that is already gone. */
    protected abstract void discard() throws IOException;

    @Override
    public final void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public final void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("write to " + key + " already committed or aborted");
        }
        digest.update(b, off, len);
        size += len;
        writeTemporary(b, off, len);
    }

    public long size() {
        return size;
    }

    /** Verifies the bytes against {@code expectedSha256} and publishes them; on mismatch keeps nothing. */
    public final Published commit(String expectedSha256) throws IOException, BlobDigestMismatchException {
        if (finished) {
            throw new IOException("write to " + key + " already committed or aborted");
        }
        finished = true;
        String actual = Digests.hex(digest.digest());
        try {
            if (!actual.equals(expectedSha256)) {
                discard();
                throw new BlobDigestMismatchException(key, expectedSha256, actual, size);
            }
            boolean created = publish();
            return new Published(new BlobInfo(key, size), actual, created);
        } catch (IOException | RuntimeException e) {
            discard();
            throw e;
        }
    }

    /** Aborts the write unless it was committed. */
    @Override
    public final void close() throws IOException {
        if (!finished) {
            finished = true;
            discard();
        }
    }
}
