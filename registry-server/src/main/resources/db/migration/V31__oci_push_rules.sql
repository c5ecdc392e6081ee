-- The push rules of /v2 (docs/oci.md#what-may-be-pushed): which blobs the manifests of a
-- repository reference. A blob is served to the readers of a repository only when one of its
-- manifests references it (or it is a bundle they may see); bytes a pusher uploaded that no manifest
-- uses are served to pushers only.
CREATE TABLE oci_manifest_blob (
    repository       text NOT NULL,
    manifest_digest  text NOT NULL,
    blob_digest      text NOT NULL,
    PRIMARY KEY (repository, manifest_digest, blob_digest),
    FOREIGN KEY (repository, manifest_digest) REFERENCES oci_manifest (repository, digest) ON DELETE CASCADE
);
CREATE INDEX oci_manifest_blob_blob ON oci_manifest_blob (repository, blob_digest);

-- The manifests stored so far (each was parsed as JSON when it was pushed).
INSERT INTO oci_manifest_blob (repository, manifest_digest, blob_digest)
SELECT DISTINCT m.repository, m.digest, d.value ->> 'digest'
FROM oci_manifest m,
     LATERAL (SELECT convert_from(m.content, 'UTF8')::jsonb AS doc) j,
     LATERAL (SELECT j.doc -> 'config' AS value
              UNION ALL
              SELECT l FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j.doc -> 'layers') = 'array'
                                                      THEN j.doc -> 'layers' ELSE '[]'::jsonb END) l) d
WHERE jsonb_typeof(d.value) = 'object' AND d.value ->> 'digest' IS NOT NULL;

