package dev.extfarm.fetcher;

import dev.extfarm.bundle.BundleManifest;
import java.math.BigDecimal;

/**
 * One-time work of a fresh JVM that would otherwise fall on the critical path of a one-shot
 * {@code install} or {@code prepare}, started on a spare core as the first thing {@code main} does:
 * <ul>
 *   <li>{@link BigDecimal}'s class initializer. Jackson's parser base class holds BigDecimal
 *       constants, so the first JSON parse (the compute spec, on the main thread) initializes it,
 *       and since JDK 25 that initializer computes 5^(2^16) (a table for fast conversions): 70-80 ms
 *       of interpreted BigInteger arithmetic, plus C2 compiling BigInteger's loops meanwhile.</li>
 *   <li>Jackson's deserializer for the bundle manifest: built on the first bundle's manifest (the
 *       first tar entry), introspecting the manifest's record classes (reflection, annotation
 *       proxies: classes the AOT cache cannot hold), while the download waits for the reader; and
 *       the manifest entry record's {@code equals} (an invokedynamic call site, linked on first use).</li>
 * </ul>
 * Nothing here decides anything or keeps state: the real parse does the same work itself if this
 * thread has not finished (class initialization is one-at-a-time, Jackson's caches are thread-safe),
 * and every error is ignored.
 */
final class StartupWarmUp {

    /** Parses as a manifest: builds the deserializer, then fails validation (ignored). */
    static final String MINIMAL_MANIFEST = "{\"meta_format\": 1}";

    private StartupWarmUp() {
    }

    /** Starts the daemon thread {@code fetch-startup-warm-up}; returns it (tests join it). */
    static Thread start() {
        Thread t = new Thread(StartupWarmUp::run, "fetch-startup-warm-up");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Whether {@code args}' command does enough work (a spec, bundles) for the warm-up to pay. */
    static boolean pays(String[] args) {
        return args.length > 0 && switch (args[0]) {
            case "install", "prepare", "serve" -> true;
            default -> false;
        };
    }

    static void run() {
        try {
            BigDecimal.ONE.signum();
            // a record's equals is an invokedynamic call site, linked (method-handle classes spun) on first use:
            // the reader compares every file it unpacks with the manifest's entry
            BundleManifest.FileEntry.file("warm-up", 0, null, false).equals(BundleManifest.FileEntry.symlink("warm-up", "x"));
            BundleManifest.parse(MINIMAL_MANIFEST);
        } catch (RuntimeException ignored) {
            // the minimal manifest is refused by validation, after the deserializer was built
        }
    }
}
