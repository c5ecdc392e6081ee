package dev.extfarm.recipe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The SPDX license and exception ids shipped as resources (from the npm packages
 * {@code spdx-license-ids} and {@code spdx-exceptions}). Look-ups are case-insensitive and return
 * the canonical spelling.
 */
final class SpdxLicenses {

    private static final Map<String, String> LICENSES = load("spdx-license-ids.txt");
    private static final Map<String, String> DEPRECATED = load("spdx-license-ids-deprecated.txt");
    private static final Map<String, String> EXCEPTIONS = load("spdx-exceptions.txt");

    private SpdxLicenses() {
    }

    static Optional<String> license(String id) {
        return Optional.ofNullable(LICENSES.get(id.toLowerCase(Locale.ROOT)));
    }

    static Optional<String> deprecatedLicense(String id) {
        return Optional.ofNullable(DEPRECATED.get(id.toLowerCase(Locale.ROOT)));
    }

    static Optional<String> exception(String id) {
        return Optional.ofNullable(EXCEPTIONS.get(id.toLowerCase(Locale.ROOT)));
    }

    private static Map<String, String> load(String resource) {
        Map<String, String> ids = new TreeMap<>();
        try (InputStream in = SpdxLicenses.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the class path");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                String id = line.strip();
                if (!id.isEmpty() && !id.startsWith("#")) {
                    ids.put(id.toLowerCase(Locale.ROOT), id);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(ids);
    }
}
