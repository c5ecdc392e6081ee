package dev.extfarm.registry.auth;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.Optional;

/** A bearer token; only its sha-256 is stored. */
@Entity
@Table(name = "api_token")
public class ApiToken extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "token_sha256", nullable = false, unique = true)
    public String tokenSha256;

    @Column(nullable = false)
    public String role;

    @Column(nullable = false)
    public String label;

    @Column(name = "tenant_id")
    public Long tenantId;

    @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "revoked_at")
    public OffsetDateTime revokedAt;

    public static Optional<ApiToken> findActiveByHash(String sha256) {
        return find("tokenSha256 = ?1 and revokedAt is null", sha256).firstResultOptional();
    }
}
