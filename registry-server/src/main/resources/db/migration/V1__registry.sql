-- extfarm registry schema, version 1.
-- Versions 2..9 are reserved for the build queue (dev.extfarm.registry.build); registry
-- features continue at V10.

-- Settings shared by all replicas (e.g. the link-signing key when EXTFARM_LINK_SECRET is unset).
CREATE TABLE registry_setting (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tenant (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Bearer tokens: only the sha-256 of the token is stored; the token is shown once.
CREATE TABLE api_token (
    id            bigserial PRIMARY KEY,
    token_sha256  text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    role          text NOT NULL CHECK (role IN ('admin', 'maintainer', 'worker', 'compute')),
    label         text NOT NULL,
    tenant_id     bigint REFERENCES tenant (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    CHECK (role <> 'compute' OR tenant_id IS NOT NULL),
    CHECK (role NOT IN ('admin', 'worker') OR tenant_id IS NULL)
);

-- One row per extension (bundle) name. A name may be reserved as private before its first upload.
CREATE TABLE extension (
    name             text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    visibility       text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
    description      text,
    -- set when the first bundle was accepted while the extension was public: from then on its
    -- bytes may sit in caches, so it can no longer be made private
    first_public_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Maintainers own extensions (may push recipes, see private ones they own).
CREATE TABLE extension_owner (
    extension_name  text NOT NULL REFERENCES extension (name) ON DELETE CASCADE,
    token_id        bigint NOT NULL REFERENCES api_token (id) ON DELETE CASCADE,
    PRIMARY KEY (extension_name, token_id)
);

-- A tenant may use a private extension once granted.
CREATE TABLE tenant_grant (
    tenant_id       bigint NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    extension_name  text NOT NULL REFERENCES extension (name) ON DELETE CASCADE,
    granted_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, extension_name)
);

-- A tenant may be pinned to one version of an extension (else it gets the newest approved one).
CREATE TABLE tenant_pin (
    tenant_id       bigint NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    extension_name  text NOT NULL REFERENCES extension (name) ON DELETE CASCADE,
    version         text NOT NULL,
    pinned_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, extension_name)
);

-- One accepted bundle: extensions/<extension_name>/sha-256+<sha256>/bundle.tar.
CREATE TABLE bundle (
    sha256             text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    extension_name     text NOT NULL REFERENCES extension (name),
    version            text NOT NULL,
    pg_major           integer NOT NULL,
    platform           text NOT NULL,
    size               bigint NOT NULL,
    default_version    text,
    extensions         text[] NOT NULL,
    requires           text[] NOT NULL,
    libraries          text[] NOT NULL,
    bundled_libraries  text[] NOT NULL,
    system_libraries   text[] NOT NULL,
    shared_preload     boolean NOT NULL,
    preload            boolean NOT NULL,
    license            text NOT NULL,
    review_state       text NOT NULL CHECK (review_state IN ('approved', 'pending-review', 'rejected')),
    reviewed_at        timestamptz,
    manifest           jsonb NOT NULL,
    uploaded_by        bigint REFERENCES api_token (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bundle_by_extension ON bundle (extension_name, pg_major, platform);
CREATE INDEX bundle_libraries ON bundle USING gin (libraries);
