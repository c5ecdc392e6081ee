package dev.extfarm.registry.catalog;

import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.protocol.Catalog;
import dev.extfarm.protocol.Catalog.ExtensionDetail;
import dev.extfarm.protocol.Catalog.ExtensionPage;
import dev.extfarm.protocol.Catalog.ExtensionSummary;
import dev.extfarm.protocol.Catalog.VersionEntry;
import dev.extfarm.registry.problem.ExtfarmException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Reads the catalog as a given {@link Viewer} sees it. */
@ApplicationScoped
public class CatalogService {

    public static final int MAX_PAGE_SIZE = 100;

    @Inject
    EntityManager em;
    @Inject
    Visibility visibility;
    @Inject
    LastBuildLookup lastBuilds;

    /** Search query: free text over name and description, PG major, license; pages from 1. */
    public record Search(String q, Integer pg, String license, int page, int size) {
        public Search {
            if (page < 1) {
                throw ExtfarmException.invalid("invalid-query", "page starts at 1, was " + page);
            }
            if (size < 1 || size > MAX_PAGE_SIZE) {
                throw ExtfarmException.invalid("invalid-query", "size must be 1.." + MAX_PAGE_SIZE + ", was " + size);
            }
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    @SuppressWarnings("unchecked")
    public ExtensionPage search(Viewer viewer, Search s) {
        Map<String, Object> params = new HashMap<>();
        StringBuilder bundleFilter = new StringBuilder("b.extension_name = e.name");
        if (!seesUnreviewed(viewer)) {
            bundleFilter.append(" AND b.review_state = 'approved'");
        }
        if (s.pg() != null) {
            bundleFilter.append(" AND b.pg_major = :pg");
            params.put("pg", s.pg());
        }
        if (s.license() != null && !s.license().isBlank()) {
            bundleFilter.append(" AND lower(b.license) = lower(:license)");
            params.put("license", s.license().strip());
        }
        StringBuilder where = new StringBuilder(" FROM extension e WHERE EXISTS (SELECT 1 FROM bundle b WHERE ")
                .append(bundleFilter).append(")");
        if (s.q() != null && !s.q().isBlank()) {
            where.append(" AND (e.name ILIKE :q OR coalesce(e.description, '') ILIKE :q)");
            params.put("q", "%" + s.q().strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        }
        Set<String> hidden = visibility.hiddenFrom(viewer);
        if (!hidden.isEmpty()) {
            where.append(" AND e.name NOT IN (:hidden)");
            params.put("hidden", hidden);
        }
        Query count = em.createNativeQuery("SELECT count(*)" + where);
        Query rows = em.createNativeQuery("SELECT e.name, e.description, e.visibility" + where + " ORDER BY e.name")
                .setFirstResult((s.page() - 1) * s.size()).setMaxResults(s.size());
        params.forEach((k, v) -> {
            count.setParameter(k, v);
            rows.setParameter(k, v);
        });
        long total = ((Number) count.getSingleResult()).longValue();
        List<Object[]> found = rows.getResultList();
        List<ExtensionSummary> items = new ArrayList<>();
        for (Object[] r : found) {
            String name = (String) r[0];
            List<BundleEntry> bundles = bundles(viewer, name).stream()
                    .filter(b -> s.pg() == null || b.pgMajor == s.pg()).toList();
            items.add(new ExtensionSummary(name, (String) r[1], (String) r[2],
                    bundles.stream().map(b -> b.version).max(VersionOrder.INSTANCE).orElse(null),
                    bundles.stream().map(b -> b.pgMajor).collect(Collectors.toCollection(TreeSet::new))
                            .descendingSet().stream().toList(),
                    bundles.stream().map(b -> b.platform).distinct().sorted().toList(),
                    bundles.stream().map(b -> b.license).distinct().sorted().toList(),
                    newestByMajor(bundles)));
        }
        return new ExtensionPage(items, s.page(), s.size(), total);
    }

    /** Major → the newest version published for it, majors descending. */
    private static Map<Integer, String> newestByMajor(List<BundleEntry> bundles) {
        Map<Integer, String> newest = new TreeMap<>(Comparator.reverseOrder());
        for (BundleEntry b : bundles) {
            newest.merge(b.pgMajor, b.version, (x, y) -> VersionOrder.INSTANCE.compare(x, y) >= 0 ? x : y);
        }
        return newest;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<ExtensionDetail> detail(Viewer viewer, String name) {
        if (!visibility.canSee(viewer, name)) {
            return Optional.empty();
        }
        Extension e = Extension.findById(name);
        List<BundleEntry> bundles = bundles(viewer, name);
        if (e == null || bundles.isEmpty() && !viewer.isAdmin()) {
            return Optional.empty();
        }
        Map<String, List<Catalog.BundleEntry>> byVersion = new TreeMap<>(VersionOrder.INSTANCE.reversed());
        bundles.stream()
                .sorted(Comparator.comparingInt((BundleEntry b) -> -b.pgMajor).thenComparing(b -> b.platform)
                        .thenComparing(b -> b.createdAt, Comparator.reverseOrder()))
                .forEach(b -> byVersion.computeIfAbsent(b.version, v -> new ArrayList<>()).add(view(b)));
        List<VersionEntry> versions = new ArrayList<>();
        byVersion.forEach((v, list) -> versions.add(new VersionEntry(v, list)));
        return Optional.of(new ExtensionDetail(e.name, e.description, e.visibility, versions));
    }

    /** Bundles of an extension this viewer may see (unreviewed ones only for admins and owners). */
    List<BundleEntry> bundles(Viewer viewer, String name) {
        List<BundleEntry> all = BundleEntry.list("extensionName", name);
        if (seesUnreviewed(viewer)) {
            return all;
        }
        return all.stream().filter(b -> b.review() == ReviewState.APPROVED).toList();
    }

    private static boolean seesUnreviewed(Viewer viewer) {
        return viewer.isAdmin();
    }

    /** The catalog's entry of a stored bundle. */
    public Catalog.BundleEntry view(BundleEntry b) {
        return new Catalog.BundleEntry(b.address().path(), b.sha256, b.size, b.pgMajor, b.platform, b.version, b.defaultVersion,
                list(b.extensions), list(b.requires), list(b.libraries), list(b.systemLibraries), list(b.bundledLibraries),
                b.sharedPreload, b.preload, b.license, b.review().id(), b.createdAt,
                lastBuilds.lastBuild(b.extensionName, b.version, b.pgMajor, b.platform).orElse(null), Floors.of(b.manifest));
    }

    static List<String> list(String[] a) {
        return a == null ? List.of() : Arrays.asList(a);
    }

}
