-- Bundle signatures (dev.extfarm.registry.signing). Versions 40..49 belong to it.
-- The JWS itself is a blob beside the bundle (extensions/<name>/sha-256+<hex>/bundle.tar.sig);
-- this row says which key made it, so old keys stay listed while referenced and the backfill
-- finds bundles no configured key vouches for.
CREATE TABLE bundle_signature (
    bundle_sha256  text PRIMARY KEY REFERENCES bundle (sha256) ON DELETE CASCADE,
    kid            text NOT NULL,
    signed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bundle_signature_kid ON bundle_signature (kid);
