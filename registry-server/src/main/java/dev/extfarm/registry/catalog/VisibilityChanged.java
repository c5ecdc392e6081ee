package dev.extfarm.registry.catalog;

/**
 * Fire it (CDI {@code Event<VisibilityChanged>}) inside the transaction that changes who may see
 * what (visibility, grants, owners); {@link Visibility} reloads after the commit.
 */
public record VisibilityChanged(String reason) {
}
