package dev.extfarm.fetcher.install;

import dev.extfarm.fetcher.report.FetchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The shared libraries this node has: the sonames {@code ldconfig -p} lists, plus the files in
 * any extra directories ({@code --system-lib-dir}, e.g. a directory on LD_LIBRARY_PATH). Read
 * once and read again whenever something seems missing, so installing the package and retrying
 * works without a restart.
 */
public final class SystemLibraries {

    private final String ldconfig;
    private final List<Path> extraDirs;
    private volatile Set<String> known;

    public SystemLibraries(String ldconfig, List<Path> extraDirs) {
        this.ldconfig = ldconfig;
        this.extraDirs = List.copyOf(extraDirs);
    }

    /** Throws naming every soname the node lacks. */
    public void check(String what, List<String> sonames) throws FetchException {
        if (sonames.isEmpty()) {
            return;
        }
        List<String> missing = missing(sonames, false);
        if (!missing.isEmpty()) {
            missing = missing(sonames, true);
        }
        if (!missing.isEmpty()) {
            throw new FetchException(FetchException.Kind.MISSING_DEPENDENCY, "system-library-missing", what
                    + " needs the system " + (missing.size() == 1 ? "library " : "libraries ") + String.join(", ", missing)
                    + ", which this node does not have (not in 'ldconfig -p'" + (extraDirs.isEmpty() ? "" : " nor in " + extraDirs)
                    + "); install the package that provides " + (missing.size() == 1 ? "it" : "them")
                    + " and retry; nothing was installed");
        }
    }

    private List<String> missing(List<String> sonames, boolean reread) {
        Set<String> have = known;
        if (have == null || reread) {
            have = load();
            known = have;
        }
        List<String> missing = new ArrayList<>();
        for (String s : sonames) {
            if (!have.contains(s)) {
                missing.add(s);
            }
        }
        return missing;
    }

    private Set<String> load() {
        Set<String> names = new HashSet<>();
        try {
            Process p = new ProcessBuilder(ldconfig, "-p").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            // "\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6"
            out.lines().map(String::strip).filter(l -> l.contains("=>")).forEach(l -> names.add(l.split("\\s+")[0]));
        } catch (IOException e) {
            // no ldconfig: only the extra directories count
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Path dir : extraDirs) {
            try (Stream<Path> s = Files.list(dir)) {
                s.forEach(f -> names.add(f.getFileName().toString()));
            } catch (IOException ignored) {
                // a missing directory has no libraries
            }
        }
        return names;
    }
}
