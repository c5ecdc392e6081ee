package dev.extfarm.worker.pipeline;

import dev.extfarm.bundle.Compatibility;
import dev.extfarm.bundle.elf.ElfDynamic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A bundle's compatibility floors ({@link Compatibility}): the PostgreSQL version of the build
 * image's server, the server symbols the bundle's modules and programs import, and the newest
 * glibc symbol version its ELF files need.
 *
 * <p>The bundle's ELF files are the build's output: they are read here, on the collected tree,
 * with {@link ElfDynamic} (bounds-checked, never executed). A server symbol is an unversioned
 * global import of a {@code lib/} file (modules are loaded into postgres; programs in {@code bin/}
 * are not, and libpq resolves what they share with it) that no ELF file of the bundle defines
 * (bundled libraries resolve their own) and that the build image's {@code postgres} exports:
 * what a system library provides is not exported by {@code postgres}, and what neither provides
 * would have failed the smoke test. The build image is the farm's own: its {@code pg_config
 * --version} and {@code nm -D} of its {@code postgres} are read once per image and cached.
 */
final class CompatibilityFloors {

    /** The build image's server: its version ({@code 15.20}) and the symbols its {@code postgres} exports. */
    record Server(String version, Set<String> exports) {
    }

    private static final Pattern PG_CONFIG_VERSION = Pattern.compile("PostgreSQL ([0-9]{1,2}(?:\\.[0-9]{1,4}|(?:beta|rc)[0-9]{1,2}|devel))\\b.*");

    private final DockerCli docker;
    private final Map<String, Server> servers = new ConcurrentHashMap<>();

    CompatibilityFloors(DockerCli docker) {
        this.docker = docker;
    }

    /** The floors of the collected {@code tree}, built in {@code buildImage} for {@code pgMajor}. */
    Compatibility of(Path tree, String buildImage, int pgMajor) throws IOException, InterruptedException {
        return of(tree, server(buildImage, pgMajor));
    }

    static Compatibility of(Path tree, Server server) throws IOException {
        Set<String> imports = new TreeSet<>();
        Set<String> defined = new TreeSet<>();
        Set<String> versions = new TreeSet<>();
        Path lib = tree.resolve("lib");
        for (Path f : elfFiles(tree)) {
            ElfDynamic d = ElfDynamic.read(f).orElse(null);
            if (d == null) {
                continue; // an ELF header the reader cannot follow: the smoke test loaded what matters
            }
            if (f.startsWith(lib)) { // a program (bin/) runs on its own: its libraries (libpq), not postgres, resolve it
                imports.addAll(d.imports());
            }
            defined.addAll(d.exports());
            versions.addAll(d.versionsNeeded());
        }
        imports.removeAll(defined);
        imports.retainAll(server.exports());
        return new Compatibility(server.version(), Compatibility.newestGlibc(versions).orElse(null), new ArrayList<>(imports));
    }

    /** Regular ELF files under lib/ and bin/ (links are other names of the same files), sorted. */
    static List<Path> elfFiles(Path tree) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String dir : List.of("lib", "bin")) {
            Path d = tree.resolve(dir);
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(d)) {
                for (Path p : s.sorted().toList()) {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && ElfDynamic.isElf(p)) {
                        out.add(p);
                    }
                }
            }
        }
        return out;
    }

    Server server(String buildImage, int pgMajor) throws IOException, InterruptedException {
        String key = buildImage + "\n" + pgMajor;
        Server known = servers.get(key);
        if (known != null) {
            return known;
        }
        String bin = "/usr/lib/postgresql/" + pgMajor + "/bin";
        List<String> lines = new ArrayList<>();
        // one container: the version, then the dynamic symbols postgres defines ("<value> <type> <name>")
        DockerCli.Result r = docker.run(List.of("--network", "none"), buildImage, List.of("sh", "-c",
                "\"$0\"/pg_config --version && nm -D --defined-only \"$0\"/postgres", bin), Duration.ofMinutes(2), lines::add);
        if (r.exitCode() != 0 || r.timedOut() || lines.isEmpty()) {
            throw new IOException("cannot read the server of " + buildImage + " (pg_config --version, nm -D postgres): "
                    + String.join("\n", lines.subList(0, Math.min(lines.size(), 20))));
        }
        Server server = parse(lines, pgMajor);
        servers.put(key, server);
        return server;
    }

    static Server parse(List<String> lines, int pgMajor) throws IOException {
        Matcher v = PG_CONFIG_VERSION.matcher(lines.get(0).strip());
        if (!v.matches() || !v.group(1).matches(pgMajor + "[^0-9].*")) {
            throw new IOException("the build image's pg_config --version said '" + lines.get(0) + "', not PostgreSQL " + pgMajor);
        }
        Set<String> exports = new TreeSet<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 2) {
                String name = f[f.length - 1];
                int at = name.indexOf('@');
                exports.add(at > 0 ? name.substring(0, at) : name);
            }
        }
        if (exports.size() < 1000) { // postgres exports about 10,000: fewer means nm did not read it
            throw new IOException("nm -D listed only " + exports.size() + " symbols of the build image's postgres");
        }
        return new Server(v.group(1), exports);
    }
}
