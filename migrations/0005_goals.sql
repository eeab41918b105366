-- Monthly revenue goals set by staff (issue 8, #goals): one for the program
-- (partner_id 0) and one per partner at most, per calendar month, in the
-- program's reporting currency, minor units.
CREATE TABLE revenue_goals (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    month        DATE NOT NULL CHECK (extract(day FROM month) = 1),
    partner_id   BIGINT NOT NULL DEFAULT 0,
    target_minor BIGINT NOT NULL CHECK (target_minor > 0),
    set_by       BIGINT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, month, partner_id)
);
