package dev.extfarm.registry.bundle;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.registry.problem.ExtfarmException;
import java.util.regex.Pattern;

/** Parses {@code /extensions/<name>/sha-256+<hex>/<file>} into an address, with actionable 400s. */
final class ServePaths {

    private static final Pattern CONTROL = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}\\.control");

    private ServePaths() {
    }

    static BundleAddress address(String name, String digest) {
        if (!BundleAddress.isValidName(name)) {
            throw ExtfarmException.invalid("invalid-name", "extension name '" + name + "' must match "
                    + BundleAddress.NAME_RULE + " (lowercase letters, digits, '_' and '-')");
        }
        try {
            return new BundleAddress(name, BundleAddress.parseDigest(digest));
        } catch (IllegalArgumentException e) {
            throw ExtfarmException.invalid("invalid-digest", "'" + digest
                    + "' is not a digest; the address segment must be sha-256+<64 lowercase hex digits>");
        }
    }

    /** The control name of {@code <ext>.control}, null for {@code bundle.tar}; 404 for anything else. */
    static String controlName(String file) {
        if (BundleAddress.FILE_NAME.equals(file)) {
            return null;
        }
        if (CONTROL.matcher(file).matches()) {
            return file.substring(0, file.length() - ".control".length());
        }
        throw ExtfarmException.notFound("not-found", "a bundle directory holds bundle.tar and <extension>.control only, not '"
                + file + "'");
    }
}
