package dev.extfarm.registry.builds;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * One build of one recipe revision for one PG major and platform: a queue row while it waits or
 * runs, a report once finished. State changes go through {@link JobQueue} (claims, results),
 * {@link LeaseSweeper} (lost leases) and {@link BuildCancellation}; see {@link BuildStatus}.
 */
@Entity
@Table(name = "build")
public class Build extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "extension_name")
    public String extensionName;
    public String version;
    @Column(name = "recipe_revision")
    public String recipeRevision;
    @Column(name = "source_sha256")
    public String sourceSha256;
    @Column(name = "pg_major")
    public int pgMajor;
    public String platform;
    @Column(name = "meta_format")
    public int metaFormat;

    /** {@link BuildStatus#id()} */
    public String status;
    /** {@code push}, {@code rebuild} or {@code reproducibility} ({@link Reproducibility#REASON}) */
    public String reason;
    @Column(name = "bypass_cache")
    public boolean bypassCache;
    @Column(name = "requested_by")
    public Long requestedBy;
    /** Claimed only when nothing else of the claimer's targets is queued (reproducibility rebuilds). */
    @Column(name = "low_priority")
    public boolean lowPriority;
    /** A reproducibility rebuild: the succeeded build whose published bundle it is compared with. */
    public Long verifies;
    /** The API token of the current claim; fenced calls must come from it ({@link LeaseFence}). */
    @Column(name = "claimed_by")
    public Long claimedBy;

    public int attempt;
    @Column(name = "farm_faults")
    public int farmFaults;
    @Column(name = "lease_token")
    public long leaseToken;
    @Column(name = "lease_expires_at")
    public OffsetDateTime leaseExpiresAt;
    @Column(name = "worker_id")
    public String workerId;
    @Column(name = "current_step")
    public String currentStep;

    @Column(name = "builder_image")
    public String builderImage;
    @Column(name = "bundle_sha256")
    public String bundleSha256;
    @Column(name = "cached_from")
    public Long cachedFrom;
    @Column(name = "failure_step")
    public String failureStep;
    @Column(name = "failure_cause")
    public String failureCause;
    @Column(name = "failure_responsibility")
    public String failureResponsibility;
    @Column(name = "failure_exit_code")
    public Integer failureExitCode;
    @Column(name = "failure_message")
    public String failureMessage;
    @JdbcTypeCode(SqlTypes.JSON)
    public String steps;
    @Column(name = "worker_started_at")
    public OffsetDateTime workerStartedAt;
    @Column(name = "worker_finished_at")
    public OffsetDateTime workerFinishedAt;

    /** {@link RegressReports}: the regression suite's report as JSON, null when none ran. */
    @JdbcTypeCode(SqlTypes.JSON)
    public String regress;
    @Column(name = "regression_diffs_blob")
    public String regressionDiffsBlob;
    @Column(name = "regression_diffs_size")
    public Long regressionDiffsSize;

    @Column(name = "log_size")
    public long logSize;
    @Column(name = "log_blob")
    public String logBlob;
    @Column(name = "log_tail")
    public String logTail;

    @Column(name = "queued_at", insertable = false, updatable = false)
    public OffsetDateTime queuedAt;
    @Column(name = "started_at")
    public OffsetDateTime startedAt;
    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    public BuildStatus status() {
        return BuildStatus.parse(status);
    }
}
