-- Account administration, own profile and two-factor login (issue 13).

-- Deactivated members cannot sign in and their tokens are ended; their
-- messages stay. Last seen is when they last signed in or refreshed a token.
ALTER TABLE users
    ADD COLUMN deactivated_at TIMESTAMPTZ,
    ADD COLUMN last_seen_at TIMESTAMPTZ,
    ADD COLUMN bio TEXT NOT NULL DEFAULT '',
    ADD COLUMN timezone TEXT,
    -- The avatar image, a file of the file store (files.id).
    ADD COLUMN avatar_file_id BIGINT,
    -- TOTP (RFC 6238): the shared secret, base32; pending until
    -- totp_enabled_at is set by a first valid code. totp_last_step is the
    -- last time step accepted, so one code is accepted once (RFC 6238 §5.2).
    ADD COLUMN totp_secret TEXT,
    ADD COLUMN totp_enabled_at TIMESTAMPTZ,
    ADD COLUMN totp_last_step BIGINT;

-- What the tenant's admins decide: two-factor login required of staff and
-- admins; whether partners see the member directory.
ALTER TABLE tenants
    ADD COLUMN require_staff_mfa BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN partner_directory BOOLEAN NOT NULL DEFAULT true;

-- Recovery codes: shown once at enrolment, kept as SHA-256 (they carry 50
-- random bits each and are single use), each used at most once.
CREATE TABLE recovery_codes (
    tenant_id  BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    code_hash  TEXT NOT NULL,
    used_at    TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, user_id, code_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- The second step of a login (or of a required enrolment): a password was
-- right, the code is still owed. The challenge is a random token kept as
-- SHA-256, valid for minutes and for a few attempts.
CREATE TABLE mfa_challenges (
    tenant_id   BIGINT NOT NULL,
    token_hash  TEXT NOT NULL PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('login', 'enroll')),
    attempts    INT NOT NULL DEFAULT 0,
    expires_at  TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX mfa_challenges_expiry ON mfa_challenges (expires_at);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['recovery_codes', 'mfa_challenges']
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

-- A challenge names its tenant only once looked up: the second login step
-- finds it across tenants (docs/security.md, "Row-level security").
GRANT SELECT, UPDATE, DELETE ON mfa_challenges TO arena_system;
CREATE POLICY cross_tenant ON mfa_challenges TO arena_system USING (true) WITH CHECK (true);
