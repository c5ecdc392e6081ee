package dev.extfarm.worker.job;

import dev.extfarm.worker.pipeline.BuildImages;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The configured targets whose images the local engine has, as the worker claims for them. A
 * target whose images are not there yet (`extfarm up` builds the other targets' images while the
 * first target's builds run) is looked up again every {@code recheck}: the worker serves it as soon
 * as its images appear, and meanwhile serves the others. Once found, a target's images stay
 * resolved for the worker's life, as before.
 */
final class ServedTargets {

    /** Finds a target's images, or says why not (ImageCatalog#resolve). */
    interface Resolver {
        BuildImages resolve(String target) throws IOException, InterruptedException;
    }

    private final List<String> targets;
    private final Resolver resolver;
    private final Duration recheck;
    private final Consumer<String> log;
    private final Map<String, BuildImages> found = new LinkedHashMap<>();
    private final Set<String> reported = new HashSet<>();
    private long nextLookup;

    ServedTargets(List<String> targets, Resolver resolver, Duration recheck, Consumer<String> log) {
        this.targets = List.copyOf(targets);
        this.resolver = resolver;
        this.recheck = recheck;
        this.log = log;
        this.nextLookup = System.nanoTime(); // the first call looks
    }

    /** The targets served now, in configured order; looks for the missing ones when {@code recheck} has passed. */
    Collection<BuildImages> current() throws InterruptedException {
        long now = System.nanoTime();
        if (found.size() < targets.size() && now - nextLookup >= 0) {
            nextLookup = now + recheck.toNanos();
            for (String target : targets) {
                if (found.containsKey(target)) {
                    continue;
                }
                try {
                    found.put(target, resolver.resolve(target));
                    log.accept("serves " + target + (reported.contains(target) ? " (its images are there now)" : ""));
                } catch (IOException e) {
                    if (reported.add(target)) { // once per target, not every few seconds
                        log.accept("does not serve " + target + " yet: " + e.getMessage() + "; looking again every "
                                + recheck.toSeconds() + " s");
                    }
                }
            }
        }
        return List.copyOf(found.values());
    }
}
