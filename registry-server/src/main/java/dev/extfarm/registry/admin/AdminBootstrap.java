package dev.extfarm.registry.admin;

import dev.extfarm.registry.auth.Role;
import dev.extfarm.registry.auth.TokenService;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The first admin token. With {@code EXTFARM_ADMIN_TOKEN} ({@code extfarm.admin-token}) that token
 * is registered; otherwise, when no admin token exists yet, one is created, printed once, and
 * written to {@code <data-dir>/admin-token} (mode 0600) for the quickstart.
 */
@ApplicationScoped
public class AdminBootstrap {

    @Inject
    TokenService tokens;
    @Inject
    EntityManager em;
    @ConfigProperty(name = "extfarm.admin-token")
    Optional<String> configured;
    @ConfigProperty(name = "extfarm.data-dir")
    Path dataDir;

    void onStart(@Observes StartupEvent event) {
        Optional<String> created = bootstrap();
        created.ifPresent(this::announce);
    }

    @Transactional
    Optional<String> bootstrap() {
        // one replica at a time decides
        em.createNativeQuery("SELECT pg_advisory_xact_lock(7780001)").getSingleResult();
        if (configured.isPresent() && !configured.get().isBlank()) {
            if (configured.get().strip().length() < 16) {
                throw new IllegalStateException("EXTFARM_ADMIN_TOKEN must be at least 16 characters");
            }
            tokens.ensure(configured.get().strip(), Role.ADMIN, "EXTFARM_ADMIN_TOKEN");
            return Optional.empty();
        }
        if (tokens.anyActiveAdmin()) {
            return Optional.empty();
        }
        return Optional.of(tokens.issue(Role.ADMIN, "first admin (created at first start)", null).token());
    }

    private void announce(String token) {
        Path file = dataDir.resolve("admin-token");
        try {
            Files.createDirectories(dataDir);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException | UnsupportedOperationException e) {
            Log.warnf("could not write %s: %s", file, e.getMessage());
        }
        Log.infof("""

                ================================================================
                 extfarm admin token (shown once; also in %s, mode 0600):
                   %s
                 Use it as: Authorization: Bearer <token>
                ================================================================""", file.toAbsolutePath(), token);
    }
}
