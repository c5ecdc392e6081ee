package dev.extfarm.bundle;

/** A manifest that cannot be used; the message names the field and what a valid value looks like. */
public class InvalidManifestException extends IllegalArgumentException {

    private final String field;
    private final boolean newerFormat;

    public InvalidManifestException(String field, String message) {
        this(field, message, false);
    }

    InvalidManifestException(String field, String message, boolean newerFormat) {
        super(field + ": " + message);
        this.field = field;
        this.newerFormat = newerFormat;
    }

    public String field() {
        return field;
    }

    /** True when the manifest was written by a newer extfarm ({@code meta_format} above ours). */
    public boolean newerFormat() {
        return newerFormat;
    }
}
