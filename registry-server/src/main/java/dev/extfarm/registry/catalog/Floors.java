package dev.extfarm.registry.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.Compatibility;
import dev.extfarm.protocol.Catalog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a bundle's compatibility floors ({@link Catalog.Floors}, as the catalog and build reports show them) from its
 * stored manifest: the PostgreSQL
 * version it was built against (a server older than it may lack a function the bundle calls), the
 * newest glibc symbol version it needs, and how many server symbols it imports (the list is in the
 * bundle's manifest.json; the fetcher checks each). Read from the stored manifest, which was
 * verified when the bundle was accepted; null for bundles built before floors were recorded.
 * Example: {@code {"built_against": "15.20", "glibc": "GLIBC_2.34", "server_symbol_count": 212}} (glibc null when
 * no glibc version is needed).
 */
public final class Floors {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Floors() {
    }

    /** The floors recorded in a stored manifest, or null (none recorded, or unreadable). */
    public static Catalog.Floors of(String storedManifest) {
        if (storedManifest == null) {
            return null;
        }
        try {
            JsonNode c = JSON.readTree(storedManifest).get("compatibility");
            if (c == null || !c.isObject() || !c.path("built_against").isTextual()) {
                return null;
            }
            List<String> symbols = new ArrayList<>();
            c.path("server_symbols").forEach(s -> symbols.add(s.asText()));
            Compatibility floors = new Compatibility(c.get("built_against").asText(),
                    c.path("glibc").isTextual() ? c.get("glibc").asText() : null, symbols);
            return new Catalog.Floors(floors.builtAgainst(), floors.glibc(), floors.serverSymbols().size());
        } catch (IOException e) {
            return null;
        }
    }
}
