package dev.extfarm.registry.catalog;

import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.names.PrivateExtensions;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * THE visibility rule, used by every listing and every byte served (catalog, bundles, specs; and
 * builds, logs, feeds, OCI catalog/tags): a public extension is visible to everyone; a private one
 * exists only for admins, the tenants it is granted to (their compute tokens and tenant-scoped
 * maintainers) and the maintainers who own it. For anyone else it does not exist (404, absent from
 * lists).
 *
 * <p>The rule reads an in-memory snapshot (no database round trip per request), reloaded after
 * every change made through this server ({@link VisibilityChanged}) and every
 * {@code extfarm.visibility.refresh} (default 10 s) for changes made by other replicas.
 */
@ApplicationScoped
@Startup
public class Visibility implements PrivateExtensions {

    private record Snapshot(Set<String> privateNames, Map<Long, Set<String>> grants, Map<Long, Set<String>> owned,
                            Map<String, Long> tenants) {
    }

    @Inject
    EntityManager em;

    private volatile Snapshot snapshot = new Snapshot(Set.of(), Map.of(), Map.of(), Map.of());

    @PostConstruct
    void init() {
        refresh();
    }

    /** True if the extension exists for this viewer. Unknown names are public. */
    public boolean canSee(Viewer viewer, String extension) {
        Snapshot s = snapshot;
        if (!s.privateNames.contains(extension) || viewer.isAdmin()) {
            return true;
        }
        Long tenant = viewer.tenantId();
        if (tenant != null && s.grants.getOrDefault(tenant, Set.of()).contains(extension)) {
            return true;
        }
        Long token = viewer.tokenId();
        return token != null && s.owned.getOrDefault(token, Set.of()).contains(extension);
    }

    /** True if a tenant may use (be given links to) the extension: public, or granted. */
    public boolean tenantMayUse(long tenantId, String extension) {
        Snapshot s = snapshot;
        return !s.privateNames.contains(extension) || s.grants.getOrDefault(tenantId, Set.of()).contains(extension);
    }

    /** The same, for a tenant named in a signed link; unknown tenants may use nothing private. */
    public boolean tenantMayUse(String tenantName, String extension) {
        Long id = snapshot.tenants.get(tenantName);
        return id != null ? tenantMayUse(id, extension) : !isPrivate(extension);
    }

    @Override
    public boolean isPrivate(String extension) {
        return snapshot.privateNames.contains(extension);
    }

    /**
     * True if everyone who may see {@code target} may also see {@code source}: before bytes of
     * {@code source} become readable through {@code target} (an OCI cross-repository mount). A
     * public source: yes; a private source and a public target: no; both private: when every
     * tenant granted the target and every owner of the target also has the source.
     */
    public boolean everyoneWhoSeesAlsoSees(String target, String source) {
        Snapshot s = snapshot;
        if (!s.privateNames.contains(source) || source.equals(target)) {
            return true;
        }
        if (!s.privateNames.contains(target)) {
            return false;
        }
        for (Map<Long, Set<String>> holders : List.of(s.grants, s.owned)) {
            for (Set<String> names : holders.values()) {
                if (names.contains(target) && !names.contains(source)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The private extension names this viewer must not see; add {@code extension_name NOT IN (:hidden)}
     * to a query when it is not empty.
     */
    public Set<String> hiddenFrom(Viewer viewer) {
        if (viewer.isAdmin()) {
            return Set.of();
        }
        return snapshot.privateNames.stream().filter(n -> !canSee(viewer, n)).collect(Collectors.toUnmodifiableSet());
    }

    void onChange(@Observes(during = TransactionPhase.AFTER_SUCCESS) VisibilityChanged change) {
        refresh();
    }

    @Scheduled(every = "${extfarm.visibility.refresh:10s}", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void periodicRefresh() {
        refresh();
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void refresh() {
        Set<String> priv = new HashSet<>();
        for (Object n : em.createNativeQuery("SELECT name FROM extension WHERE visibility = 'private'").getResultList()) {
            priv.add((String) n);
        }
        snapshot = new Snapshot(Set.copyOf(priv),
                pairs("SELECT tenant_id, extension_name FROM tenant_grant"),
                pairs("SELECT token_id, extension_name FROM extension_owner"),
                tenants());
        Log.debugf("visibility reloaded: %d private extensions", priv.size());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Long> tenants() {
        Map<String, Long> m = new HashMap<>();
        for (Object[] row : (List<Object[]>) em.createNativeQuery("SELECT name, id FROM tenant").getResultList()) {
            m.put((String) row[0], ((Number) row[1]).longValue());
        }
        return Map.copyOf(m);
    }

    @SuppressWarnings("unchecked")
    private Map<Long, Set<String>> pairs(String sql) {
        Map<Long, Set<String>> m = new HashMap<>();
        for (Object[] row : (List<Object[]>) em.createNativeQuery(sql).getResultList()) {
            m.computeIfAbsent(((Number) row[0]).longValue(), k -> new HashSet<>()).add((String) row[1]);
        }
        m.replaceAll((k, v) -> Set.copyOf(v));
        return Map.copyOf(m);
    }
}
