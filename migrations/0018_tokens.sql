-- Tokens lose their right when the member's does (issue 12, item 4).
-- Every access token carries the member's token epoch (JWT claim `epoch`);
-- kick, logout and role, tier or password changes by the member upsert bump
-- it, and a token of an older epoch is refused on REST, IDENTIFY and RESUME.
ALTER TABLE users ADD COLUMN token_epoch BIGINT NOT NULL DEFAULT 0;

-- Refresh tokens rotate within a family (one login); a used token is kept
-- (marked) until it expires so a second use is seen as reuse and revokes the
-- whole family (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
ALTER TABLE refresh_tokens ADD COLUMN family TEXT NOT NULL DEFAULT md5(random()::text);
ALTER TABLE refresh_tokens ADD COLUMN used_at TIMESTAMPTZ;
ALTER TABLE refresh_tokens ALTER COLUMN family DROP DEFAULT;
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user ON refresh_tokens (tenant_id, user_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);
