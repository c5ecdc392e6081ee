package dev.extfarm.registry.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.Compatibility;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A bundle's compatibility floors as the catalog and build reports show them: the PostgreSQL
 * version it was built against (a server older than it may lack a function the bundle calls), the
 * newest glibc symbol version it needs, and how many server symbols it imports (the list is in the
 * bundle's manifest.json; the fetcher checks each). Read from the stored manifest, which was
 * verified when the bundle was accepted; null for bundles built before floors were recorded.
 *
 * @param builtAgainst  {@code 15.20}
 * @param glibc         {@code GLIBC_2.34}, or null when no glibc version is needed
 * @param serverSymbolCount how many symbols the modules import from {@code postgres}
 */
public record Floors(String builtAgainst, String glibc, int serverSymbolCount) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The floors recorded in a stored manifest, or null (none recorded, or unreadable). */
    public static Floors of(String storedManifest) {
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
            return new Floors(floors.builtAgainst(), floors.glibc(), floors.serverSymbols().size());
        } catch (IOException e) {
            return null;
        }
    }
}
