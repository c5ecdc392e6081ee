package dev.extfarm.registry.names;

/**
 * Which extensions are private: a refusal names another extension as a name's owner only when
 * that extension is public. Answered by {@code catalog.Visibility}, the one visibility rule (the
 * catalog builds on names, so names asks through this and does not reach up into it).
 */
public interface PrivateExtensions {

    boolean isPrivate(String extension);
}
