-- App plans (issue 10, #app-plans-create, #app-plans-library,
-- #app-plans-templates): curated plan templates per tenant, and the plans
-- partners build from them with the wizard.

-- A plan template: ordered sections whose bodies carry placeholders
-- ({{client.name}}, {{goals}} …). Seeded per tenant from the server's
-- curated list (a seeded key is never written again, so staff edits and
-- retirements stay); staff add, edit and retire templates.
CREATE TABLE app_plan_templates (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,            -- slug, e.g. 'restaurant'
    name        TEXT NOT NULL,
    vertical    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- [{title, body, narrative}] in order; `narrative` sections may be
    -- rewritten by the configured language model.
    sections    JSONB NOT NULL,
    position    INT NOT NULL DEFAULT 0,   -- order in lists (seeded ones first)
    created_by  BIGINT,                   -- NULL: seeded
    retired_at  TIMESTAMPTZ,              -- NULL: offered in the wizard
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);

-- A plan: the wizard's answers and the sections rendered from them (a copy:
-- later template edits do not change it).
CREATE TABLE app_plans (
    tenant_id      BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id             BIGINT NOT NULL,       -- snowflake
    partner_id     BIGINT NOT NULL,       -- the partner who owns it
    template_key   TEXT NOT NULL,
    template_name  TEXT NOT NULL,
    title          TEXT NOT NULL,
    client_name    TEXT NOT NULL,
    answers        JSONB NOT NULL,        -- the wizard's answers
    -- [{title, body, narrative, source: template|assistant|partner}]
    sections       JSONB NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'changes_requested')),
    -- The narrative sections' writer: `template` (no model configured),
    -- `writing` (a model call in flight), `written`, `failed` (template
    -- text kept; `narrative_note` says why).
    narrative      TEXT NOT NULL CHECK (narrative IN ('template', 'writing', 'written', 'failed')),
    narrative_note TEXT,
    narrative_gen  INT NOT NULL DEFAULT 0, -- a result of an older call is ignored
    submissions    INT NOT NULL DEFAULT 0, -- times submitted (each posted once)
    decision_note  TEXT,
    decided_by     BIGINT,
    submitted_at   TIMESTAMPTZ,
    decided_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX app_plans_partner ON app_plans (tenant_id, partner_id, updated_at DESC);
CREATE INDEX app_plans_status ON app_plans (tenant_id, status, updated_at DESC);
CREATE INDEX app_plans_writing ON app_plans (tenant_id) WHERE narrative = 'writing';
