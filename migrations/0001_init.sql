-- Arena schema. Every table carries tenant_id and every query filters on it.
-- Ids are snowflakes (BIGINT) made by the server.

CREATE TABLE tenants (
    id          BIGINT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id            BIGINT NOT NULL,
    email         TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'partner', 'bot')),
    tier          TEXT CHECK (tier IN ('bronze', 'silver', 'gold', 'platinum')),
    password_hash TEXT,
    muted_until   TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT users_email_unique UNIQUE (tenant_id, email)
);

CREATE TABLE categories (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    position   INT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE channels (
    tenant_id       BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id              BIGINT NOT NULL,
    key             TEXT NOT NULL,
    name            TEXT NOT NULL,
    category        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('chat', 'announcement', 'feed', 'panel', 'dm')),
    domain          TEXT,
    panel           TEXT,
    topic           TEXT,
    position        INT NOT NULL,
    read_rule       TEXT[] NOT NULL DEFAULT '{everyone}',
    post_rule       TEXT[] NOT NULL DEFAULT '{everyone}',
    slow_mode_s     INT NOT NULL DEFAULT 0 CHECK (slow_mode_s >= 0),
    locked          BOOLEAN NOT NULL DEFAULT false,
    -- The channel log's last channel_seq: bumped under this row's lock in the
    -- transaction that commits each durable change, so the log has no gaps.
    last_seq        BIGINT NOT NULL DEFAULT 0,
    last_message_id BIGINT,
    archived        BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT channels_key_unique UNIQUE (tenant_id, key)
);

CREATE TABLE messages (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL,
    author_id   BIGINT NOT NULL,
    content     TEXT NOT NULL,
    card        JSONB,
    reply_to    BIGINT,
    nonce       TEXT,
    channel_seq BIGINT NOT NULL,
    pinned      BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL,
    edited_at   TIMESTAMPTZ,
    deleted_at  TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels(tenant_id, id),
    FOREIGN KEY (tenant_id, author_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX messages_channel_id ON messages (tenant_id, channel_id, id) WHERE deleted_at IS NULL;

CREATE TABLE reactions (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    message_id  BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    emoji       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, message_id, emoji, user_id),
    FOREIGN KEY (tenant_id, message_id) REFERENCES messages(tenant_id, id)
);

CREATE TABLE read_states (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL,
    channel_id   BIGINT NOT NULL,
    last_read_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, channel_id)
);

-- The per-channel event log (PROTOCOL.md §3): every durable change, in order.
CREATE TABLE channel_events (
    tenant_id   BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    t           TEXT NOT NULL,
    d           JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, channel_id, seq),
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels(tenant_id, id)
);

CREATE TABLE refresh_tokens (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);

CREATE TABLE audit_log (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id          BIGINT NOT NULL,
    actor_id    BIGINT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
