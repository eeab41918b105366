-- Outgoing webhooks (issue 8): subscriptions, a durable outbox written in the
-- same transaction as the event it announces, and the delivery log.
-- Signed per the Standard Webhooks spec (webhook-id, webhook-timestamp,
-- webhook-signature); delivered at least once with exponential backoff.

CREATE TABLE webhook_subscriptions (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id           BIGINT NOT NULL,
    url          TEXT NOT NULL,
    -- `whsec_` + base64 of 32 random bytes (Standard Webhooks' secret format).
    secret       TEXT NOT NULL,
    event_types  TEXT[] NOT NULL,
    -- Channel keys whose messages `message.created` announces.
    channels     TEXT[] NOT NULL DEFAULT '{}',
    created_by   BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    disabled_at  TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_outbox (
    tenant_id        BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    event_id         BIGINT NOT NULL,
    subscription_id  BIGINT NOT NULL,
    event_type       TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts         INT NOT NULL DEFAULT 0,
    delivered_at     TIMESTAMPTZ,
    failed_at        TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, event_id, subscription_id),
    FOREIGN KEY (tenant_id, subscription_id) REFERENCES webhook_subscriptions(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;

CREATE TABLE webhook_deliveries (
    tenant_id        BIGINT NOT NULL,
    event_id         BIGINT NOT NULL,
    subscription_id  BIGINT NOT NULL,
    attempt          INT NOT NULL,
    status           INT,
    error            TEXT NOT NULL DEFAULT '',
    duration_ms      INT NOT NULL,
    at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id, subscription_id, attempt),
    FOREIGN KEY (tenant_id, event_id, subscription_id)
        REFERENCES webhook_outbox(tenant_id, event_id, subscription_id) ON DELETE CASCADE
);

-- Ids of outbox events that are not messages (a message's event id is its id).
CREATE SEQUENCE webhook_event_ids;
