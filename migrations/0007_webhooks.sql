-- Incoming webhooks and the Stripe Connect integration (issue 8, PROTOCOL.md §7).

-- An incoming webhook: posts into one channel as its own bot member
-- (`user_id`, role `bot`, display name = the webhook's name). The token is
-- 256 random bits shown once at creation and stored as its SHA-256.
CREATE TABLE webhooks (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels(tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX webhooks_channel ON webhooks (tenant_id, channel_id, id);

-- A partner's Stripe Connect account, linked by staff. Stripe's `account`
-- field of a Connect event names the account, which names the tenant and the
-- partner. `status` follows `account.updated`: pending (linked, nothing heard
-- yet, or neither charges nor payouts enabled), enabled, restricted (one of
-- the two enabled), disabled (Stripe gave a disabled_reason). `status_at` is
-- the Stripe `created` time of the event that set it: Stripe does not promise
-- delivery in order, so an older event never overwrites a newer one.
CREATE TABLE payout_accounts (
    tenant_id         BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id           BIGINT NOT NULL,
    stripe_account_id TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'enabled', 'restricted', 'disabled')),
    disabled_reason   TEXT,
    status_at         TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);

-- Events received from an integration, once each: inserted in the transaction
-- that applies the event, so a redelivered event id changes nothing.
CREATE TABLE integration_events (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, source, event_id)
);
