package dev.extfarm.cli.recipe.init;

import java.nio.file.Path;

/** A META.json that cannot be read: names the file, the JSON path (or line:column) and the reason. */
public final class MetaJsonException extends Exception {

    public MetaJsonException(Path file, String where, String reason) {
        super(file + ": " + where + ": " + reason);
    }
}
