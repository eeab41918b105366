-- The per-partner activity log (issue 9): every change a domain makes to a
-- partner's records writes one entry in the transaction of the change.
-- Shown to the partner and to staff. Append-only, like the ledger.
CREATE TABLE activity_log (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id         BIGINT NOT NULL,          -- snowflake: orders the log
    partner_id BIGINT NOT NULL,          -- whose log it is
    actor_id   BIGINT,                   -- who did it; NULL: the system
    domain     TEXT NOT NULL,            -- e.g. "activation"
    verb       TEXT NOT NULL,            -- e.g. "checklist.ticked"
    summary    TEXT NOT NULL,            -- one readable sentence
    data       JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX activity_log_partner ON activity_log (tenant_id, partner_id, id DESC);

CREATE FUNCTION activity_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'activity_log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER activity_log_append_only
    BEFORE UPDATE OR DELETE ON activity_log
    FOR EACH ROW EXECUTE FUNCTION activity_log_append_only();
