-- Verified reproducibility (docs/queue.md#reproducibility): every newly published bundle is built
-- once more from scratch by a low-priority job (reason 'reproducibility') that a worker compares
-- with the published bundle; its verdict and differing entries are kept here.

ALTER TABLE build DROP CONSTRAINT build_reason_check;
ALTER TABLE build ADD CONSTRAINT build_reason_check CHECK (reason IN ('push', 'rebuild', 'reproducibility'));
-- low-priority jobs are claimed only when no other job of the claimer's targets is queued
ALTER TABLE build ADD COLUMN low_priority boolean NOT NULL DEFAULT false;
-- a reproducibility job: the succeeded build whose bundle it rebuilds and compares
ALTER TABLE build ADD COLUMN verifies bigint REFERENCES build (id);
-- the API token that made the current claim: every fenced call must come from it (a lease token
-- is a small per-job counter anyone could guess, so it cannot be the only proof)
ALTER TABLE build ADD COLUMN claimed_by bigint REFERENCES api_token (id) ON DELETE SET NULL;
CREATE INDEX build_queued_by_priority ON build (pg_major, platform, low_priority, id) WHERE status = 'queued';
CREATE UNIQUE INDEX build_one_verification ON build (verifies) WHERE reason = 'reproducibility';

CREATE TABLE build_reproducibility (
    -- the reproducibility job that rebuilt and compared
    build_id          bigint PRIMARY KEY REFERENCES build (id) ON DELETE CASCADE,
    -- the build whose published bundle was compared
    verifies          bigint NOT NULL REFERENCES build (id) ON DELETE CASCADE,
    extension_name    text NOT NULL,
    pg_major          integer NOT NULL,
    platform          text NOT NULL,
    published_sha256  text NOT NULL CHECK (published_sha256 ~ '^[0-9a-f]{64}$'),
    rebuilt_sha256    text CHECK (rebuilt_sha256 ~ '^[0-9a-f]{64}$'),
    reproducible      boolean NOT NULL,
    -- the classifier's likely causes over all differing entries (timestamp, build-path, file-order, other)
    causes            text[] NOT NULL DEFAULT '{}',
    -- at most ReproducibilityReports.MAX_DIFFERENCES entries; differences_total counts them all
    differences       jsonb NOT NULL DEFAULT '[]',
    differences_total integer NOT NULL DEFAULT 0,
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX build_reproducibility_by_extension ON build_reproducibility (extension_name, pg_major, platform, build_id DESC);
