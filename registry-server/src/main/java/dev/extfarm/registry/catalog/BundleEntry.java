package dev.extfarm.registry.catalog;

import dev.extfarm.bundle.BundleAddress;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One accepted bundle: a version of an extension for one PG major and platform. */
@Entity
@Table(name = "bundle")
public class BundleEntry extends PanacheEntityBase {

    @Id
    public String sha256;

    @Column(name = "extension_name", nullable = false)
    public String extensionName;

    public String version;

    @Column(name = "pg_major")
    public int pgMajor;

    public String platform;

    public long size;

    @Column(name = "default_version")
    public String defaultVersion;

    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] extensions;

    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] requires;

    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] libraries;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "bundled_libraries")
    public String[] bundledLibraries;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "system_libraries")
    public String[] systemLibraries;

    @Column(name = "shared_preload")
    public boolean sharedPreload;

    public boolean preload;

    public String license;

    /** {@link ReviewState#id()} */
    @Column(name = "review_state")
    public String reviewState;

    @Column(name = "reviewed_at")
    public OffsetDateTime reviewedAt;

    @JdbcTypeCode(SqlTypes.JSON)
    public String manifest;

    @Column(name = "uploaded_by")
    public Long uploadedBy;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    public BundleAddress address() {
        return new BundleAddress(extensionName, sha256);
    }

    public ReviewState review() {
        return ReviewState.parse(reviewState);
    }
}
