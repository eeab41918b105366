-- Support cases (issue 9, #support-cases): a partner opens a case, staff
-- triage it (status, assignee, priority) and both sides write in its
-- thread; staff may add internal notes the partner never sees. Evidence
-- files are referred to by id (the `files` table, same tenant).
CREATE TABLE support_cases (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id           BIGINT NOT NULL,          -- snowflake
    author_id    BIGINT NOT NULL,          -- the partner who opened it
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
    priority     TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    assignee_id  BIGINT,                   -- a staff member; NULL: unassigned
    escalated_at TIMESTAMPTZ,              -- set once by staff (`escalate`)
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX support_cases_author ON support_cases (tenant_id, author_id, updated_at DESC);
CREATE INDEX support_cases_status ON support_cases (tenant_id, status, updated_at DESC);

-- A case's thread after its opening body: replies of the author and staff,
-- internal notes of staff (`internal`), and status changes (`kind` status,
-- `status` the new one, `body` the reason, possibly empty).
CREATE TABLE support_entries (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id         BIGINT NOT NULL,            -- snowflake: orders the thread
    case_id    BIGINT NOT NULL,
    author_id  BIGINT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('reply', 'status')),
    internal   BOOLEAN NOT NULL DEFAULT false,
    status     TEXT,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, case_id) REFERENCES support_cases (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX support_entries_case ON support_entries (tenant_id, case_id, id DESC);

-- Files attached to a case (at opening or with a reply); `internal` when
-- attached to an internal note (never shown to the partner).
CREATE TABLE support_evidence (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    case_id    BIGINT NOT NULL,
    file_id    BIGINT NOT NULL,
    added_by   BIGINT NOT NULL,
    internal   BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, case_id, file_id),
    FOREIGN KEY (tenant_id, case_id) REFERENCES support_cases (tenant_id, id) ON DELETE CASCADE
    -- No foreign key to `files`: that table comes in migration 0013; the
    -- domain checks each file id against it (same tenant, the uploader).
);
