package dev.extfarm.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The compute spec (format in DESIGN.md, docs/api.md): the document the registry serves a compute
 * node and its fetcher reads, one entry per bundle the tenant may use, each with short-lived links.
 * The fields are in the order the registry writes them. The fetcher reads it with its own checks
 * ({@code dev.extfarm.fetcher.spec.SpecReader}: every name that becomes part of a file name).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"meta_format", "tenant", "pg_major", "platform", "generated_at", "expires_at", "extensions"})
public record ComputeSpec(int metaFormat, String tenant, int pgMajor, String platform, String generatedAt,
                          String expiresAt, List<Entry> extensions) {

    /** The format this code writes and reads; a reader refuses a higher one. */
    public static final int META_FORMAT = 1;

    public ComputeSpec {
        extensions = extensions == null ? List.of() : List.copyOf(extensions);
    }

    /**
     * One bundle the tenant may use ({@code extension_name} is the bundle name).
     *
     * @param control       the text of the file at {@code control_link}, inline (absent when the registry cannot read it)
     * @param otherControls the texts of the other control files a multi-extension bundle carries (postgis and
     *                      postgis_tiger_geocoder), by control name, so phase 1 lists them all without a request (a
     *                      private bundle's signed links cover one path each); absent for a bundle of one extension
     * @param updates       the update scripts the bundle carries, per extension it carries: control name →
     *                      {@code ["<from>--<to>", …]} (its {@code share/extension/<control>--<from>--<to>.sql});
     *                      null when the spec does not say (older registries)
     * @param versions      newer approved versions of the same bundle the tenant may use, newest first, each an
     *                      entry of the same shape without {@code control} and {@code versions} (absent when there are
     *                      none); the entry itself is the version a node installs, the others are there for
     *                      {@code ALTER EXTENSION … UPDATE TO}
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"extension_name", "version", "sha256", "size", "link", "control_link", "control", "other_controls",
            "signature_link", "extensions", "libraries", "requires", "shared_preload", "preload", "system_libraries", "updates",
            "versions"})
    public record Entry(String extensionName, String version, String sha256, long size, String link, String controlLink,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String control,
                        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> otherControls, String signatureLink,
                        List<String> extensions, List<String> libraries, List<String> requires, boolean sharedPreload,
                        boolean preload, List<String> systemLibraries, Map<String, List<String>> updates,
                        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Entry> versions) {

        public Entry {
            otherControls = otherControls == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(otherControls));
            extensions = extensions == null ? List.of() : List.copyOf(extensions);
            libraries = libraries == null ? List.of() : List.copyOf(libraries);
            requires = requires == null ? List.of() : List.copyOf(requires);
            systemLibraries = systemLibraries == null ? List.of() : List.copyOf(systemLibraries);
            if (updates != null) {
                Map<String, List<String>> u = new LinkedHashMap<>();
                updates.forEach((k, v) -> u.put(k, v == null ? List.of() : List.copyOf(v)));
                updates = Collections.unmodifiableMap(u);
            }
            versions = versions == null ? List.of() : List.copyOf(versions);
        }

        public String name() {
            return extensionName;
        }

        public String label() {
            return extensionName + " " + version;
        }

        /** A copy with other links (tests and refreshes). */
        public Entry withLinks(String newLink, String newControlLink) {
            return withLinks(newLink, newControlLink, signatureLink);
        }

        /** A copy with other links, the signature's too. */
        public Entry withLinks(String newLink, String newControlLink, String newSignatureLink) {
            return new Entry(extensionName, version, sha256, size, newLink, newControlLink, control, otherControls, newSignatureLink,
                    extensions, libraries, requires, sharedPreload, preload, systemLibraries, updates, versions);
        }

        /** A copy listing these update scripts and newer versions. */
        public Entry withUpdates(Map<String, List<String>> newUpdates, List<Entry> newVersions) {
            return new Entry(extensionName, version, sha256, size, link, controlLink, control, otherControls, signatureLink,
                    extensions, libraries, requires, sharedPreload, preload, systemLibraries, newUpdates, newVersions);
        }

        /** This entry or one of its {@link #versions} with this sha-256. */
        public Optional<Entry> find(String sha) {
            if (sha256.equals(sha)) {
                return Optional.of(this);
            }
            return versions.stream().filter(v -> v.sha256().equals(sha)).findFirst();
        }

        /** This entry, then its newer versions. */
        public List<Entry> allVersions() {
            List<Entry> all = new ArrayList<>();
            all.add(this);
            all.addAll(versions);
            return all;
        }
    }

    /**
     * The bundles of this spec a node must not install, and why: each carries an extension (control
     * file) or library name that another bundle of the spec carries too. Which of them is the real
     * one the node cannot tell (the registry refuses such bundles; a spec with them comes from a
     * registry that stored them earlier, or from someone else): none of them is installed, each is
     * reported with {@code name-conflict}, and the rest of the spec is unaffected. In spec order.
     */
    public Map<String, String> conflicts() {
        Map<String, List<String>> carriers = new LinkedHashMap<>();
        for (Entry e : extensions) {
            for (String c : new LinkedHashSet<>(e.extensions())) {
                carriers.computeIfAbsent("extension '" + c + "'", k -> new ArrayList<>()).add(e.extensionName());
            }
            for (String l : new LinkedHashSet<>(e.libraries())) {
                carriers.computeIfAbsent("library '" + l + "'", k -> new ArrayList<>()).add(e.extensionName());
            }
        }
        Map<String, List<String>> why = new LinkedHashMap<>();
        carriers.forEach((name, bundles) -> {
            if (bundles.size() > 1) {
                String text = name + " is carried by the bundles '" + String.join("', '", bundles) + "'";
                bundles.forEach(b -> why.computeIfAbsent(b, k -> new ArrayList<>()).add(text));
            }
        });
        Map<String, String> out = new LinkedHashMap<>();
        for (Entry e : extensions) {
            List<String> reasons = why.get(e.extensionName());
            if (reasons != null) {
                out.put(e.extensionName(), String.join("; ", reasons) + " in the compute spec of tenant '" + tenant
                        + "'; none of them is installed until the registry serves one (its operator resolves the names, docs/registry.md)");
            }
        }
        return out;
    }

    /** The entries a node may install: all but {@link #conflicts()}. */
    public List<Entry> installable() {
        Map<String, String> conflicts = conflicts();
        return conflicts.isEmpty() ? extensions : extensions.stream().filter(e -> !conflicts.containsKey(e.extensionName())).toList();
    }

    public Optional<Entry> entry(String bundleName) {
        return extensions.stream().filter(e -> e.extensionName().equals(bundleName)).findFirst();
    }

    /** The bundle that carries control file {@code <control>.control}. */
    public Optional<Entry> providerOfExtension(String control) {
        return extensions.stream().filter(e -> e.extensions().contains(control)).findFirst();
    }

    /** The bundle whose manifest lists the library (module name, without {@code .so}). */
    public Optional<Entry> providerOfLibrary(String library) {
        return extensions.stream().filter(e -> e.libraries().contains(library)).findFirst();
    }

    /** The entry of this bundle, or the version of it listed in its {@code versions}, with this sha-256. */
    public Optional<Entry> find(String bundleName, String sha) {
        return entry(bundleName).flatMap(e -> e.find(sha));
    }

    public Map<String, Entry> byName() {
        Map<String, Entry> m = new LinkedHashMap<>();
        extensions.forEach(e -> m.put(e.extensionName(), e));
        return m;
    }
}
