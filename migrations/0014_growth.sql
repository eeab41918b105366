-- Growth hub (issue 10): referral codes and their clicks, referred leads
-- with their stage and rewards, partners' landing pages, and outreach
-- campaigns whose steps are scheduled per enrolled lead.

-- A partner's referral code: globally unique (the public `/r/{code}` route
-- finds the tenant from it), short and URL-safe.
CREATE TABLE growth_codes (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          BIGINT NOT NULL,               -- snowflake
    partner_id  BIGINT NOT NULL,
    code        TEXT NOT NULL,
    -- Where `/r/{code}` sends visitors; NULL: the program's `referral_target`.
    target      TEXT,
    clicks      BIGINT NOT NULL DEFAULT 0,     -- counted clicks (bots and repeats left out)
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX growth_codes_code ON growth_codes (code);
CREATE INDEX growth_codes_partner ON growth_codes (tenant_id, partner_id);

-- Who was counted recently, per code or page: a salted hash of the address,
-- never the address. A visitor seen again within the window is not counted.
CREATE TABLE growth_visitors (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('click', 'visit')),
    subject_id  BIGINT NOT NULL,               -- the code's or the page's id
    visitor     TEXT NOT NULL,                 -- hex HMAC-SHA256 of the address
    counted_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind, subject_id, visitor)
);
CREATE INDEX growth_visitors_age ON growth_visitors (counted_at);

-- A partner's public landing page, served at /p/{tenant slug}/{slug}.
CREATE TABLE growth_pages (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          BIGINT NOT NULL,
    partner_id  BIGINT NOT NULL,
    slug        TEXT NOT NULL,
    headline    TEXT NOT NULL,
    body        TEXT NOT NULL,
    cta         TEXT NOT NULL,                 -- the call-to-action label
    fields      TEXT[] NOT NULL,               -- of name, email, phone, company, message
    published   BOOLEAN NOT NULL DEFAULT false,
    visits      BIGINT NOT NULL DEFAULT 0,     -- counted visits (bots and repeats left out)
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, slug)
);

-- A referred lead: referred → contacted → qualified → won | lost.
CREATE TABLE growth_leads (
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id            BIGINT NOT NULL,
    partner_id    BIGINT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('panel', 'api', 'landing_page')),
    page_id       BIGINT,                      -- the landing page it came from
    name          TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    company       TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    stage         TEXT NOT NULL CHECK (stage IN ('referred', 'contacted', 'qualified', 'won', 'lost')),
    value_minor   BIGINT,                      -- set when won
    currency      TEXT,
    deal_recorded BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),   -- last touched (follow-ups)
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX growth_leads_partner ON growth_leads (tenant_id, partner_id, updated_at DESC);

-- Rewards earned as a lead reaches a stage (program config): append-only,
-- once per lead and stage.
CREATE TABLE growth_rewards (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id           BIGINT NOT NULL,
    partner_id   BIGINT NOT NULL,
    lead_id      BIGINT NOT NULL,
    stage        TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, lead_id, stage)
);
CREATE INDEX growth_rewards_partner ON growth_rewards (tenant_id, partner_id, id DESC);
CREATE FUNCTION growth_rewards_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'growth_rewards is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER growth_rewards_no_update BEFORE UPDATE ON growth_rewards
    FOR EACH ROW EXECUTE FUNCTION growth_rewards_append_only();

-- An outreach sequence, owned by the partner (or staff member) who built it.
CREATE TABLE growth_campaigns (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          BIGINT NOT NULL,
    owner_id    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX growth_campaigns_owner ON growth_campaigns (tenant_id, owner_id);

CREATE TABLE growth_campaign_steps (
    tenant_id   BIGINT NOT NULL,
    campaign_id BIGINT NOT NULL,
    position    INT NOT NULL,                  -- 1, 2, … in order
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    day_offset  INT NOT NULL CHECK (day_offset >= 0),
    subject     TEXT NOT NULL DEFAULT '',      -- email only
    template    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, campaign_id, position),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES growth_campaigns (tenant_id, id) ON DELETE CASCADE
);

-- A lead enrolled in a campaign; its steps become runs.
CREATE TABLE growth_enrollments (
    tenant_id    BIGINT NOT NULL,
    id           BIGINT NOT NULL,
    campaign_id  BIGINT NOT NULL,
    lead_id      BIGINT NOT NULL,
    enrolled_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    cancelled_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES growth_campaigns (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX growth_enrollments_live ON growth_enrollments (tenant_id, campaign_id, lead_id)
    WHERE cancelled_at IS NULL;

-- One step of one enrollment, with the step as it was at enrollment.
-- pending → emitted (campaign.step_due queued) → sent | failed; or cancelled.
CREATE TABLE growth_step_runs (
    tenant_id     BIGINT NOT NULL,
    id            BIGINT NOT NULL,
    enrollment_id BIGINT NOT NULL,
    campaign_id   BIGINT NOT NULL,
    lead_id       BIGINT NOT NULL,
    position      INT NOT NULL,
    channel       TEXT NOT NULL,
    subject       TEXT NOT NULL,
    template      TEXT NOT NULL,
    due_at        TIMESTAMPTZ NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'emitted', 'sent', 'failed', 'cancelled')),
    detail        TEXT NOT NULL DEFAULT '',
    emitted_at    TIMESTAMPTZ,
    done_at       TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, enrollment_id) REFERENCES growth_enrollments (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX growth_step_runs_due ON growth_step_runs (due_at) WHERE status = 'pending';
CREATE INDEX growth_step_runs_enrollment ON growth_step_runs (tenant_id, enrollment_id, position);
