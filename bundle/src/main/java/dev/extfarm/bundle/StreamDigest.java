package dev.extfarm.bundle;

/** The length and sha-256 of every byte a stream handed to the reader, asked once, after its end. */
interface StreamDigest {

    long count();

    String sha256();
}
