import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Benchmark fixture: real extension bundles made of PostgreSQL's own compiled contrib extensions
 * (control, SQL scripts, C module), each renamed to {@code x_<name>} so it can never clash with the
 * installation's own files, and repeated under further names ({@code x2_<name>} ...) until COUNT.
 * Writes them as a registry serves them and a compute spec whose links use http://127.0.0.1:PORT.
 *
 *   java -cp extfarm-fetcher.jar ContribBundles.java PG_SHARE PG_LIB COUNT PORT OUT_DIR PRELOAD,PRELOAD [inline|links]
 *
 * OUT_DIR/serve/extensions/<name>/sha-256+<hex>/{bundle.tar,<name>.control}, OUT_DIR/spec.json,
 * OUT_DIR/names (one bundle name a line, preloaded first). PRELOAD are contrib names
 * (e.g. pg_stat_statements,pg_prewarm): their bundles are shared_preload in the spec. The spec
 * carries each control file inline ({@code control}, as the registry's does) unless the last
 * argument is {@code links} (then only {@code control_link}, as registries before session 4).
 */
public class ContribBundles {
    public static void main(String[] a) throws Exception {
        Path share = Path.of(a[0]).resolve("extension");
        Path lib = Path.of(a[1]);
        int count = Integer.parseInt(a[2]);
        int port = Integer.parseInt(a[3]);
        Path out = Path.of(a[4]);
        List<String> preload = List.of(a[5].split(","));
        // contrib extensions with a C module of the same name, preloaded ones first
        List<String> real = new ArrayList<>(preload);
        try (Stream<Path> s = Files.list(share)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".control")).map(n -> n.substring(0, n.length() - 8))
                    .filter(n -> Files.exists(lib.resolve(n + ".so")) && !preload.contains(n)).sorted().forEach(real::add);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode spec = json.createObjectNode();
        spec.put("meta_format", 1).put("tenant", "bench").put("pg_major", 15).put("platform", "debian-12-amd64-glibc")
                .put("generated_at", "2026-11-23T10:00:00Z").put("expires_at", "2099-01-01T00:00:00Z");
        ArrayNode exts = spec.putArray("extensions");
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < count; i++) {
            String orig = real.get(i % real.size());
            String name = (i < real.size() ? "x_" : "x" + (i / real.size() + 1) + "_") + orig;
            Path tree = Files.createTempDirectory("bench-tree");
            Files.createDirectories(tree.resolve("share/extension"));
            Files.createDirectories(tree.resolve("lib"));
            String control = Files.readString(share.resolve(orig + ".control"))
                    .replaceAll("(?m)^\\s*module_pathname\\s*=.*$", "module_pathname = '" + name + "'");
            Files.writeString(tree.resolve("share/extension/" + name + ".control"), control);
            String version = "1.0";
            Matcher m = Pattern.compile("(?m)^\\s*default_version\\s*=\\s*'([^']*)'").matcher(control);
            if (m.find()) {
                version = m.group(1);
            }
            try (Stream<Path> s = Files.list(share)) {
                for (Path p : s.filter(p -> p.getFileName().toString().startsWith(orig + "--")).toList()) {
                    String rest = p.getFileName().toString().substring(orig.length());
                    Files.writeString(tree.resolve("share/extension/" + name + rest),
                            Files.readString(p).replace("MODULE_PATHNAME", name).replace("$libdir/" + orig + "'", name + "'"));
                }
            }
            Files.copy(lib.resolve(orig + ".so"), tree.resolve("lib/" + name + ".so"));
            boolean shared = preload.contains(orig) && i < real.size();
            var manifest = BundleManifest.builder().name(name).version(version).pgMajor(15)
                    .platform(Platform.parse("debian-12-amd64-glibc")).defaultVersion(version).extensions(List.of(name))
                    .libraries(List.of(name)).sharedPreload(shared).license("PostgreSQL").build();
            Path tmp = out.resolve(name + ".tar");
            String sha = BundleWriter.pack(tree, manifest, 1_700_000_000L, tmp).sha256();
            Path dir = Files.createDirectories(out.resolve("serve/extensions/" + name + "/sha-256+" + sha));
            Files.move(tmp, dir.resolve("bundle.tar"));
            Files.writeString(dir.resolve(name + ".control"), control);
            String base = "http://127.0.0.1:" + port + "/extensions/" + name + "/sha-256+" + sha;
            ObjectNode e = exts.addObject();
            e.put("extension_name", name).put("version", version).put("sha256", sha).put("size", Files.size(dir.resolve("bundle.tar")))
                    .put("link", base + "/bundle.tar").put("control_link", base + "/" + name + ".control");
            if (!(a.length > 6 && a[6].equals("links"))) {
                e.put("control", control);
            }
            e.putArray("extensions").add(name);
            e.putArray("libraries").add(name);
            e.putArray("requires");
            e.put("shared_preload", shared).put("preload", false);
            e.putArray("system_libraries");
            names.append(name).append('\n');
        }
        json.writerWithDefaultPrettyPrinter().writeValue(out.resolve("spec.json").toFile(), spec);
        Files.writeString(out.resolve("names"), names);
    }
}
