-- Members are found by key through users_pkey alone (issue 14).
--
-- The (tenant_id, email) unique index led with tenant_id, as users_pkey
-- (tenant_id, id) does. For a tenant the planner's statistics do not cover
-- yet (one created or grown since the last ANALYZE), it estimated one row for
-- either and chose the email index: a lookup by (tenant_id, id) then read
-- every member of the tenant and filtered on id. Every foreign-key check
-- against users has that shape (Postgres's RI query: SELECT 1 FROM ONLY users
-- x WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE OF x), so each committed
-- message's author check read the whole tenant: 1,299 rows removed by the
-- filter and 0.41 ms in a 1,300-member tenant, against 0.06 ms by key.
--
-- Leading with email keeps the constraint (same name, so ON CONFLICT ON
-- CONSTRAINT users_email_unique is unchanged) and leaves a tenant-first
-- lookup only the primary key.
CREATE UNIQUE INDEX users_email_tenant ON users (email, tenant_id);
ALTER TABLE users
    DROP CONSTRAINT users_email_unique,
    ADD CONSTRAINT users_email_unique UNIQUE USING INDEX users_email_tenant;
