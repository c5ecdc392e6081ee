package dev.extfarm.fetcher.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.protocol.ComputeSpec;
import dev.extfarm.protocol.ComputeSpec.Entry;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the compute spec ({@link ComputeSpec}, format in DESIGN.md) as a fetcher must: unknown
 * fields are ignored, a higher {@code meta_format} is refused, and {@link #parse} checks every name
 * that later becomes part of a file name.
 */
public final class SpecReader {

    public static final int META_FORMAT = ComputeSpec.META_FORMAT;
    static final Pattern CONTROL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}");
    static final Pattern LIBRARY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}");
    static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+~_-]{0,63}");

    private SpecReader() {
    }

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
        validate(spec, source);
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
        String bundle = parent != null ? name : text(e, "extension_name", source, where);
        List<String> extensions = texts(e, "extensions", source, where);
        List<String> libraries = texts(e, "libraries", source, where);
        // no extensions listed: the bundle's name (older specs); a library bundle lists none and its libraries
        if (extensions == null || extensions.isEmpty()) {
            extensions = bundle == null || extensions != null && libraries != null && !libraries.isEmpty() ? List.of() : List.of(bundle);
        }
        Entry out = new Entry(bundle, text(e, "version", source, where), text(e, "sha256", source, where),
                number(e, "size", source, where), text(e, "link", source, where), text(e, "control_link", source, where),
                text(e, "control", source, where), otherControls(e, source, where), text(e, "signature_link", source, where),
                extensions, libraries, texts(e, "requires", source, where), bool(e, "shared_preload", source, where),
                bool(e, "preload", source, where), texts(e, "system_libraries", source, where), updates(e, source, where), null);
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

    private static void validate(ComputeSpec spec, String source) throws FetchException {
        Map<String, String> names = new HashMap<>();
        for (Entry e : spec.extensions()) {
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
}
