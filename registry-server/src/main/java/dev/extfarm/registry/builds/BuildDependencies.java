package dev.extfarm.registry.builds;

import dev.extfarm.protocol.WorkerProtocol.DependenciesResponse;
import dev.extfarm.protocol.WorkerProtocol.DependencyBundle;
import dev.extfarm.protocol.WorkerProtocol;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.names.NameKind;
import dev.extfarm.registry.names.PostgresqlNames;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves the extensions a build's bundle requires (its control files' {@code requires}) for the
 * smoke test: PostgreSQL's own ones come with the runtime image; the others are bundles this farm
 * built for the job's major and platform, found through the names they own, transitively, in the
 * order to install them (dependencies first).
 *
 * <p>A dependency's bytes end up readable by whoever reads the dependent's build log (the smoke
 * test's SQL runs as a superuser and prints into the log), so a private extension is a dependency
 * only of a private one that every reader of it may also read ({@link Visibility#everyoneWhoSeesAlsoSees});
 * otherwise it is answered exactly like a name nobody builds.
 */
@ApplicationScoped
public class BuildDependencies {

    /** Transitive dependencies resolved at most (a chain longer than this is a recipe's mistake, or a loop). */
    static final int MAX_BUNDLES = 32;

    @Inject
    EntityManager em;
    @Inject
    Visibility visibility;

    public DependenciesResponse resolve(Build b, List<String> requires) {
        Map<String, DependencyBundle> bundles = new LinkedHashMap<>(); // owner -> bundle, in the order found
        Set<String> postgresql = new LinkedHashSet<>();
        Set<String> unavailable = new LinkedHashSet<>();
        Set<String> unknown = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(requires);
        Set<String> seen = new LinkedHashSet<>();
        List<String> order = new ArrayList<>();
        while (!todo.isEmpty() && bundles.size() < MAX_BUNDLES) {
            String name = todo.poll();
            if (!seen.add(name)) {
                continue;
            }
            if (PostgresqlNames.majorsShipping(NameKind.CONTROL, name).map(m -> m.contains(b.pgMajor)).orElse(false)) {
                postgresql.add(name);
                continue;
            }
            Optional<String> owner = ownerOf(name).filter(o -> visibility.everyoneWhoSeesAlsoSees(b.extensionName, o));
            if (owner.isEmpty() || owner.get().equals(b.extensionName)) {
                unknown.add(name);
                continue;
            }
            DependencyBundle known = bundles.get(owner.get());
            if (known != null) {
                continue;
            }
            Optional<DependencyBundle> bundle = newestBundle(owner.get(), name, b.pgMajor, b.platform);
            if (bundle.isEmpty()) {
                unavailable.add(owner.get());
                continue;
            }
            bundles.put(owner.get(), bundle.get());
            order.add(owner.get());
            todo.addAll(bundle.get().requires());
        }
        // dependencies first: a bundle found later (required by an earlier one) is installed before it
        List<DependencyBundle> install = new ArrayList<>();
        for (int i = order.size() - 1; i >= 0; i--) {
            install.add(bundles.get(order.get(i)));
        }
        return new DependenciesResponse(install, List.copyOf(postgresql), List.copyOf(unavailable), List.copyOf(unknown));
    }

    /** The extension that owns a control name: its claim, else an extension of that name (a recipe not built yet). */
    private Optional<String> ownerOf(String control) {
        @SuppressWarnings("unchecked")
        List<String> owners = em.createNativeQuery("SELECT owner FROM extension_name WHERE kind = 'control' AND name = :n "
                + "UNION ALL SELECT name FROM extension WHERE name = :n").setParameter("n", control).getResultList();
        return owners.stream().findFirst();
    }

    private Optional<DependencyBundle> newestBundle(String owner, String control, int major, String platform) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT version, sha256, extensions, requires FROM bundle "
                        + "WHERE extension_name = :o AND pg_major = :m AND platform = :p AND review_state <> 'rejected' "
                        + "AND :c = ANY (extensions) ORDER BY created_at DESC, sha256 LIMIT 1")
                .setParameter("o", owner).setParameter("m", major).setParameter("p", platform).setParameter("c", control)
                .getResultList();
        return rows.stream().findFirst().map(r -> new DependencyBundle(owner, (String) r[0], (String) r[1],
                "extensions/" + owner + "/sha-256+" + r[1] + "/bundle.tar", Arrays.asList((String[]) r[2]),
                Arrays.asList((String[]) r[3])));
    }
}
