package dev.extfarm.registry.names;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code postgresql-names.txt} is what real PostgreSQL installations carry: every extension and
 * module name of an installation is listed (a gap would let a bundle shadow it), and every name
 * listed for the server package is in the installation (no drift). Installations: this machine's
 * ({@code /usr/share/postgresql/<major>}, {@code /usr/lib/postgresql/<major>/lib}) and the
 * extfarm runtime images in the local Docker engine; a major with neither is skipped.
 */
class PostgresqlNamesTest {

    /** Names one installation carries, "control x" / "library y". */
    record Installation(String where, Set<String> names) {
    }

    @ParameterizedTest
    @ValueSource(ints = {15, 17, 18})
    void theListMatchesEveryInstallationOfThisMajor(int major) throws Exception {
        List<Installation> found = new ArrayList<>();
        Path share = Path.of("/usr/share/postgresql/" + major + "/extension");
        Path lib = Path.of("/usr/lib/postgresql/" + major + "/lib");
        if (Files.isDirectory(share) && Files.isDirectory(lib)) {
            found.add(new Installation("this machine", names(list(share), list(lib), list(lib.resolve("bitcode")))));
        }
        for (String image : runtimeImages(major)) {
            found.add(fromImage(image, major));
        }
        Assumptions.assumeFalse(found.isEmpty(), "no PostgreSQL " + major + " here (neither installed nor a runtime image)");

        Set<String> listed = new TreeSet<>();
        Set<String> serverPackage = new TreeSet<>();
        for (PostgresqlNames.Entry e : PostgresqlNames.entries()) {
            if (e.major() == major) {
                listed.add(e.kind().id() + " " + e.name());
                if (e.pack() == null) {
                    serverPackage.add(e.kind().id() + " " + e.name());
                }
            }
        }
        for (Installation i : found) {
            Set<String> missing = new TreeSet<>(i.names());
            missing.removeAll(listed);
            Set<String> gone = new TreeSet<>(serverPackage);
            gone.removeAll(i.names());
            assertThat(missing).as("names of PostgreSQL " + major + " (" + i.where() + ") missing from " + PostgresqlNames.RESOURCE
                    + "; add these lines:\n" + lines(major, missing)).isEmpty();
            assertThat(gone).as("names listed for PostgreSQL " + major + " that " + i.where() + " does not have; remove these lines:\n"
                    + lines(major, gone)).isEmpty();
        }
    }

    @Test
    void theListCoversTheNamesTheIssueNames() {
        for (String control : List.of("plpgsql", "pg_stat_statements", "postgres_fdw", "adminpack", "amcheck", "hstore", "plperl",
                "plpython3u", "pltcl")) {
            assertThat(PostgresqlNames.majorsShipping(NameKind.CONTROL, control)).as(control).isPresent();
        }
        for (String module : List.of("plpgsql", "dict_snowball", "libpqwalreceiver", "pgoutput", "llvmjit", "postgres", "auto_explain",
                "passwordcheck")) {
            assertThat(PostgresqlNames.majorsShipping(NameKind.LIBRARY, module)).as(module).isPresent();
        }
        assertThat(PostgresqlNames.majorsShipping(NameKind.CONTROL, "adminpack").orElseThrow()).containsExactly(15);
        assertThat(PostgresqlNames.majorsShipping(NameKind.CONTROL, "vector")).isEmpty();
        assertThat(PostgresqlNames.majorsShipping(NameKind.LIBRARY, "plpgsql").orElseThrow()).containsExactlyInAnyOrder(15, 17, 18);
    }

    private static String lines(int major, Set<String> names) {
        StringBuilder out = new StringBuilder();
        names.forEach(n -> out.append(major).append(' ').append(n).append('\n'));
        return out.toString();
    }

    /** From listings of share/extension, lib and lib/bitcode (directories end with '/'), by the rules the list states. */
    static Set<String> names(List<String> extension, List<String> lib, List<String> bitcode) {
        Set<String> out = new TreeSet<>();
        for (String f : extension) {
            if (f.endsWith(".control") && !f.contains("--")) {
                out.add("control " + f.substring(0, f.length() - ".control".length()));
            }
        }
        for (String f : lib) {
            if (f.endsWith(".so")) {
                out.add("library " + f.substring(0, f.length() - 3));
            }
        }
        for (String f : bitcode) {
            if (f.endsWith("/")) {
                out.add("library " + f.substring(0, f.length() - 1));
            } else if (f.endsWith(".index.bc")) {
                out.add("library " + f.substring(0, f.length() - ".index.bc".length()));
            }
        }
        return out;
    }

    private static List<String> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : "")).toList();
        }
    }

    private static List<String> runtimeImages(int major) throws Exception {
        List<String> out = new ArrayList<>();
        String listing = run(List.of("docker", "images", "--format", "{{.Repository}}:{{.Tag}}"));
        if (listing == null) {
            return out;
        }
        listing.lines().filter(l -> l.startsWith("extfarm/runtime:") && l.contains("-pg" + major + "-")).sorted().forEach(out::add);
        return out;
    }

    private static Installation fromImage(String image, int major) throws Exception {
        String script = "ls -1p /usr/share/postgresql/" + major + "/extension; echo '##'; ls -1p /usr/lib/postgresql/" + major
                + "/lib; echo '##'; ls -1p /usr/lib/postgresql/" + major + "/lib/bitcode 2>/dev/null; true";
        String out = run(List.of("docker", "run", "--rm", "--network", "none", image, "sh", "-c", script));
        assertThat(out).as("listing " + image).isNotNull();
        String[] parts = (out + "\n").split("##\n", -1);
        Map<Integer, List<String>> p = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            p.put(i, i < parts.length ? parts[i].lines().filter(l -> !l.isBlank()).toList() : List.of());
        }
        return new Installation(image, names(p.get(0), p.get(1), p.get(2)));
    }

    /** stdout of the command, or null when it cannot run (no Docker here) or fails. */
    private static String run(List<String> command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException noDocker) {
            return null;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return null;
        }
        return p.exitValue() == 0 ? out : null;
    }
}
