-- Extension (control-file) names and library (module) names are owned (issue 21): the first
-- published bundle of an extension (a recipe; the bundle's name) claims every control name and
-- module it carries, and a bundle of another extension carrying one of them is refused at upload.
-- PostgreSQL's own names are reserved in code (dev.extfarm.registry.names.PostgresqlNames), not here.
-- Versions 50-59 belong to dev.extfarm.registry.names.
CREATE TABLE extension_name (
    kind        text NOT NULL CHECK (kind IN ('control', 'library')),
    name        text NOT NULL,
    -- the extension (bundle name) that may carry it
    owner       text NOT NULL REFERENCES extension (name) ON DELETE CASCADE,
    -- the bundle whose publication claimed it (null: set by an admin)
    claimed_by  text,
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    -- the primary key is what makes claiming race-free: of two uploads claiming one name at once
    -- (on any replica), one inserts, the other waits for its transaction and then finds it taken
    PRIMARY KEY (kind, name)
);
CREATE INDEX extension_name_by_owner ON extension_name (owner);

-- Backfill from the bundles already stored, first publication wins (created_at, then sha-256 to
-- break ties): each control name and each module a bundle carries (the manifest's libraries, and
-- lib/<m>.so files not listed as bundled dependencies). Later bundles of other extensions that
-- carry a claimed name stay stored, unchanged, but compute specs leave them out; an admin lists
-- them with GET /api/v1/admin/extension-names/conflicts and resolves them (docs/registry.md).
WITH carried AS (
    SELECT 'control' AS kind, x AS name, b.extension_name AS owner, b.sha256, b.created_at
    FROM bundle b, unnest(b.extensions) x
    WHERE x NOT LIKE '%--%'
    UNION ALL
    SELECT 'library', y, b.extension_name, b.sha256, b.created_at
    FROM bundle b, unnest(b.libraries) y
    UNION ALL
    SELECT 'library', substring(f ->> 'path' FROM '^lib/([^/]+)\.so$'), b.extension_name, b.sha256, b.created_at
    FROM bundle b, jsonb_array_elements(b.manifest -> 'files') f
    WHERE f ->> 'path' ~ '^lib/[^/]+\.so$'
      AND NOT substring(f ->> 'path' FROM '^lib/([^/]+)$') = ANY (b.bundled_libraries)
)
INSERT INTO extension_name (kind, name, owner, claimed_by, claimed_at)
SELECT DISTINCT ON (kind, name) kind, name, owner, sha256, created_at
FROM carried
ORDER BY kind, name, created_at, sha256;
