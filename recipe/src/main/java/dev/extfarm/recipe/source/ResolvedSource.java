package dev.extfarm.recipe.source;

import java.net.URI;

/**
 * Where a recipe's source archive will be downloaded from.
 *
 * @param url the archive's URL
 * @param sha256 the pinned sha-256 the bytes must have
 * @param origin for logs and reports: the URL, or e.g. {@code debian trixie pgvector 0.8.0-1}
 */
public record ResolvedSource(URI url, String sha256, String origin) {
}
