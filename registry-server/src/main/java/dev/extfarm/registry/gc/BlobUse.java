package dev.extfarm.registry.gc;

/** What the database says about one blob-store object. */
public enum BlobUse {
    /** A row needs it: a bundle, one of its control files, an OCI blob, an archived build log. */
    REFERENCED,
    /** Work in progress may still claim it: a chunk of an open OCI upload session, the log of a build not yet archived. */
    IN_FLIGHT,
    /** Unlinked through {@code /v2}; the OCI sweep removes it after its own grace period (docs/oci.md). */
    OCI_GARBAGE,
    /** Nothing refers to it: the collector deletes it once it is older than the grace period. */
    ORPHAN,
    /** Not a key layout this registry writes; reported, never deleted. */
    UNKNOWN
}
