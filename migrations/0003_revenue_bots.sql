-- The revenue domain's ledger and the bot accounts' tokens (issue 8).

-- A bot account's API token: stored as its SHA-256, shown once. Scopes say
-- which domain APIs it may call (e.g. `revenue`); channels (keys) bound what
-- it may read and post. Revoked tokens stay for the record.
CREATE TABLE bot_tokens (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    scopes      TEXT[] NOT NULL DEFAULT '{}',
    channels    TEXT[] NOT NULL DEFAULT '{}',
    created_by  BIGINT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at  TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX bot_tokens_user ON bot_tokens (tenant_id, user_id);

-- A won deal as the source system reported it, once per (tenant, deal_id).
-- `body_hash` is the SHA-256 of the canonical request body: the same body
-- again is the same deal (idempotent), another body is a conflict.
CREATE TABLE deals (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    deal_id      TEXT NOT NULL,
    partner_id   BIGINT NOT NULL,
    client       TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    closed_at    TIMESTAMPTZ NOT NULL,
    body_hash    TEXT NOT NULL,
    recorded_by  BIGINT NOT NULL,
    message_id   BIGINT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, deal_id),
    FOREIGN KEY (tenant_id, partner_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX deals_partner ON deals (tenant_id, partner_id, closed_at);

-- The commission ledger: append-only. A deal's commission moves pending →
-- approved → paid, or to reversed; each move is a new entry, so a deal's
-- status is its newest entry. Each entry carries the SHA-256 of the previous
-- entry's hash and its own canonical body (a hash chain per tenant).
CREATE TABLE commission_ledger (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    deal_id      TEXT NOT NULL,
    partner_id   BIGINT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'paid', 'reversed')),
    amount_minor BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    rate_bp      INT NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    reference    TEXT NOT NULL DEFAULT '',
    actor_id     BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq),
    FOREIGN KEY (tenant_id, deal_id) REFERENCES deals(tenant_id, deal_id)
);
CREATE INDEX commission_ledger_deal ON commission_ledger (tenant_id, deal_id, seq);
CREATE INDEX commission_ledger_partner ON commission_ledger (tenant_id, partner_id, seq);

CREATE FUNCTION commission_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'commission_ledger is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER commission_ledger_append_only
    BEFORE UPDATE OR DELETE ON commission_ledger
    FOR EACH ROW EXECUTE FUNCTION commission_ledger_append_only();
