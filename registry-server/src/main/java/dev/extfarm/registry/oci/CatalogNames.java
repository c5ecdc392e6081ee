package dev.extfarm.registry.oci;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The repositories that exist under {@code /v2}: {@code extensions/<name>} for every extension of
 * the catalog (a row in {@code extension}), and no other. Extensions are never removed, so a yes is
 * remembered for good; a no is asked again each time (unknown names are rare, and may appear).
 */
@ApplicationScoped
public class CatalogNames {

    private static final int CACHE_LIMIT = 100_000;

    @Inject
    EntityManager em;

    private final Set<String> known = ConcurrentHashMap.newKeySet();

    /** True if the extension is in the catalog. Blocking (one query on a miss). */
    @Transactional
    public boolean exists(String extension) {
        if (known.contains(extension)) {
            return true;
        }
        boolean found = !em.createNativeQuery("SELECT 1 FROM extension WHERE name = :n").setParameter("n", extension)
                .getResultList().isEmpty();
        if (found) {
            if (known.size() > CACHE_LIMIT) {
                known.clear();
            }
            known.add(extension);
        }
        return found;
    }

    /** True if the extension is known to exist without asking the database (false means: ask). */
    boolean knownToExist(String extension) {
        return known.contains(extension);
    }
}
