package dev.extfarm.bundle;

import java.security.MessageDigest;

/** The length and sha-256 of every byte a stream handed to the reader, asked once, after its end. */
interface StreamDigest {

    long count();

    String sha256();

    /** The count of {@code in} and the sha-256 of {@code sha}, which {@code in} copies every byte to. */
    static StreamDigest of(GuardedInputStream in, MessageDigest sha) {
        return new StreamDigest() {
            @Override
            public long count() {
                return in.count();
            }

            @Override
            public String sha256() {
                return Digests.hex(sha.digest());
            }
        };
    }
}
