-- The enablement domain (issue 9): courses with ordered modules (staff
-- create and publish), completion per partner, certifications, SOP
-- checklists per client, badges, and each partner's sharing setting.

CREATE TABLE courses (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id           BIGINT NOT NULL,                -- snowflake
    slug         TEXT,                           -- seeded courses: their stable key
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    pass_mark    INT CHECK (pass_mark BETWEEN 1 AND 100), -- NULL: no quiz
    created_by   BIGINT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, slug)
);

CREATE TABLE course_modules (
    tenant_id BIGINT NOT NULL,
    course_id BIGINT NOT NULL,
    id        BIGINT NOT NULL,                   -- snowflake
    position  INT NOT NULL,                      -- 1, 2, … in the course
    title     TEXT NOT NULL,
    body      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, course_id, position),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE module_completions (
    tenant_id    BIGINT NOT NULL,
    partner_id   BIGINT NOT NULL,
    course_id    BIGINT NOT NULL,
    module_id    BIGINT NOT NULL,
    completed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, partner_id, module_id),
    FOREIGN KEY (tenant_id, module_id) REFERENCES course_modules (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX module_completions_course ON module_completions (tenant_id, course_id);

-- A partner's best submitted quiz score per course (0..100).
CREATE TABLE quiz_scores (
    tenant_id    BIGINT NOT NULL,
    partner_id   BIGINT NOT NULL,
    course_id    BIGINT NOT NULL,
    score        INT NOT NULL CHECK (score BETWEEN 0 AND 100),
    submitted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, partner_id, course_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

-- A course passed: every module done (and the quiz at or above the pass
-- mark); written once, with its certification.
CREATE TABLE course_completions (
    tenant_id    BIGINT NOT NULL,
    partner_id   BIGINT NOT NULL,
    course_id    BIGINT NOT NULL,
    completed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, partner_id, course_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE certifications (
    tenant_id  BIGINT NOT NULL,
    id         BIGINT NOT NULL,                  -- snowflake: the certificate number
    partner_id BIGINT NOT NULL,
    course_id  BIGINT NOT NULL,
    score      INT,                              -- the quiz score, when the course has one
    issued_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, partner_id, course_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

-- Per-partner settings; no row: the defaults (share completions).
CREATE TABLE enablement_settings (
    tenant_id         BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    partner_id        BIGINT NOT NULL,
    share_completions BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, partner_id)
);

-- The clients a partner runs an SOP board for, by client type (program.toml
-- [enablement.sop.<type>]).
CREATE TABLE sop_clients (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    partner_id  BIGINT NOT NULL,
    client      TEXT NOT NULL,
    client_type TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, partner_id, client)
);

CREATE TABLE sop_ticks (
    tenant_id  BIGINT NOT NULL,
    partner_id BIGINT NOT NULL,
    client     TEXT NOT NULL,
    item       TEXT NOT NULL,                    -- the item's id in its SOP
    ticked_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, partner_id, client, item),
    FOREIGN KEY (tenant_id, partner_id, client) REFERENCES sop_clients (tenant_id, partner_id, client) ON DELETE CASCADE
);

-- Badges earned: each at most once per partner.
CREATE TABLE badge_awards (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    partner_id BIGINT NOT NULL,
    badge      TEXT NOT NULL,                    -- the badge's id in program.toml
    awarded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, partner_id, badge)
);
