-- The client-exchange domain (issue 9): each partner's client roster, private
-- notes on clients, the opportunity pipeline and staff-curated industry
-- recommendations. Money is minor units of an ISO 4217 currency.
CREATE TABLE clients (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          BIGINT NOT NULL,                 -- snowflake
    owner_id    BIGINT,                          -- the partner; NULL: not assigned yet
    name        TEXT NOT NULL,
    industry    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'paused', 'churned')),
    stage       TEXT NOT NULL CHECK (stage IN ('lead', 'onboarding', 'live', 'renewal')),
    value_minor BIGINT NOT NULL CHECK (value_minor >= 0),
    currency    TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    next_step   TEXT NOT NULL DEFAULT '',
    created_by  BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users(tenant_id, id)
);
-- One client of a name per owner (also what makes the demo seed idempotent).
CREATE UNIQUE INDEX clients_owner_name ON clients (tenant_id, owner_id, lower(name));
CREATE INDEX clients_owner ON clients (tenant_id, owner_id);

-- Notes on a client, private to their author.
CREATE TABLE client_notes (
    tenant_id  BIGINT NOT NULL,
    id         BIGINT NOT NULL,
    client_id  BIGINT NOT NULL,
    author_id  BIGINT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, author_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX client_notes_author ON client_notes (tenant_id, author_id, client_id);

-- Opportunities of a client; their partner is the client's owner.
CREATE TABLE opportunities (
    tenant_id     BIGINT NOT NULL,
    id            BIGINT NOT NULL,
    client_id     BIGINT NOT NULL,
    title         TEXT NOT NULL,
    stage         TEXT NOT NULL CHECK (stage IN ('prospect', 'qualified', 'proposal', 'negotiation', 'won', 'lost')),
    amount_minor  BIGINT NOT NULL CHECK (amount_minor > 0),
    currency      TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- Set when it moved to won: who won it and the client's name then (the
    -- deal win recorded in revenue uses these, so a retry records the same body).
    won_partner   BIGINT,
    won_client    TEXT,
    -- The revenue domain answered the deal win (recorded once, deal_id "opportunity:<id>").
    deal_recorded BOOLEAN NOT NULL DEFAULT false,
    created_by    BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients(tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX opportunities_client_title ON opportunities (tenant_id, client_id, lower(title));

-- Industries staff recommend partners target.
CREATE TABLE industry_recommendations (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id         BIGINT NOT NULL,
    industry   TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
