-- extfarm build queue and build reports (dev.extfarm.registry.build). Versions 2..9 belong here.

-- An immutable recipe revision: recipe.yaml + patches exactly as pushed (the transport JSON),
-- identified by RevisionDigest (sha-256 over the canonical encoding of the files).
CREATE TABLE recipe_revision (
    digest          text PRIMARY KEY CHECK (digest ~ '^[0-9a-f]{64}$'),
    extension_name  text NOT NULL REFERENCES extension (name),
    version         text NOT NULL,
    source_sha256   text NOT NULL CHECK (source_sha256 ~ '^[0-9a-f]{64}$'),
    -- majors the recipe builds for on this farm at push time (listed ∩ served, or all served)
    pg_majors       integer[] NOT NULL,
    transport       text NOT NULL,
    pushed_by       bigint REFERENCES api_token (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recipe_revision_by_extension ON recipe_revision (extension_name);

-- Every push that changed an extension's current recipe: its latest row names the current
-- revision (a push of an older revision, a revert, makes it current again).
CREATE TABLE recipe_push (
    id              bigserial PRIMARY KEY,
    extension_name  text NOT NULL REFERENCES extension (name),
    revision        text NOT NULL REFERENCES recipe_revision (digest),
    pushed_by       bigint REFERENCES api_token (id) ON DELETE SET NULL,
    pushed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recipe_push_latest ON recipe_push (extension_name, id DESC);

-- One build of one recipe revision for one PG major on one platform: the queue row while it
-- waits or runs, the report once it has finished.
--   queued → running → succeeded | failed | cancelled | farm-error
--   queued → cached (same inputs built before) | cancelled
--   running → queued (lease expired, or the worker reported a farm fault; bounded)
CREATE TABLE build (
    id                 bigserial PRIMARY KEY,
    extension_name     text NOT NULL REFERENCES extension (name),
    version            text NOT NULL,
    recipe_revision    text NOT NULL REFERENCES recipe_revision (digest),
    source_sha256      text NOT NULL,
    pg_major           integer NOT NULL,
    platform           text NOT NULL,
    meta_format        integer NOT NULL,
    status             text NOT NULL DEFAULT 'queued'
                       CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cached', 'cancelled', 'farm-error')),
    reason             text NOT NULL CHECK (reason IN ('push', 'rebuild')),
    -- a rebuild runs even when the same inputs were built before
    bypass_cache       boolean NOT NULL DEFAULT false,
    requested_by       bigint REFERENCES api_token (id) ON DELETE SET NULL,
    -- the lease: lease_token is a fencing epoch, incremented by every claim
    attempt            integer NOT NULL DEFAULT 0,
    farm_faults        integer NOT NULL DEFAULT 0,
    lease_token        bigint NOT NULL DEFAULT 0,
    lease_expires_at   timestamptz,
    worker_id          text,
    current_step       text,
    -- inputs known at claim time, and the result
    builder_image      text,
    bundle_sha256      text REFERENCES bundle (sha256),
    cached_from        bigint REFERENCES build (id),
    failure_step       text,
    failure_cause      text,
    failure_responsibility text CHECK (failure_responsibility IN ('upstream', 'recipe', 'farm')),
    failure_exit_code  integer,
    failure_message    text,
    steps              jsonb,
    worker_started_at  timestamptz,
    worker_finished_at timestamptz,
    -- the log: chunks in build_log_chunk while it grows, then one blob (log_blob) + the tail
    log_size           bigint NOT NULL DEFAULT 0,
    log_blob           text,
    log_tail           text,
    queued_at          timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    finished_at        timestamptz,
    CHECK (status <> 'running' OR lease_expires_at IS NOT NULL)
);
CREATE INDEX build_queued ON build (pg_major, platform, id) WHERE status = 'queued';
CREATE INDEX build_leases ON build (lease_expires_at) WHERE status = 'running';
CREATE INDEX build_by_extension ON build (extension_name, pg_major, id DESC);
CREATE INDEX build_by_revision ON build (recipe_revision, pg_major);
CREATE INDEX build_cache ON build (recipe_revision, source_sha256, builder_image, pg_major, platform, meta_format)
    WHERE status = 'succeeded';
CREATE INDEX build_by_cause ON build (failure_cause) WHERE failure_cause IS NOT NULL;
CREATE INDEX build_log_unarchived ON build (id) WHERE log_blob IS NULL AND finished_at IS NOT NULL AND log_size > 0;

-- Every claim of a build and how it ended (farm faults and lost leases are kept here, not on the
-- build's own failure fields, so they are never reported as the extension's failure).
CREATE TABLE build_attempt (
    build_id      bigint NOT NULL REFERENCES build (id) ON DELETE CASCADE,
    attempt       integer NOT NULL,
    lease_token   bigint NOT NULL,
    worker_id     text NOT NULL,
    builder_image text,
    claimed_at    timestamptz NOT NULL DEFAULT now(),
    ended_at      timestamptz,
    -- succeeded, failed, farm-fault, lease-expired, cancelled
    outcome       text,
    cause         text,
    message       text,
    PRIMARY KEY (build_id, attempt)
);

-- Log chunks as they arrive; offset is the byte offset of the chunk in the whole log.
CREATE TABLE build_log_chunk (
    build_id   bigint NOT NULL REFERENCES build (id) ON DELETE CASCADE,
    "offset"   bigint NOT NULL,
    data       bytea NOT NULL,
    PRIMARY KEY (build_id, "offset")
);
