-- Community insights (issue 10): daily KPI snapshots at each tenant's
-- local midnight, the per-tenant sharing setting, and experiments with
-- their per-partner assignments and conversions.

-- The tenant's IANA time zone: its "day" for KPI snapshots.
ALTER TABLE tenants ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';

-- One row per (tenant, local day); recomputing replaces it.
CREATE TABLE kpi_snapshots (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    day         DATE NOT NULL,
    kpis        JSONB NOT NULL,             -- see store/insights/kpis.rs `Kpis`
    computed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    computed_by BIGINT,                     -- NULL: the scheduled job
    PRIMARY KEY (tenant_id, day)
);

CREATE TABLE insights_settings (
    tenant_id           BIGINT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    share_with_partners BOOLEAN NOT NULL DEFAULT false,
    updated_by          BIGINT,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE experiments (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id           BIGINT NOT NULL,           -- snowflake
    name         TEXT NOT NULL,
    hypothesis   TEXT NOT NULL DEFAULT '',
    metric       TEXT NOT NULL CHECK (metric IN ('deal_won', 'course_completed', 'message_posted')),
    channel_key  TEXT,                      -- message_posted: the channel counted
    assignment   TEXT NOT NULL CHECK (assignment IN ('opt_in', 'automatic')),
    variants     JSONB NOT NULL,            -- [{name, weight}], 2..5, the first is the control
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'stopped', 'concluded')),
    winner       TEXT,
    created_by   BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at   TIMESTAMPTZ,
    stopped_at   TIMESTAMPTZ,
    concluded_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    CHECK (metric <> 'message_posted' OR channel_key IS NOT NULL)
);
CREATE UNIQUE INDEX experiments_name ON experiments (tenant_id, lower(name));

CREATE TABLE experiment_assignments (
    tenant_id     BIGINT NOT NULL,
    experiment_id BIGINT NOT NULL,
    partner_id    BIGINT NOT NULL,
    variant       TEXT NOT NULL,
    assigned_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    converted_at  TIMESTAMPTZ,              -- set once, the first conversion after assignment
    PRIMARY KEY (tenant_id, experiment_id, partner_id),
    FOREIGN KEY (tenant_id, experiment_id) REFERENCES experiments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, partner_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX experiment_assignments_partner ON experiment_assignments (tenant_id, partner_id);
