-- Row-level security (issue 12, defence in depth): a query that forgets its
-- tenant filter returns nothing of another tenant.
--
-- * Every table with a tenant_id column gets ENABLE and FORCE ROW LEVEL
--   SECURITY and the policy tenant_isolation: a row is visible, and may be
--   written, only when its tenant_id equals the transaction's app.tenant_id
--   (set by Store::tenant_tx with set_config(…, true)). With the setting unset
--   (NULL, or '' once a transaction that set it ended) nothing is visible and
--   every write is refused; the NULLIF keeps '' from failing the cast.
-- * arena_app is the role the server connects as: neither owner nor
--   BYPASSRLS, NOINHERIT (so the arena_system policies below do not apply to
--   it unless it says SET ROLE).
-- * arena_system is the deliberate cross-tenant path (Store::system_tx does
--   SET LOCAL ROLE arena_system): it holds privileges on only the tables the
--   schedulers and token lookups read, with a policy that sees every tenant.
--   docs/security.md lists each use.
-- Migrations run as the owner (a superuser in scripts/lib.sh set-ups), which
-- creates the roles when they are missing (scripts/lib.sh gives arena_app a
-- login and a password).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'arena_app') THEN
        CREATE ROLE arena_app NOLOGIN NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'arena_system') THEN
        CREATE ROLE arena_system NOLOGIN NOINHERIT;
    END IF;
END $$;
-- NOINHERIT before the membership grant: on Postgres 16+ a grant's INHERIT
-- option defaults to the member's attribute at grant time.
ALTER ROLE arena_app NOINHERIT;
GRANT arena_system TO arena_app;

GRANT USAGE ON SCHEMA public TO arena_app, arena_system;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO arena_app;
REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations FROM arena_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO arena_app;
-- Tables later migrations create (as the same owner) are the app's too;
-- each such migration must still enable RLS on it (tests/rls.rs checks).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO arena_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO arena_app;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.table_name, c.data_type
          FROM information_schema.columns c
          JOIN information_schema.tables tb
            ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
         WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id'
           AND tb.table_type = 'BASE TABLE'
    LOOP
        IF t.data_type <> 'bigint' THEN
            RAISE EXCEPTION 'tenant_id of % is %, not bigint', t.table_name, t.data_type;
        END IF;
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.table_name);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t.table_name);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I
               USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::bigint)
               WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::bigint)',
            t.table_name);
    END LOOP;
END $$;

-- The cross-tenant path: what each table is read or changed for is in
-- docs/security.md ("Row-level security").
GRANT SELECT ON bot_tokens, growth_codes, growth_campaigns, growth_leads, experiments,
    webhook_subscriptions, payout_accounts, webhooks, growth_visitors TO arena_system;
-- Of members, only what token checks and campaign runs need (no email, no password hash).
GRANT SELECT (tenant_id, id, role, display_name, token_epoch) ON users TO arena_system;
-- SELECT … FOR UPDATE needs UPDATE.
GRANT SELECT, UPDATE ON webhook_outbox, growth_step_runs, refresh_tokens TO arena_system;
GRANT DELETE ON webhook_outbox, growth_visitors, refresh_tokens TO arena_system;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['bot_tokens', 'users', 'growth_codes', 'growth_campaigns',
        'growth_leads', 'experiments', 'webhook_subscriptions', 'payout_accounts', 'webhooks',
        'growth_visitors', 'webhook_outbox', 'growth_step_runs', 'refresh_tokens']
    LOOP
        EXECUTE format(
            'CREATE POLICY cross_tenant ON %I TO arena_system USING (true) WITH CHECK (true)', t);
    END LOOP;
END $$;
