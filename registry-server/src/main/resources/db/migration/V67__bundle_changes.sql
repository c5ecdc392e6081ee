-- What changed between a bundle and the previous published bundle of the same extension, PG major
-- and platform (docs/registry.md#what-changed-since-the-last-build), computed once from the stored
-- manifests and SBOMs the first time it is asked for. Keyed by the pair: when the previous bundle
-- changes (a later rejection), another row is computed.
CREATE TABLE bundle_change (
    sha256           text NOT NULL REFERENCES bundle (sha256) ON DELETE CASCADE,
    previous_sha256  text NOT NULL REFERENCES bundle (sha256) ON DELETE CASCADE,
    changes          jsonb NOT NULL,
    computed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sha256, previous_sha256)
);
CREATE INDEX bundle_by_publication ON bundle (extension_name, pg_major, platform, created_at);
