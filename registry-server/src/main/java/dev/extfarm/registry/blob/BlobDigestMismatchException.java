package dev.extfarm.registry.blob;

/** The bytes written do not have the sha-256 the caller expected; the store kept nothing. */
public class BlobDigestMismatchException extends Exception {

    private final String expected;
    private final String actual;

    public BlobDigestMismatchException(BlobKey key, String expected, String actual, long size) {
        super("the " + size + " bytes written to " + key + " have sha-256 " + actual + ", not " + expected
                + "; nothing was stored");
        this.expected = expected;
        this.actual = actual;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
