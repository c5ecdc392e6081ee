package dev.extfarm.bundle;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code manifest.json}: what a bundle holds and what it was built from. It lists only build
 * inputs, never worker ids or times, so two workers building the same job write the same bytes.
 * Unknown fields are ignored (forward compatibility); a higher {@code meta_format} is refused.
 * See docs/bundle-format.md.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"meta_format", "name", "version", "pg_major", "platform", "default_version", "extensions",
        "requires", "libraries", "shared_preload", "preload", "bundled_libraries", "system_libraries", "compatibility", "license",
        "licenses", "sbom", "build", "files"})
public record BundleManifest(
        int metaFormat,
        String name,
        String version,
        int pgMajor,
        Platform platform,
        String defaultVersion,
        List<String> extensions,
        List<String> requires,
        List<String> libraries,
        boolean sharedPreload,
        boolean preload,
        List<String> bundledLibraries,
        List<String> systemLibraries,
        Compatibility compatibility,
        String license,
        List<String> licenses,
        String sbom,
        BuildInputs build,
        List<FileEntry> files) {

    public static final int META_FORMAT = 1;

    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+~_-]{0,63}");
    /** Extension (control file) names: PostgreSQL allows more, but these are what reach a file name safely. */
    private static final Pattern CONTROL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}");
    private static final Pattern LIBRARY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}");

    // A repeated key or a second JSON value after the object would let two JSON parsers read two
    // different manifests from the same bytes (first vs last key wins, trailing value ignored or not).
    static final ObjectMapper JSON = new ObjectMapper()
            .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public BundleManifest {
        extensions = copy(extensions);
        requires = copy(requires);
        libraries = copy(libraries);
        bundledLibraries = copy(bundledLibraries);
        systemLibraries = copy(systemLibraries);
        licenses = copy(licenses);
        files = files == null ? List.of() : files.stream().sorted(Comparator.comparing(FileEntry::path)).toList();
    }

    /** A manifest without compatibility floors (bundles packed before they were recorded, and by hand). */
    public BundleManifest(int metaFormat, String name, String version, int pgMajor, Platform platform, String defaultVersion,
                          List<String> extensions, List<String> requires, List<String> libraries, boolean sharedPreload,
                          boolean preload, List<String> bundledLibraries, List<String> systemLibraries, String license,
                          List<String> licenses, String sbom, BuildInputs build, List<FileEntry> files) {
        this(metaFormat, name, version, pgMajor, platform, defaultVersion, extensions, requires, libraries, sharedPreload, preload,
                bundledLibraries, systemLibraries, null, license, licenses, sbom, build, files);
    }

    private static List<String> copy(List<String> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    /**
     * The inputs a bundle was built from; absent for bundles packed by hand.
     *
     * @param recipeRevision sha-256 of the recipe revision (recipe + patches)
     * @param sourceSha256   sha-256 of the upstream source archive
     * @param builderImage   digest of the builder image's package list
     * @param sourceDateEpoch the SOURCE_DATE_EPOCH used for every timestamp
     * @param sourceUrl      where the upstream source can be had (an http(s) URL derived from the recipe's
     *                       {@code source}, never from a worker's configuration), or null; the image's
     *                       {@code org.opencontainers.image.source}
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BuildInputs(String recipeRevision, String sourceSha256, String builderImage, Long sourceDateEpoch,
                              String sourceUrl) {

        /** Longest {@code source_url} accepted. */
        public static final int MAX_SOURCE_URL = 2048;

        /** Build inputs without a source URL (bundles built before it was recorded, and tests). */
        public BuildInputs(String recipeRevision, String sourceSha256, String builderImage, Long sourceDateEpoch) {
            this(recipeRevision, sourceSha256, builderImage, sourceDateEpoch, null);
        }
    }

    /**
     * One file of the bundle.
     *
     * @param mode {@code 0644} or {@code 0755} for files, {@code 0777} for symbolic links
     * @param link the target of a symbolic link (relative), else null
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FileEntry(String path, long size, String sha256, String mode, String link) {

        public static FileEntry file(String path, long size, String sha256, boolean executable) {
            return new FileEntry(path, size, sha256, executable ? "0755" : "0644", null);
        }

        public static FileEntry symlink(String path, String target) {
            return new FileEntry(path, 0, null, "0777", target);
        }

        public boolean isSymlink() {
            return link != null;
        }
    }

    /** A copy with the given file list (the writer fills it in). */
    public BundleManifest withFiles(List<FileEntry> newFiles) {
        return new BundleManifest(metaFormat, name, version, pgMajor, platform, defaultVersion, extensions, requires,
                libraries, sharedPreload, preload, bundledLibraries, systemLibraries, compatibility, license, licenses, sbom, build, newFiles);
    }

    /** A copy with the given compatibility floors (the worker records them after the build). */
    public BundleManifest withCompatibility(Compatibility floors) {
        return new BundleManifest(metaFormat, name, version, pgMajor, platform, defaultVersion, extensions, requires,
                libraries, sharedPreload, preload, bundledLibraries, systemLibraries, floors, license, licenses, sbom, build, files);
    }

    /** Checks every field; throws {@link InvalidManifestException} naming the first bad one. */
    public BundleManifest validate() {
        if (metaFormat != META_FORMAT) {
            throw metaFormat > META_FORMAT
                    ? new InvalidManifestException("meta_format", "is " + metaFormat + " but this extfarm reads "
                    + META_FORMAT + "; upgrade extfarm to read this bundle", true)
                    : new InvalidManifestException("meta_format", "must be " + META_FORMAT + ", was " + metaFormat);
        }
        if (!BundleAddress.isValidName(name)) {
            throw new InvalidManifestException("name", "'" + name + "' must match " + BundleAddress.NAME_RULE);
        }
        requirePattern("version", version, VERSION);
        if (pgMajor < 10 || pgMajor > 99) {
            throw new InvalidManifestException("pg_major", "must be a PostgreSQL major version like 15, 17 or 18, was " + pgMajor);
        }
        if (platform == null) {
            throw new InvalidManifestException("platform", "is required: {os, distro, arch, libc}");
        }
        if (defaultVersion != null) {
            requirePattern("default_version", defaultVersion, VERSION);
        }
        // a library bundle (a preload-only module, a logical decoding output plugin) carries no control file
        if (extensions.isEmpty() && libraries.isEmpty()) {
            throw new InvalidManifestException("extensions", "must list at least one extension (the control names this bundle "
                    + "carries), or libraries must list the modules of a library bundle");
        }
        extensions.forEach(e -> requirePattern("extensions", e, CONTROL_NAME));
        requires.forEach(e -> requirePattern("requires", e, CONTROL_NAME));
        libraries.forEach(l -> requirePattern("libraries", l, LIBRARY));
        bundledLibraries.forEach(l -> requirePattern("bundled_libraries", l, LIBRARY));
        systemLibraries.forEach(l -> requirePattern("system_libraries", l, LIBRARY));
        if (compatibility != null) {
            compatibility.validate(pgMajor);
        }
        if (build != null && build.sourceUrl() != null) {
            checkSourceUrl(build.sourceUrl());
        }
        if (license == null || license.isBlank() || license.length() > 256) {
            throw new InvalidManifestException("license", "is required: an SPDX license expression such as PostgreSQL or MIT");
        }
        Set<String> seen = new HashSet<>();
        for (FileEntry f : files) {
            if (f == null || f.path() == null || !seen.add(f.path())) {
                throw new InvalidManifestException("files", "has a missing or repeated path: " + (f == null ? null : f.path()));
            }
            if (!BundleLayout.isAllowedFile(f.path()) || f.path().equals(BundleLayout.MANIFEST)) {
                throw new InvalidManifestException("files", "'" + f.path() + "' is outside the bundle layout (" + BundleLayout.describe() + ")");
            }
            if (f.isSymlink()) {
                if (!"0777".equals(f.mode()) || f.size() != 0 || f.sha256() != null) {
                    throw new InvalidManifestException("files", "'" + f.path() + "': a symbolic link has mode 0777, size 0 and no sha256");
                }
            } else if (!("0644".equals(f.mode()) || "0755".equals(f.mode())) || f.size() < 0 || !BundleAddress.isValidSha256(f.sha256())) {
                throw new InvalidManifestException("files", "'" + f.path() + "' needs mode 0644 or 0755, a size >= 0 and a 64-hex sha256");
            }
        }
        for (String ext : extensions) {
            if (!files.isEmpty() && !seen.contains(BundleLayout.EXTENSION_DIR + "/" + ext + ".control")) {
                throw new InvalidManifestException("extensions", "'" + ext + "' has no share/extension/" + ext + ".control in files");
            }
        }
        for (FileEntry f : files) {
            // every control file is listed: the registry stores each beside the bundle under its name,
            // and owns, serves and checks exactly the names listed (a name off the list escaped all that)
            String control = BundleLayout.controlName(f.path());
            if (control != null && !extensions.contains(control)) {
                throw new InvalidManifestException("extensions", "does not list '" + control + "', but the bundle carries "
                        + f.path() + "; list every control file, each named like " + CONTROL_NAME.pattern());
            }
        }
        return this;
    }

    /** An absolute http(s) URL of printable ASCII: it ends up in image annotations other tools display. */
    private static void checkSourceUrl(String url) {
        boolean printable = url.length() <= BuildInputs.MAX_SOURCE_URL && url.chars().allMatch(c -> c > 0x20 && c < 0x7f);
        URI uri = null;
        if (printable) {
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                uri = null;
            }
        }
        if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new InvalidManifestException("build.source_url", "must be an absolute http or https URL of at most "
                    + BuildInputs.MAX_SOURCE_URL + " printable ASCII characters");
        }
    }

    private static void requirePattern(String field, String value, Pattern pattern) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new InvalidManifestException(field, "'" + value + "' must match " + pattern.pattern());
        }
    }

    /** Parses and validates; unknown fields are ignored, a newer meta_format is refused. */
    public static BundleManifest parse(byte[] json) {
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (IOException e) {
            throw new InvalidManifestException("manifest.json", "is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new InvalidManifestException("manifest.json", "must be a JSON object");
        }
        JsonNode format = tree.get("meta_format");
        if (format == null || !format.canConvertToInt()) {
            throw new InvalidManifestException("meta_format", "is required and must be the integer " + META_FORMAT);
        }
        if (format.asInt() > META_FORMAT) {
            throw new InvalidManifestException("meta_format", "is " + format.asInt() + " but this extfarm reads "
                    + META_FORMAT + "; upgrade extfarm to read this bundle", true);
        }
        try {
            return JSON.treeToValue(tree, BundleManifest.class).validate();
        } catch (InvalidManifestException e) {
            throw e;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            Throwable cause = e.getCause() instanceof InvalidManifestException ime ? ime : e;
            if (cause instanceof InvalidManifestException ime) {
                throw ime;
            }
            throw new InvalidManifestException("manifest.json", firstLine(e.getMessage()));
        }
    }

    public static BundleManifest parse(String json) {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Canonical bytes: fixed field order, sorted files, two-space indent, trailing newline. */
    public byte[] toJson() {
        try {
            return (JSON.writeValueAsString(this) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("manifest cannot be serialised", e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Builder for callers that fill a manifest field by field (CLI, worker). */
    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String name;
        private String version;
        private int pgMajor;
        private Platform platform;
        private String defaultVersion;
        private List<String> extensions = new ArrayList<>();
        private List<String> requires = new ArrayList<>();
        private List<String> libraries = new ArrayList<>();
        private boolean sharedPreload;
        private boolean preload;
        private List<String> bundledLibraries = new ArrayList<>();
        private List<String> systemLibraries = new ArrayList<>();
        private String license;
        private List<String> licenses = new ArrayList<>();
        private String sbom;
        private BuildInputs build;
        private Compatibility compatibility;

        public Builder name(String v) { this.name = v; return this; }
        public Builder version(String v) { this.version = v; return this; }
        public Builder pgMajor(int v) { this.pgMajor = v; return this; }
        public Builder platform(Platform v) { this.platform = v; return this; }
        public Builder defaultVersion(String v) { this.defaultVersion = v; return this; }
        public Builder extensions(List<String> v) { this.extensions = new ArrayList<>(v); return this; }
        public Builder requires(List<String> v) { this.requires = new ArrayList<>(v); return this; }
        public Builder libraries(List<String> v) { this.libraries = new ArrayList<>(v); return this; }
        public Builder sharedPreload(boolean v) { this.sharedPreload = v; return this; }
        public Builder preload(boolean v) { this.preload = v; return this; }
        public Builder bundledLibraries(List<String> v) { this.bundledLibraries = new ArrayList<>(v); return this; }
        public Builder systemLibraries(List<String> v) { this.systemLibraries = new ArrayList<>(v); return this; }
        public Builder license(String v) { this.license = v; return this; }
        public Builder licenses(List<String> v) { this.licenses = new ArrayList<>(v); return this; }
        public Builder sbom(String v) { this.sbom = v; return this; }
        public Builder build(BuildInputs v) { this.build = v; return this; }
        public Builder compatibility(Compatibility v) { this.compatibility = v; return this; }

        /** Without files: {@link BundleWriter} lists them when it packs. */
        public BundleManifest build() {
            return new BundleManifest(META_FORMAT, name, version, pgMajor, platform, defaultVersion, extensions, requires,
                    libraries, sharedPreload, preload, bundledLibraries, systemLibraries, compatibility, license, licenses, sbom, build, List.of());
        }
    }
}
