package dev.extfarm.registry.blob;

/** A published blob. */
public record BlobInfo(BlobKey key, long size) {
}
