-- Invites and password resets (issue 13). Both keep only the SHA-256 of
-- their token (32 random bytes, base64url): a leaked table opens nothing.
-- A token names no tenant, so its lookup runs as arena_system
-- (Store::system_tx) by token_hash; everything after is scoped to the
-- tenant the row names (docs/security.md, "Row-level security").

CREATE TABLE invites (
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id            BIGINT NOT NULL,
    -- Lower-cased at creation.
    email         TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'partner')),
    tier          TEXT CHECK (tier IN ('bronze', 'silver', 'gold', 'platinum')),
    -- A suggested display name (the operator's admin_name), or none.
    display_name  TEXT,
    token_hash    TEXT NOT NULL,
    -- The inviting member (the tenant's system member for an operator's invite).
    created_by    BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    accepted_at   TIMESTAMPTZ,
    accepted_user BIGINT,
    revoked_at    TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT invites_token_unique UNIQUE (token_hash),
    CONSTRAINT invites_tier_partner_only CHECK (tier IS NULL OR role = 'partner')
);
CREATE INDEX invites_tenant_email ON invites (tenant_id, lower(email));

CREATE TABLE password_resets (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    token_hash  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT password_resets_token_unique UNIQUE (token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
);

-- Row-level security as in migration 0019.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['invites', 'password_resets']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I
               USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::bigint)
               WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::bigint)',
            t);
        -- The token lookup: arena_system reads (and locks: FOR UPDATE needs
        -- UPDATE) a row by its token hash, then the transaction is scoped.
        EXECUTE format(
            'CREATE POLICY cross_tenant ON %I TO arena_system USING (true) WITH CHECK (true)', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON invites, password_resets TO arena_app;
GRANT SELECT, UPDATE ON invites, password_resets TO arena_system;
