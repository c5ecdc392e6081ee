-- Webhooks (dev.extfarm.registry.webhook). Versions 20..29 belong to the web UI's server parts
-- (farm status, feeds, webhooks).

-- A maintainer's (or admin's) subscription to one extension's build results.
CREATE TABLE webhook (
    id              bigserial PRIMARY KEY,
    extension_name  text NOT NULL REFERENCES extension (name) ON DELETE CASCADE,
    url             text NOT NULL CHECK (url ~ '^https?://'),
    -- the HMAC-SHA256 key; shown once when the webhook is created
    secret          text NOT NULL,
    events          text[] NOT NULL,
    -- links in payloads are made from it (extfarm.links.public-url, else the URL it was created through)
    base_url        text NOT NULL,
    created_by      bigint NOT NULL REFERENCES api_token (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_by_extension ON webhook (extension_name);

-- One event for one webhook (an outbox): retried with backoff until delivered or given up.
CREATE TABLE webhook_delivery (
    id               bigserial PRIMARY KEY,
    webhook_id       bigint NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
    build_id         bigint REFERENCES build (id) ON DELETE CASCADE,
    event            text NOT NULL,
    -- the exact bytes sent (and signed)
    payload          text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    -- null once delivered or given up; while an attempt is in flight, when it may be retried
    next_attempt_at  timestamptz,
    delivered_at     timestamptz,
    given_up_at      timestamptz,
    last_status      integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_delivery_by_webhook ON webhook_delivery (webhook_id, id DESC);
