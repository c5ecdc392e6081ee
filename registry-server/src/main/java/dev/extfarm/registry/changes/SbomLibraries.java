package dev.extfarm.registry.changes;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.Digests;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.changes.BuildChanges.Library;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The bundled libraries of a stored bundle with the Debian package and version each came from, as
 * its SBOM names them (the worker writes one SPDX package per library, commented
 * {@code bundled as lib/<soname> (needed by …)}). The SBOM's bytes are taken only when their size
 * and sha-256 are those the bundle's verified manifest lists; every soname must be one the manifest
 * lists in {@code bundled_libraries}, and package names and versions must look like Debian's.
 * Anything else leaves the library without a package (null), never with a made-up one.
 */
@ApplicationScoped
public class SbomLibraries {

    static final long MAX_SBOM_BYTES = 8 << 20;
    private static final Pattern BUNDLED_AS = Pattern.compile("bundled as lib/([A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}) \\(.*",
            Pattern.DOTALL);
    private static final Pattern DEBIAN_PACKAGE = Pattern.compile("[a-z0-9][a-z0-9.+-]{0,99}");
    private static final Pattern DEBIAN_VERSION = Pattern.compile("[A-Za-z0-9.+:~_-]{1,200}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);

    @Inject
    BlobStore store;

    /** Every soname of {@code bundled_libraries}, with its Debian package and version when the SBOM names them. */
    public Map<String, Library> of(BundleAddress address, BundleManifest manifest) {
        Map<String, Library> libraries = new TreeMap<>();
        manifest.bundledLibraries().forEach(soname -> libraries.put(soname, new Library(soname, null, null)));
        if (libraries.isEmpty()) {
            return libraries;
        }
        sbom(address, manifest).ifPresent(sbom -> named(sbom, libraries));
        return libraries;
    }

    private static void named(JsonNode sbom, Map<String, Library> libraries) {
        Set<String> seen = new HashSet<>();
        for (JsonNode p : sbom.path("packages")) {
            Matcher m = BUNDLED_AS.matcher(p.path("comment").asText(""));
            if (!m.matches() || !libraries.containsKey(m.group(1)) || !seen.add(m.group(1))) {
                continue; // not a bundled library, one the manifest does not list, or named twice: the first one counts
            }
            String soname = m.group(1);
            String name = p.path("name").asText("");
            String version = p.path("versionInfo").asText("");
            // the worker names a library it could not trace to a package by its soname, with no version
            boolean packaged = !name.equals(soname) && DEBIAN_PACKAGE.matcher(name).matches();
            boolean versioned = packaged && !"NOASSERTION".equals(version) && DEBIAN_VERSION.matcher(version).matches();
            libraries.put(soname, new Library(soname, packaged ? name : null, versioned ? version : null));
        }
    }

    private Optional<JsonNode> sbom(BundleAddress address, BundleManifest manifest) {
        if (manifest.sbom() == null) {
            return Optional.empty();
        }
        Optional<BundleManifest.FileEntry> listed = manifest.files().stream()
                .filter(f -> f.path().equals(manifest.sbom()) && !f.isSymlink() && f.size() <= MAX_SBOM_BYTES).findFirst();
        if (listed.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = store.open(BlobKey.bundle(address), 0); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                if (e.getName().equals(manifest.sbom()) && e.isFile()) {
                    byte[] bytes = tar.readNBytes((int) Math.min(e.getSize(), MAX_SBOM_BYTES));
                    if (bytes.length != listed.get().size() || !Digests.sha256(bytes).equals(listed.get().sha256())) {
                        Log.warnf("the SBOM in %s is not the one its manifest lists; its libraries are shown without packages", address);
                        return Optional.empty();
                    }
                    return parse(address, bytes);
                }
            }
        } catch (IOException e) {
            // the store failed (or the bundle is gone): nothing is concluded, so nothing is kept
            throw new UncheckedIOException("cannot read the bundle " + address + " from the blob store: " + e.getMessage(), e);
        }
        return Optional.empty();
    }

    private static Optional<JsonNode> parse(BundleAddress address, byte[] bytes) {
        try {
            return Optional.of(JSON.readTree(bytes));
        } catch (IOException | RuntimeException e) {
            Log.warnf("the SBOM of %s is not JSON (its libraries are shown without packages): %s", address, e.getMessage());
            return Optional.empty();
        }
    }
}
