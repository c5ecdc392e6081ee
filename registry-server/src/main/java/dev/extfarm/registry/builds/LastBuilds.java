package dev.extfarm.registry.builds;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.protocol.Catalog.LastBuild;
import dev.extfarm.protocol.Catalog.Regress;
import dev.extfarm.protocol.WorkerProtocol;
import dev.extfarm.registry.catalog.LastBuildLookup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The catalog's {@code last_build}: the newest build of the extension for that PG major and
 * platform (whatever its version, which it names), so packagers see a failing new version next
 * to the last good bundle.
 */
@ApplicationScoped
public class LastBuilds implements LastBuildLookup {

    @Inject
    ObjectMapper json;

    @Inject
    EntityManager em;

    @Override
    public Optional<LastBuild> lastBuild(String extension, String version, int pgMajor, String platform) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT id, status, version, recipe_revision, finished_at, failure_cause, regress::text "
                        + "FROM build WHERE extension_name = :e AND pg_major = :m AND platform = :p AND reason <> 'reproducibility' "
                        + "ORDER BY id DESC LIMIT 1")
                .setParameter("e", extension).setParameter("m", pgMajor).setParameter("p", platform).getResultList();
        return rows.stream().findFirst().map(r -> new LastBuild(((Number) r[0]).longValue(), (String) r[1], (String) r[2],
                (String) r[3], BuildReports.instant(r[4]), (String) r[5], "/api/v1/builds/" + r[0], regress((String) r[6])));
    }

    private Regress regress(String stored) {
        if (stored == null) {
            return null;
        }
        try {
            WorkerProtocol.RegressReport r = json.readValue(stored, WorkerProtocol.RegressReport.class);
            return new Regress(r.run(), r.passed(), r.failed(), r.knownFailures() == null || r.knownFailures().isEmpty() ? null
                    : r.knownFailures());
        } catch (IOException e) {
            return null;
        }
    }
}
