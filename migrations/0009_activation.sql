-- The activation domain (issue 9): onboarding checklists, applications,
-- agreement acceptances, compliance documents and the one-time welcome.
-- Every change also writes an activity_log entry in its own transaction.

-- A partner's checklist ticks, one row per (partner, item key of
-- program.toml [[onboarding.item]]). Items ticked from facts of the own
-- records (agreement, application) are computed, not stored here.
CREATE TABLE activation_ticks (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    partner_id BIGINT NOT NULL,
    item_key   TEXT NOT NULL,
    done       BOOLEAN NOT NULL,
    -- 'partner' (a button), 'signal' (another domain's fact), 'event' (a chat event)
    source     TEXT NOT NULL CHECK (source IN ('partner', 'signal', 'event')),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, partner_id, item_key),
    FOREIGN KEY (tenant_id, partner_id) REFERENCES users(tenant_id, id)
);

-- One application per partner: the current one (a rejected partner's
-- resubmission replaces it; the history is in the activity log).
CREATE TABLE activation_applications (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    partner_id   BIGINT NOT NULL,
    status       TEXT NOT NULL
                 CHECK (status IN ('submitted', 'under_review', 'approved', 'rejected')),
    company      TEXT NOT NULL,
    website      TEXT NOT NULL DEFAULT '',
    pitch        TEXT NOT NULL,
    -- The staff decision's reason (empty until decided).
    reason       TEXT NOT NULL DEFAULT '',
    decided_by   BIGINT,
    submitted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, partner_id),
    FOREIGN KEY (tenant_id, partner_id) REFERENCES users(tenant_id, id)
);

-- Agreement acceptances: one per (partner, version of the agreement).
CREATE TABLE activation_agreements (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    partner_id  BIGINT NOT NULL,
    version     TEXT NOT NULL,
    accepted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, partner_id, version),
    FOREIGN KEY (tenant_id, partner_id) REFERENCES users(tenant_id, id)
);

-- Compliance documents: references to uploaded files (the files table).
CREATE TABLE activation_documents (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id         BIGINT NOT NULL,           -- snowflake
    partner_id BIGINT NOT NULL,
    kind       TEXT NOT NULL,             -- program.toml [[onboarding.document]] key
    file_id    BIGINT NOT NULL,
    added_by   BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, partner_id, file_id),
    -- No foreign key to files: that table comes in a later migration; the
    -- domain checks the file (same tenant, its owner) before it refers to it.
    FOREIGN KEY (tenant_id, partner_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX activation_documents_partner ON activation_documents (tenant_id, partner_id, id DESC);

-- The welcome in #welcome, claimed before it is posted: the primary key
-- makes it once per partner across restarts and nodes. `message_id` is
-- reserved in the claim so a post lost to a failure is retried with the
-- same id (chat refuses a second message with it). NULL message_id: the
-- partner was welcomed before this table (seeded members).
CREATE TABLE activation_welcomes (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    partner_id BIGINT NOT NULL,
    message_id BIGINT,
    claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    posted_at  TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, partner_id),
    FOREIGN KEY (tenant_id, partner_id) REFERENCES users(tenant_id, id)
);
