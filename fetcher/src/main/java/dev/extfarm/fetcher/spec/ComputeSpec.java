package dev.extfarm.fetcher.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.fetcher.FetchException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The compute spec a fetcher reads, exactly as DESIGN.md gives it: one entry per bundle the
 * tenant may use, each with a short-lived {@code link} and {@code control_link}. Unknown fields are
 * ignored; a higher {@code meta_format} is refused. {@link #parse} checks every name that later
 * becomes part of a file name.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ComputeSpec(int metaFormat, String tenant, int pgMajor, String platform, String generatedAt,
                          String expiresAt, List<Entry> extensions) {

    public static final int META_FORMAT = 1;
    static final Pattern CONTROL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}");
    static final Pattern LIBRARY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}");
    static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+~_-]{0,63}");

    /** Jackson's streaming parser only: {@link #parse} builds no data-binding mapper (see {@link #fromTree}). */
    private static final JsonFactory PARSER = new JsonFactory();

    /** A mapper for the fetcher's JSON (state files, problem bodies), created on first use. */
    public static ObjectMapper json() {
        return Json.MAPPER;
    }

    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);
    }

    public ComputeSpec {
        extensions = extensions == null ? List.of() : List.copyOf(extensions);
    }

    /**
     * One bundle the tenant may use ({@code extension_name} is the bundle name).
     *
     * @param updates  the update scripts the bundle carries, per extension it carries: control name →
     *                 {@code ["<from>--<to>", …]} (its {@code share/extension/<control>--<from>--<to>.sql});
     *                 null when the spec does not say (older registries)
     * @param versions newer approved versions of the same bundle the tenant may use, newest first, each an
     *                 entry of the same shape (without {@code versions} of its own); the entry itself is
     *                 the version a node installs, the others are there for {@code ALTER EXTENSION … UPDATE TO}
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Entry(String extensionName, String version, String sha256, long size, String link, String controlLink,
                        String signatureLink, List<String> extensions, List<String> libraries, List<String> requires, boolean sharedPreload,
                        boolean preload, List<String> systemLibraries, String control, Map<String, List<String>> updates,
                        List<Entry> versions, Map<String, String> otherControls) {

        public Entry {
            otherControls = otherControls == null ? Map.of() : Map.copyOf(otherControls);
            libraries = libraries == null ? List.of() : List.copyOf(libraries);
            // no extensions listed: the bundle's name (older specs); a library bundle lists none and its libraries
            extensions = extensions == null || extensions.isEmpty()
                    ? (extensionName == null || extensions != null && !libraries.isEmpty() ? List.of() : List.of(extensionName))
                    : List.copyOf(extensions);
            requires = requires == null ? List.of() : List.copyOf(requires);
            systemLibraries = systemLibraries == null ? List.of() : List.copyOf(systemLibraries);
            if (updates != null) {
                Map<String, List<String>> u = new LinkedHashMap<>();
                updates.forEach((k, v) -> u.put(k, v == null ? List.of() : List.copyOf(v)));
                updates = java.util.Collections.unmodifiableMap(u);
            }
            versions = versions == null ? List.of() : List.copyOf(versions);
        }

        /** An entry without the inline control files of the other extensions it carries (a single-extension bundle, or an older registry). */
        public Entry(String extensionName, String version, String sha256, long size, String link, String controlLink,
                     String signatureLink, List<String> extensions, List<String> libraries, List<String> requires, boolean sharedPreload,
                     boolean preload, List<String> systemLibraries, String control, Map<String, List<String>> updates,
                     List<Entry> versions) {
            this(extensionName, version, sha256, size, link, controlLink, signatureLink, extensions, libraries, requires, sharedPreload,
                    preload, systemLibraries, control, updates, versions, null);
        }

        /** An entry without update scripts or other versions (a spec of a registry that does not list them). */
        public Entry(String extensionName, String version, String sha256, long size, String link, String controlLink,
                     String signatureLink, List<String> extensions, List<String> libraries, List<String> requires, boolean sharedPreload,
                     boolean preload, List<String> systemLibraries, String control) {
            this(extensionName, version, sha256, size, link, controlLink, signatureLink, extensions, libraries, requires, sharedPreload,
                    preload, systemLibraries, control, null, null);
        }

        /** An entry without the inline {@code control} text (phase 1 then fetches {@code control_link}). */
        public Entry(String extensionName, String version, String sha256, long size, String link, String controlLink,
                     String signatureLink, List<String> extensions, List<String> libraries, List<String> requires, boolean sharedPreload,
                     boolean preload, List<String> systemLibraries) {
            this(extensionName, version, sha256, size, link, controlLink, signatureLink, extensions, libraries, requires, sharedPreload,
                    preload, systemLibraries, null);
        }

        /** An entry without a {@code signature_link} (the signature is then looked for beside {@code link}). */
        public Entry(String extensionName, String version, String sha256, long size, String link, String controlLink,
                     List<String> extensions, List<String> libraries, List<String> requires, boolean sharedPreload,
                     boolean preload, List<String> systemLibraries) {
            this(extensionName, version, sha256, size, link, controlLink, null, extensions, libraries, requires, sharedPreload,
                    preload, systemLibraries);
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
            return new Entry(extensionName, version, sha256, size, newLink, newControlLink, newSignatureLink, extensions, libraries,
                    requires, sharedPreload, preload, systemLibraries, control, updates, versions, otherControls);
        }

        /** A copy listing these update scripts and newer versions. */
        public Entry withUpdates(Map<String, List<String>> newUpdates, List<Entry> newVersions) {
            return new Entry(extensionName, version, sha256, size, link, controlLink, signatureLink, extensions, libraries,
                    requires, sharedPreload, preload, systemLibraries, control, newUpdates, newVersions, otherControls);
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

    public static ComputeSpec parse(byte[] json, String source) throws FetchException {
        Object root;
        try (JsonParser p = PARSER.createParser(json)) {
            root = p.nextToken() == null ? null : value(p);
        } catch (IOException e) {
            throw invalid(source, "is not valid JSON: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (!(root instanceof Map<?, ?> tree)) {
            throw invalid(source, "must be a JSON object");
        }
        Object format = tree.get("meta_format");
        if (!(format instanceof Integer f)) {
            throw invalid(source, "needs \"meta_format\": " + META_FORMAT);
        }
        if (f > META_FORMAT) {
            throw invalid(source, "has meta_format " + f + " but this fetcher reads " + META_FORMAT
                    + "; upgrade extfarm on this node");
        }
        ComputeSpec spec = fromTree(tree, source);
        spec.validate(source);
        return spec;
    }

    /** The JSON value at the parser's current token: Map, List, String, Integer/Long/BigInteger, Double, Boolean or null. */
    private static Object value(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    p.nextToken();
                    m.put(k, value(p));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return p.getBooleanValue();
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new JsonParseException(p, "unexpected " + p.currentToken());
        }
    }

    /*
     * The fields read by hand from the parsed JSON, not by Jackson's data binding: creating a mapper
     * and binding two records the first time cost a short-lived fetcher 0.1-0.3 s of class loading
     * and reflection (`prepare` runs before every PostgreSQL start). Same rules as the binding had:
     * unknown fields ignored, null or absent is the type's empty value; a value of the wrong JSON
     * type is an error naming the field.
     */
    private static ComputeSpec fromTree(Map<?, ?> t, String source) throws FetchException {
        Object list = t.get("extensions");
        List<Entry> entries = new ArrayList<>();
        if (list != null) {
            if (!(list instanceof List<?> items)) {
                throw invalid(source, "field 'extensions' must be an array");
            }
            for (Object item : items) {
                if (!(item instanceof Map<?, ?> e)) {
                    throw invalid(source, "every element of 'extensions' must be an object");
                }
                entries.add(entry(e, source, null));
            }
        }
        return new ComputeSpec(integer(t, "meta_format", source), text(t, "tenant", source, ""), integer(t, "pg_major", source),
                text(t, "platform", source, ""), text(t, "generated_at", source, ""), text(t, "expires_at", source, ""), entries);
    }

    /** One entry; {@code parent}: the entry whose {@code versions} it is in (its name is the parent's), else null. */
    private static Entry entry(Map<?, ?> e, String source, Entry parent) throws FetchException {
        String name = parent != null ? parent.extensionName() : e.get("extension_name") instanceof String n ? n : "?";
        String where = "entry '" + name + "'" + (parent != null ? ", version '" + (e.get("version") instanceof String v ? v : "?") + "'" : "") + ": ";
        if (parent != null && e.get("extension_name") != null && !name.equals(e.get("extension_name"))) {
            throw invalid(source, where + "a version of '" + name + "' is named '" + e.get("extension_name") + "'");
        }
        Entry out = new Entry(parent != null ? name : text(e, "extension_name", source, where), text(e, "version", source, where),
                text(e, "sha256", source, where), number(e, "size", source, where), text(e, "link", source, where),
                text(e, "control_link", source, where), text(e, "signature_link", source, where),
                texts(e, "extensions", source, where), texts(e, "libraries", source, where), texts(e, "requires", source, where),
                bool(e, "shared_preload", source, where), bool(e, "preload", source, where),
                texts(e, "system_libraries", source, where), text(e, "control", source, where), updates(e, source, where), null,
                otherControls(e, source, where));
        Object vs = e.get("versions");
        if (vs == null || parent != null) {
            return out;
        }
        if (!(vs instanceof List<?> items)) {
            throw invalid(source, where + "field 'versions' must be an array");
        }
        List<Entry> versions = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof Map<?, ?> v)) {
                throw invalid(source, where + "every element of 'versions' must be an object");
            }
            versions.add(entry(v, source, out));
        }
        return out.withUpdates(out.updates(), versions);
    }

    /** {@code "other_controls": {"<control>": "<text>", …}}: the other control files a multi-extension bundle carries. */
    private static Map<String, String> otherControls(Map<?, ?> o, String source, String where) throws FetchException {
        Object v = o.get("other_controls");
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw invalid(source, where + "field 'other_controls' must be an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var x : m.entrySet()) {
            if (!(x.getKey() instanceof String k) || !(x.getValue() instanceof String text)) {
                throw invalid(source, where + "field 'other_controls' must map control names to texts");
            }
            out.put(k, text);
        }
        return out;
    }

    /** {@code "updates": {"<control>": ["<from>--<to>", …]}}, or null when absent. */
    private static Map<String, List<String>> updates(Map<?, ?> o, String source, String where) throws FetchException {
        Object v = o.get("updates");
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw invalid(source, where + "field 'updates' must be an object of arrays of strings");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (var kv : m.entrySet()) {
            out.put(String.valueOf(kv.getKey()), texts(m, String.valueOf(kv.getKey()), source, where + "updates: "));
        }
        return out;
    }

    private static String shown(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }

    private static String text(Map<?, ?> o, String field, String source, String where) throws FetchException {
        Object v = o.get(field);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        throw invalid(source, where + "field '" + field + "' must be a string");
    }

    private static long number(Map<?, ?> o, String field, String source, String where) throws FetchException {
        Object v = o.get(field);
        if (v == null) {
            return 0;
        }
        if (!(v instanceof Integer || v instanceof Long)) {
            throw invalid(source, where + "field '" + field + "' must be a whole number, was " + shown(v));
        }
        return ((Number) v).longValue();
    }

    private static int integer(Map<?, ?> o, String field, String source) throws FetchException {
        long v = number(o, field, source, "");
        if (v != (int) v) {
            throw invalid(source, "field '" + field + "' is out of range: " + v);
        }
        return (int) v;
    }

    private static boolean bool(Map<?, ?> o, String field, String source, String where) throws FetchException {
        Object v = o.get(field);
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw invalid(source, where + "field '" + field + "' must be true or false, was " + shown(v));
        }
        return b;
    }

    private static List<String> texts(Map<?, ?> o, String field, String source, String where) throws FetchException {
        Object v = o.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> items)) {
            throw invalid(source, where + "field '" + field + "' must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object x : items) {
            if (!(x instanceof String str)) {
                throw invalid(source, where + "field '" + field + "' must be an array of strings, holds " + shown(x));
            }
            out.add(str);
        }
        return out;
    }

    private void validate(String source) throws FetchException {
        Map<String, String> names = new HashMap<>();
        for (Entry e : extensions) {
            if (!BundleAddress.isValidName(e.extensionName())) {
                throw invalid(source, "extension_name '" + e.extensionName() + "' must match " + BundleAddress.NAME_RULE);
            }
            String where = "entry '" + e.extensionName() + "'";
            if (names.put(e.extensionName(), e.extensionName()) != null) {
                throw invalid(source, where + " appears twice");
            }
            if (e.version() == null || !VERSION.matcher(e.version()).matches()) {
                throw invalid(source, where + ": version '" + e.version() + "' must match " + VERSION.pattern());
            }
            if (!BundleAddress.isValidSha256(e.sha256())) {
                throw invalid(source, where + ": sha256 must be 64 lowercase hex digits");
            }
            if (e.size() <= 0) {
                throw invalid(source, where + ": size must be the bundle's byte count, was " + e.size());
            }
            requireHttpUrl(source, where, "link", e.link());
            if (e.controlLink() != null) {
                requireHttpUrl(source, where, "control_link", e.controlLink());
            }
            for (String c : e.extensions()) {
                if (!CONTROL_NAME.matcher(c).matches()) {
                    throw invalid(source, where + ": extension '" + c + "' must match " + CONTROL_NAME.pattern());
                }
            }
            for (List<String> libs : List.of(e.libraries(), e.systemLibraries())) {
                for (String l : libs) {
                    if (!LIBRARY.matcher(l).matches()) {
                        throw invalid(source, where + ": library '" + l + "' must match " + LIBRARY.pattern());
                    }
                }
            }
            for (String r : e.requires()) {
                if (!CONTROL_NAME.matcher(r).matches()) {
                    throw invalid(source, where + ": requires '" + r + "' must match " + CONTROL_NAME.pattern());
                }
            }
            validateUpdates(source, where, e);
            for (Entry v : e.versions()) {
                validateVersion(source, where, v);
            }
        }
    }

    /** A version listed in an entry's {@code versions}: the same checks as an entry's, for its own fields. */
    private static void validateVersion(String source, String parent, Entry v) throws FetchException {
        String where = parent + ", version '" + v.version() + "'";
        if (v.version() == null || !VERSION.matcher(v.version()).matches()) {
            throw invalid(source, parent + ": a version '" + v.version() + "' in 'versions' must match " + VERSION.pattern());
        }
        if (!BundleAddress.isValidSha256(v.sha256())) {
            throw invalid(source, where + ": sha256 must be 64 lowercase hex digits");
        }
        if (v.size() <= 0) {
            throw invalid(source, where + ": size must be the bundle's byte count, was " + v.size());
        }
        requireHttpUrl(source, where, "link", v.link());
        if (v.controlLink() != null) {
            requireHttpUrl(source, where, "control_link", v.controlLink());
        }
        for (String c : v.extensions()) {
            if (!CONTROL_NAME.matcher(c).matches()) {
                throw invalid(source, where + ": extension '" + c + "' must match " + CONTROL_NAME.pattern());
            }
        }
        for (List<String> libs : List.of(v.libraries(), v.systemLibraries())) {
            for (String l : libs) {
                if (!LIBRARY.matcher(l).matches()) {
                    throw invalid(source, where + ": library '" + l + "' must match " + LIBRARY.pattern());
                }
            }
        }
        for (String r : v.requires()) {
            if (!CONTROL_NAME.matcher(r).matches()) {
                throw invalid(source, where + ": requires '" + r + "' must match " + CONTROL_NAME.pattern());
            }
        }
        validateUpdates(source, where, v);
    }

    /** {@code updates}: control names of the entry's own extensions, each path two valid versions joined by {@code --}. */
    private static void validateUpdates(String source, String where, Entry e) throws FetchException {
        if (e.updates() == null) {
            return;
        }
        for (var u : e.updates().entrySet()) {
            if (!e.extensions().contains(u.getKey())) {
                throw invalid(source, where + ": updates names '" + u.getKey() + "', which is not one of its extensions " + e.extensions());
            }
            for (String path : u.getValue()) {
                String[] ends = path.split("--", -1);
                if (ends.length != 2 || !VERSION.matcher(ends[0]).matches() || !VERSION.matcher(ends[1]).matches()) {
                    throw invalid(source, where + ": update '" + path + "' of '" + u.getKey() + "' must be <from>--<to>, two versions matching "
                            + VERSION.pattern());
                }
            }
        }
    }

    private static void requireHttpUrl(String source, String where, String field, String url) throws FetchException {
        try {
            URI u = URI.create(url);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw invalid(source, where + ": " + field + " must be an http(s) URL, was '" + url + "'");
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            throw invalid(source, where + ": " + field + " is not a URL: '" + url + "'");
        }
    }

    private static FetchException invalid(String source, String what) {
        return new FetchException(FetchException.Kind.INVALID, "spec-invalid", "compute spec from " + source + " " + what);
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
            for (String c : new java.util.LinkedHashSet<>(e.extensions())) {
                carriers.computeIfAbsent("extension '" + c + "'", k -> new ArrayList<>()).add(e.extensionName());
            }
            for (String l : new java.util.LinkedHashSet<>(e.libraries())) {
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
