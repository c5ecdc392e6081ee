package dev.extfarm.fetcher.install;

import dev.extfarm.bundle.Compatibility;
import dev.extfarm.bundle.elf.ElfDynamic;
import dev.extfarm.fetcher.report.FetchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a bundle's compatibility floors ({@link Compatibility}, recorded by the builder) against
 * this node before anything of the bundle is installed: the {@code postgres} binary the fetcher
 * serves must export every server symbol the bundle's modules import, and the node's C library
 * must define the newest glibc symbol version the bundle's ELF files need. Otherwise loading the
 * module would fail with {@code undefined symbol: heap_datum_check}, which nobody can act on; the
 * refusal names the missing symbol and the minimum version instead.
 *
 * <p>The server's dynamic symbol table is read once (with {@link ElfDynamic}, never executing
 * anything but {@code postgres --version}) and cached per binary path, size and mtime, so a minor
 * upgrade in place is seen; the C library's version definitions are read from the
 * {@code libc.so.6} that {@code ldconfig -p} names (falling back to {@code ldd --version}). A
 * fetcher that does not know its {@code postgres} (files laid out for an image volume or another
 * root) checks neither: the machine it runs on is not the one that loads the bundle. A node
 * whose server or C library cannot be read installs unchecked (and says so once): a bundle
 * without floors installs as before.
 */
public final class NodeFloors {

    /** What was read of one {@code postgres} binary, and from which version of the file. */
    private record Server(Path path, long size, long mtime, String version, Set<String> exports) {
    }

    private static final Pattern POSTGRES_VERSION = Pattern.compile("postgres \\(PostgreSQL\\) ([0-9]+(?:\\.[0-9]+)?\\S*).*");
    private static final Pattern LDD_VERSION = Pattern.compile(".*\\s([0-9]+\\.[0-9]+(?:\\.[0-9]+)?)\\s*");
    private static final int NAMED = 3;

    private final Path postgres;
    private final String ldconfig;
    private final Consumer<String> log;
    private volatile Server server;
    private volatile Optional<String> libc;
    private volatile boolean saidUnchecked;

    /** {@code postgres}: the server binary this fetcher serves, or null when it does not know it (then symbols are not checked). */
    public NodeFloors(Path postgres, String ldconfig, Consumer<String> log) {
        this.postgres = postgres;
        this.ldconfig = ldconfig;
        this.log = log;
    }

    /** Throws {@code incompatible-server} or {@code incompatible-libc} when this node does not meet {@code floors} (null: none recorded). */
    public void check(String label, Compatibility floors) throws FetchException {
        if (floors == null) {
            return;
        }
        if (postgres == null) {
            // Without its server this fetcher may be laying out files for another root (an image
            // volume, a container's directory): neither the server nor the C library here is the one
            // that will load the bundle, so a refusal would be about the wrong machine.
            unchecked("the postgres binary is not known (give --pg-config, --bin-dir or --postgres)");
            return;
        }
        if (!floors.serverSymbols().isEmpty()) {
            Server s = server();
            if (s != null) {
                List<String> missing = floors.serverSymbols().stream().filter(sym -> !s.exports().contains(sym)).toList();
                if (!missing.isEmpty()) {
                    throw new FetchException(FetchException.Kind.MISSING_DEPENDENCY, "incompatible-server", label + " needs PostgreSQL "
                            + floors.builtAgainst() + " or later (built against " + floors.builtAgainst() + "; this server is "
                            + s.version() + " and does not export " + names(missing) + "); upgrade PostgreSQL to "
                            + floors.builtAgainst() + " or later; nothing was installed");
                }
            }
        }
        if (floors.glibc() != null) {
            Optional<String> have = libc();
            if (have.isPresent() && Compatibility.GLIBC_ORDER.compare(have.get(), floors.glibc()) < 0) {
                throw new FetchException(FetchException.Kind.MISSING_DEPENDENCY, "incompatible-libc", label + " needs glibc "
                        + Compatibility.glibcNumber(floors.glibc()) + " or later (its ELF files need " + floors.glibc()
                        + "; this node's C library is glibc " + Compatibility.glibcNumber(have.get())
                        + "); use a node with a newer C library, or a bundle built for this platform's release; nothing was installed");
            }
        }
    }

    private static String names(List<String> missing) {
        if (missing.size() <= NAMED) {
            return missing.size() == 1 ? missing.get(0)
                    : String.join(", ", missing.subList(0, missing.size() - 1)) + " and " + missing.get(missing.size() - 1);
        }
        return String.join(", ", missing.subList(0, NAMED)) + " and " + (missing.size() - NAMED) + " more";
    }

    /** The server, read again when its file changed; null when unknown or unreadable. */
    private Server server() {
        if (postgres == null) {
            unchecked("the postgres binary is not known (give --pg-config, --bin-dir or --postgres)");
            return null;
        }
        try {
            BasicFileAttributes a = Files.readAttributes(postgres, BasicFileAttributes.class);
            Server known = server;
            long mtime = a.lastModifiedTime().toMillis();
            if (known != null && known.size() == a.size() && known.mtime() == mtime) {
                return known;
            }
            Optional<ElfDynamic> elf = ElfDynamic.read(postgres);
            if (elf.isEmpty()) {
                unchecked(postgres + " is not an ELF file this fetcher can read");
                return null;
            }
            String version = version(postgres);
            Server s = new Server(postgres, a.size(), mtime, version, elf.get().exports());
            server = s;
            return s;
        } catch (IOException e) {
            unchecked("cannot read " + postgres + ": " + e.getMessage());
            return null;
        }
    }

    private static String version(Path postgres) {
        List<String> out = run(List.of(postgres.toString(), "--version"));
        Matcher m = out.isEmpty() ? null : POSTGRES_VERSION.matcher(out.get(0).strip());
        return m != null && m.matches() ? m.group(1) : "of unknown version";
    }

    /** The newest GLIBC_x.y this node's C library defines; empty when it cannot be told. */
    private Optional<String> libc() {
        Optional<String> known = libc;
        if (known != null) {
            return known;
        }
        Optional<String> found = Optional.empty();
        for (String line : run(List.of(ldconfig, "-p"))) {
            // "\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6"
            String t = line.strip();
            int arrow = t.indexOf("=>");
            if (t.startsWith("libc.so.6 ") && arrow > 0) {
                try {
                    found = ElfDynamic.read(Path.of(t.substring(arrow + 2).strip()))
                            .flatMap(d -> Compatibility.newestGlibc(d.versionsDefined()));
                } catch (IOException | RuntimeException e) {
                    found = Optional.empty();
                }
                if (found.isPresent()) {
                    break;
                }
            }
        }
        if (found.isEmpty()) { // "ldd (Debian GLIBC 2.36-9+deb12u14) 2.36": gnu_get_libc_version()
            List<String> ldd = run(List.of("ldd", "--version"));
            Matcher m = ldd.isEmpty() ? null : LDD_VERSION.matcher(ldd.get(0));
            if (m != null && m.matches() && ldd.get(0).toLowerCase(Locale.ROOT).contains("glibc")) {
                found = Optional.of("GLIBC_" + m.group(1));
            }
        }
        if (found.isEmpty()) {
            unchecked("this node's glibc version cannot be read (no libc.so.6 in 'ldconfig -p', no 'ldd --version')");
        }
        libc = found;
        return found;
    }

    private static List<String> run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return List.of();
            }
            return new ArrayList<>(out.lines().toList());
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private void unchecked(String why) {
        if (!saidUnchecked) {
            saidUnchecked = true;
            log.accept("compatibility floors are not fully checked on this node: " + why);
        }
    }
}
