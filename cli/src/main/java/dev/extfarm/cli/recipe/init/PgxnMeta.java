package dev.extfarm.cli.recipe.init;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code recipe init --from-pgxn} reads from a PGXN META.json, v1 (PGXN Meta Spec 1.0) or v2
 * (RFC 3, Meta Spec 2.0). Only the fields a recipe can use are read, and each is type-checked:
 * a malformed file is refused with its JSON path and the reason.
 *
 * @param dependencies v1 {@code prereqs.<phase>.<relationship>} entries (keys are extension names
 *     or "PostgreSQL"), v2 {@code dependencies.packages.<phase>.<relationship>} entries (keys are purls)
 * @param modulePreload v2 {@code contents.modules.*.preload}: "server" or "session"
 */
record PgxnMeta(
        int specMajor,
        String name,
        String version,
        String abstractText,
        Optional<String> homepage,
        JsonNode license,
        Optional<Range> postgres,
        List<Dependency> dependencies,
        List<String> extensions,
        List<String> modulePreload,
        Optional<String> pipeline,
        List<String> postgresWith,
        boolean hasVariations) {

    record Range(String range, String path) {
    }

    record Dependency(String phase, String relationship, String key, String versionRange, String path) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    static PgxnMeta read(Path file) throws MetaJsonException, IOException {
        JsonNode root;
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length > 1 << 20) {
                throw new MetaJsonException(file, "$", "larger than 1 MiB; not a META.json");
            }
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new MetaJsonException(file, at == null ? "$" : at.getLineNr() + ":" + at.getColumnNr(),
                    "not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new MetaJsonException(file, "$", "empty file; a META.json is a JSON object");
        }
        return new Reader(file).read(root);
    }

    /** Reads with the JSON path of every value at hand, for error messages. */
    private static final class Reader {
        private final Path file;

        Reader(Path file) {
            this.file = file;
        }

        PgxnMeta read(JsonNode root) throws MetaJsonException {
            object(root, "$");
            JsonNode spec = root.get("meta-spec");
            if (spec == null) {
                throw new MetaJsonException(file, "$.meta-spec", "is required ({\"version\": \"1.0.0\"} or \"2.0.0\")");
            }
            object(spec, "$.meta-spec");
            String specVersion = string(spec, "version", "$.meta-spec", true).orElseThrow();
            int major;
            if (specVersion.matches("1(\\..*)?")) {
                major = 1;
            } else if (specVersion.matches("2(\\..*)?")) {
                major = 2;
            } else {
                throw new MetaJsonException(file, "$.meta-spec.version", "'" + specVersion + "' is not a PGXN Meta Spec version this "
                        + "command knows (1.x or 2.x)");
            }
            String name = string(root, "name", "$", true).orElseThrow();
            String version = string(root, "version", "$", true).orElseThrow();
            String abstractText = string(root, "abstract", "$", true).orElseThrow();
            JsonNode license = root.get("license");
            if (license == null) {
                throw new MetaJsonException(file, "$.license", "is required");
            }
            if (major == 2 ? !license.isTextual() : !(license.isTextual() || license.isArray() || license.isObject())) {
                throw new MetaJsonException(file, "$.license", major == 2 ? "must be an SPDX expression string (found "
                        + kind(license) + ")" : "must be a string, a list of strings or an object (found " + kind(license) + ")");
            }
            if (license.isArray()) {
                for (int i = 0; i < license.size(); i++) {
                    if (!license.get(i).isTextual()) {
                        throw new MetaJsonException(file, "$.license[" + i + "]", "must be a string (found " + kind(license.get(i)) + ")");
                    }
                }
            }
            Optional<String> homepage = Optional.empty();
            JsonNode resources = root.get("resources");
            if (resources != null) {
                object(resources, "$.resources");
                homepage = string(resources, "homepage", "$.resources", false);
            }
            return major == 1 ? v1(root, name, version, abstractText, homepage, license)
                    : v2(root, name, version, abstractText, homepage, license);
        }

        private PgxnMeta v1(JsonNode root, String name, String version, String abstractText, Optional<String> homepage, JsonNode license)
                throws MetaJsonException {
            List<Dependency> deps = new ArrayList<>();
            Optional<Range> postgres = Optional.empty();
            JsonNode prereqs = root.get("prereqs");
            if (prereqs != null) {
                for (Map.Entry<String, JsonNode> phase : fields(prereqs, "$.prereqs")) {
                    String phasePath = "$.prereqs." + phase.getKey();
                    for (Map.Entry<String, JsonNode> rel : fields(phase.getValue(), phasePath)) {
                        String relPath = phasePath + "." + rel.getKey();
                        for (Map.Entry<String, JsonNode> req : fields(rel.getValue(), relPath)) {
                            String path = relPath + "." + req.getKey();
                            String range = versionRange(req.getValue(), path);
                            if (req.getKey().equals("PostgreSQL") && rel.getKey().equals("requires")
                                    && (phase.getKey().equals("runtime") || postgres.isEmpty())) {
                                postgres = Optional.of(new Range(range, path));
                            } else {
                                deps.add(new Dependency(phase.getKey(), rel.getKey(), req.getKey(), range, path));
                            }
                        }
                    }
                }
            }
            List<String> extensions = new ArrayList<>();
            JsonNode provides = root.get("provides");
            if (provides != null) {
                fields(provides, "$.provides").forEach(e -> extensions.add(e.getKey()));
            }
            return new PgxnMeta(1, name, version, abstractText, homepage, license, postgres, deps, extensions, List.of(),
                    Optional.empty(), List.of(), false);
        }

        private PgxnMeta v2(JsonNode root, String name, String version, String abstractText, Optional<String> homepage, JsonNode license)
                throws MetaJsonException {
            List<Dependency> deps = new ArrayList<>();
            Optional<Range> postgres = Optional.empty();
            Optional<String> pipeline = Optional.empty();
            List<String> with = new ArrayList<>();
            boolean variations = false;
            JsonNode d = root.get("dependencies");
            if (d != null) {
                object(d, "$.dependencies");
                JsonNode pg = d.get("postgres");
                if (pg != null) {
                    object(pg, "$.dependencies.postgres");
                    if (pg.get("version") == null) {
                        throw new MetaJsonException(file, "$.dependencies.postgres.version", "is required");
                    }
                    postgres = Optional.of(new Range(versionRange(pg.get("version"), "$.dependencies.postgres.version"),
                            "$.dependencies.postgres.version"));
                    JsonNode w = pg.get("with");
                    if (w != null) {
                        if (!w.isArray()) {
                            throw new MetaJsonException(file, "$.dependencies.postgres.with", "must be a list (found " + kind(w) + ")");
                        }
                        w.forEach(x -> with.add(x.asText()));
                    }
                }
                pipeline = string(d, "pipeline", "$.dependencies", false);
                variations = d.has("variations");
                JsonNode packages = d.get("packages");
                if (packages != null) {
                    for (Map.Entry<String, JsonNode> phase : fields(packages, "$.dependencies.packages")) {
                        String phasePath = "$.dependencies.packages." + phase.getKey();
                        for (Map.Entry<String, JsonNode> rel : fields(phase.getValue(), phasePath)) {
                            String relPath = phasePath + "." + rel.getKey();
                            for (Map.Entry<String, JsonNode> req : fields(rel.getValue(), relPath)) {
                                String path = relPath + "[\"" + req.getKey() + "\"]";
                                deps.add(new Dependency(phase.getKey(), rel.getKey(), req.getKey(), versionRange(req.getValue(), path), path));
                            }
                        }
                    }
                }
            }
            List<String> extensions = new ArrayList<>();
            List<String> preload = new ArrayList<>();
            JsonNode contents = root.get("contents");
            if (contents != null) {
                object(contents, "$.contents");
                JsonNode exts = contents.get("extensions");
                if (exts != null) {
                    fields(exts, "$.contents.extensions").forEach(e -> extensions.add(e.getKey()));
                }
                JsonNode modules = contents.get("modules");
                if (modules != null) {
                    for (Map.Entry<String, JsonNode> m : fields(modules, "$.contents.modules")) {
                        object(m.getValue(), "$.contents.modules." + m.getKey());
                        string(m.getValue(), "preload", "$.contents.modules." + m.getKey(), false).ifPresent(preload::add);
                    }
                }
            }
            return new PgxnMeta(2, name, version, abstractText, homepage, license, postgres, deps, extensions, preload,
                    pipeline, with, variations);
        }

        /** A version range is a string, or the number 0 ("any version"). */
        private String versionRange(JsonNode v, String path) throws MetaJsonException {
            if (v.isTextual()) {
                return v.asText();
            }
            if (v.isNumber()) {
                return v.asText();
            }
            throw new MetaJsonException(file, path, "must be a version range such as \">= 14.0\" or 0 (found " + kind(v) + ")");
        }

        private Optional<String> string(JsonNode parent, String key, String parentPath, boolean required) throws MetaJsonException {
            JsonNode v = parent.get(key);
            String path = parentPath + "." + key;
            if (v == null || v.isNull()) {
                if (required) {
                    throw new MetaJsonException(file, path, "is required");
                }
                return Optional.empty();
            }
            if (!v.isTextual()) {
                throw new MetaJsonException(file, path, "must be a string (found " + kind(v) + ")");
            }
            if (required && v.asText().isBlank()) {
                throw new MetaJsonException(file, path, "must not be empty");
            }
            return Optional.of(v.asText());
        }

        private void object(JsonNode v, String path) throws MetaJsonException {
            if (!v.isObject()) {
                throw new MetaJsonException(file, path, "must be an object (found " + kind(v) + ")");
            }
        }

        private List<Map.Entry<String, JsonNode>> fields(JsonNode v, String path) throws MetaJsonException {
            object(v, path);
            List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().matches("[xX]_.*")) { // custom keys, free by the spec
                    out.add(e);
                }
            }
            return out;
        }
    }

    private static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> v.getNodeType().name().toLowerCase();
        };
    }
}
