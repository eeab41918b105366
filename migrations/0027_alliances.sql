-- The alliance CRM (issue 15): alliances (partner organisations) moving
-- through prospect → negotiation → active ⇄ paused, any → closed (final),
-- the partner users who belong to each (one alliance per partner), their
-- contacts, joint opportunities (money in minor units of an ISO 4217
-- currency; won records one deal win in revenue), partner tasks and
-- documents (a link or an uploaded file), and one timeline per alliance.
--
-- The timeline is its own table, not activity_log: activity_log entries
-- belong to one partner (partner_id NOT NULL) while an alliance's entries
-- exist before any partner joins it, and calls, meetings, emails and notes
-- are logged by hand as well as written by every change.
CREATE TABLE alliances (
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id            BIGINT NOT NULL,                 -- snowflake
    name          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('prospect', 'negotiation', 'active', 'paused', 'closed')),
    status_reason TEXT NOT NULL DEFAULT '',        -- the reason given with the last status change
    owner_id      BIGINT NOT NULL,                 -- a staff member (or admin)
    tier          TEXT NOT NULL DEFAULT '',
    region        TEXT NOT NULL DEFAULT '',
    industry      TEXT NOT NULL DEFAULT '',
    website       TEXT NOT NULL DEFAULT '',
    notes         TEXT NOT NULL DEFAULT '',
    external_id   TEXT,                            -- the CSV import's key, unique per tenant
    created_by    BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users(tenant_id, id)
);
CREATE UNIQUE INDEX alliances_name ON alliances (tenant_id, lower(name));
CREATE UNIQUE INDEX alliances_external_id ON alliances (tenant_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX alliances_owner ON alliances (tenant_id, owner_id);

-- Partner users of an alliance; a partner belongs to at most one.
CREATE TABLE alliance_members (
    tenant_id   BIGINT NOT NULL,
    alliance_id BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    added_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, alliance_id, user_id),
    UNIQUE (tenant_id, user_id),
    FOREIGN KEY (tenant_id, alliance_id) REFERENCES alliances(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE alliance_contacts (
    tenant_id   BIGINT NOT NULL,
    id          BIGINT NOT NULL,
    alliance_id BIGINT NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, alliance_id) REFERENCES alliances(tenant_id, id) ON DELETE CASCADE
);
-- One contact of a name per alliance (the CSV import updates it in place).
CREATE UNIQUE INDEX alliance_contacts_name ON alliance_contacts (tenant_id, alliance_id, lower(name));

CREATE TABLE alliance_opportunities (
    tenant_id      BIGINT NOT NULL,
    id             BIGINT NOT NULL,
    alliance_id    BIGINT NOT NULL,
    title          TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('deal', 'campaign')),
    stage          TEXT NOT NULL CHECK (stage IN ('prospect', 'proposal', 'negotiation', 'won', 'lost')),
    value_minor    BIGINT NOT NULL CHECK (value_minor > 0),
    currency       TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    expected_close DATE,
    owner_id       BIGINT NOT NULL,                -- the staff member working it
    partner_id     BIGINT,                         -- the member credited on a win (NULL: the first member)
    won_partner    BIGINT,                         -- who was credited, set on the move to won
    deal_recorded  BOOLEAN NOT NULL DEFAULT false, -- revenue recorded "alliance-opportunity:<id>"
    created_by     BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, alliance_id) REFERENCES alliances(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users(tenant_id, id)
);
CREATE UNIQUE INDEX alliance_opportunities_title ON alliance_opportunities (tenant_id, alliance_id, lower(title));

CREATE TABLE alliance_tasks (
    tenant_id   BIGINT NOT NULL,
    id          BIGINT NOT NULL,
    alliance_id BIGINT NOT NULL,
    title       TEXT NOT NULL,
    due_on      DATE,
    status      TEXT NOT NULL CHECK (status IN ('open', 'done')),
    assignee_id BIGINT,                            -- a member of the alliance (their own task) or staff
    created_by  BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, alliance_id) REFERENCES alliances(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX alliance_tasks_alliance ON alliance_tasks (tenant_id, alliance_id, due_on);

CREATE TABLE alliance_documents (
    tenant_id   BIGINT NOT NULL,
    id          BIGINT NOT NULL,
    alliance_id BIGINT NOT NULL,
    title       TEXT NOT NULL,
    url         TEXT,                              -- an http(s) link, or
    file_id     BIGINT,                            -- an uploaded file (POST /api/v1/files)
    added_by    BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK ((url IS NULL) <> (file_id IS NULL)),
    FOREIGN KEY (tenant_id, alliance_id) REFERENCES alliances(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, file_id) REFERENCES files(tenant_id, id)
);

-- The timeline: calls, meetings, emails and notes logged by hand, and a
-- `system` entry written in the transaction of every change. Append-only.
CREATE TABLE alliance_activities (
    tenant_id   BIGINT NOT NULL,
    id          BIGINT NOT NULL,                   -- snowflake: orders the timeline
    alliance_id BIGINT NOT NULL,
    actor_id    BIGINT,                            -- NULL: the system
    kind        TEXT NOT NULL CHECK (kind IN ('call', 'meeting', 'email', 'note', 'system')),
    verb        TEXT NOT NULL,                     -- e.g. "alliance.status_changed"
    summary     TEXT NOT NULL,
    data        JSONB NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, alliance_id) REFERENCES alliances(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX alliance_activities_alliance ON alliance_activities (tenant_id, alliance_id, id DESC);

CREATE FUNCTION alliance_activities_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'alliance_activities is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER alliance_activities_append_only
    BEFORE UPDATE ON alliance_activities
    FOR EACH ROW EXECUTE FUNCTION alliance_activities_append_only();

-- Row-level security, as migration 0019 gives every tenant table.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['alliances', 'alliance_members', 'alliance_contacts',
        'alliance_opportunities', 'alliance_tasks', 'alliance_documents', 'alliance_activities']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I
               USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::bigint)
               WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::bigint)',
            t);
    END LOOP;
END $$;
