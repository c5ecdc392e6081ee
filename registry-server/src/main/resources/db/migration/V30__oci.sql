-- OCI distribution API (dev.extfarm.registry.oci). Versions 30..39 belong to it.
-- Bytes live in the blob store; these tables say which repository may serve which bytes.

-- A repository: extensions/<extension name>. Visibility follows the extension's.
CREATE TABLE oci_repository (
    name            text PRIMARY KEY CHECK (name ~ '^extensions/[a-z0-9][a-z0-9_-]{0,62}$'),
    extension_name  text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- A verified blob, by digest (sha256:<hex> or sha512:<hex>). blob_key is where the bytes are:
-- oci/blobs/<algorithm>/<hex>, or the bundle's own key when a layer is a bundle (stored once).
CREATE TABLE oci_blob (
    digest      text PRIMARY KEY CHECK (digest ~ '^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$'),
    size        bigint NOT NULL CHECK (size >= 0),
    blob_key    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Which repository may serve which blob (a push, a mount, or a bundle image).
CREATE INDEX oci_blob_key ON oci_blob (blob_key);

CREATE TABLE oci_repository_blob (
    repository  text NOT NULL REFERENCES oci_repository (name) ON DELETE CASCADE,
    digest      text NOT NULL REFERENCES oci_blob (digest),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository, digest)
);
CREATE INDEX oci_repository_blob_digest ON oci_repository_blob (digest);

-- A manifest (image manifest or index) as pushed, byte for byte.
CREATE TABLE oci_manifest (
    repository     text NOT NULL REFERENCES oci_repository (name) ON DELETE CASCADE,
    digest         text NOT NULL,
    media_type     text NOT NULL,
    artifact_type  text,
    subject        text,
    annotations    jsonb,
    size           integer NOT NULL,
    content        bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository, digest)
);
CREATE INDEX oci_manifest_subject ON oci_manifest (repository, subject) WHERE subject IS NOT NULL;

CREATE TABLE oci_tag (
    repository       text NOT NULL,
    tag              text NOT NULL CHECK (tag ~ '^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$'),
    manifest_digest  text NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository, tag),
    FOREIGN KEY (repository, manifest_digest) REFERENCES oci_manifest (repository, digest) ON DELETE CASCADE
);

-- An upload session; its chunks are blob-store objects oci/uploads/<id>/<seq> until the final PUT.
CREATE TABLE oci_upload (
    id          uuid PRIMARY KEY,
    repository  text NOT NULL,
    size        bigint NOT NULL DEFAULT 0,
    chunks      integer NOT NULL DEFAULT 0,
    token_id    bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oci_upload_repository ON oci_upload (repository);

-- The canonical image (dev.extfarm.bundle.oci.BundleImage) of each bundle, pushed by a worker or
-- created by the backfill.
CREATE TABLE oci_bundle_image (
    bundle_sha256    text PRIMARY KEY REFERENCES bundle (sha256) ON DELETE CASCADE,
    repository       text NOT NULL,
    manifest_digest  text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Bytes of blobs no repository links any more; removed by the maintenance job after a grace period
-- (under the digest's advisory lock, so an upload of the same digest either sees them or re-sends).
CREATE TABLE oci_blob_garbage (
    digest    text PRIMARY KEY,
    blob_key  text NOT NULL,
    since     timestamptz NOT NULL DEFAULT now()
);
