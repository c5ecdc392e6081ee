package dev.extfarm.registry.names;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * PostgreSQL's own extension and module names (core and contrib, and the procedural languages),
 * for every major the farm serves: {@code postgresql-names.txt} beside this class, listed from real
 * installations (PostgresqlNamesTest keeps it honest). No bundle may carry one: a bundle's
 * {@code plpgsql.control} or {@code lib/plpgsql.so} would shadow PostgreSQL itself on every node.
 */
public final class PostgresqlNames {

    /** One line of the list. {@code pack} is the Debian package when it is not postgresql-{major} itself, else null. */
    public record Entry(int major, NameKind kind, String name, String pack) {
    }

    public static final String RESOURCE = "postgresql-names.txt";
    private static final List<Entry> ENTRIES = load();
    private static final Map<String, Set<Integer>> RESERVED = index(ENTRIES);

    private PostgresqlNames() {
    }

    public static List<Entry> entries() {
        return ENTRIES;
    }

    /** The majors that ship this name, e.g. {@code [15, 17, 18]}; empty when PostgreSQL has no such name. */
    public static Optional<Set<Integer>> majorsShipping(NameKind kind, String name) {
        return Optional.ofNullable(RESERVED.get(kind.id() + " " + name));
    }

    private static Map<String, Set<Integer>> index(List<Entry> entries) {
        Map<String, Set<Integer>> out = new TreeMap<>();
        for (Entry e : entries) {
            out.computeIfAbsent(e.kind().id() + " " + e.name(), k -> new TreeSet<>()).add(e.major());
        }
        out.replaceAll((k, v) -> Set.copyOf(v));
        return Map.copyOf(out);
    }

    static List<Entry> load() {
        try (InputStream in = PostgresqlNames.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the registry's classpath");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Entry> parse(BufferedReader lines) throws IOException {
        List<Entry> out = new ArrayList<>();
        int n = 0;
        for (String line; (line = lines.readLine()) != null; ) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\\s+");
            if (f.length < 3 || f.length > 4) {
                throw new IllegalStateException(RESOURCE + ":" + n + ": expected '<major> <kind> <name> [<package>]', got '" + line + "'");
            }
            out.add(new Entry(Integer.parseInt(f[0]), NameKind.of(f[1]), f[2], f.length == 4 ? f[3] : null));
        }
        return List.copyOf(out);
    }
}
