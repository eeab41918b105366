-- Alliance view state (issue 15). The last CSV import per tenant: its report (the
-- JSON of `ImportReport`: applied, counts and one entry per row) and who
-- ran it, so the directory shows it after an actor or server restart. One
-- row per tenant, replaced by each import.
CREATE TABLE alliance_imports (
    tenant_id   BIGINT PRIMARY KEY,
    by_user     BIGINT NOT NULL,
    report      JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Row-level security, as migration 0019 gives every tenant table.
ALTER TABLE alliance_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE alliance_imports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON alliance_imports
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint);

-- The alliance page each staff member has open in #alliance-directory (view
-- state kept here so every node builds the same projection for them): the
-- alliance and the timeline page (entries older than `before_id`; NULL the
-- newest). One row per viewer; closing the page deletes it.
CREATE TABLE alliance_page_views (
    tenant_id   BIGINT NOT NULL,
    viewer_id   BIGINT NOT NULL,
    alliance_id BIGINT NOT NULL,
    before_id   BIGINT,
    PRIMARY KEY (tenant_id, viewer_id),
    FOREIGN KEY (tenant_id, alliance_id) REFERENCES alliances(tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE alliance_page_views ENABLE ROW LEVEL SECURITY;
ALTER TABLE alliance_page_views FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON alliance_page_views
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint);
