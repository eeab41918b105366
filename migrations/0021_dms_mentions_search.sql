-- Direct messages, mentions and search (issue 13).

-- A partner may refuse direct messages opened by other partners (staff may
-- always open one).
ALTER TABLE users ADD COLUMN allow_partner_dms BOOLEAN NOT NULL DEFAULT true;

-- Members named with <@user_id> in the content, as stored with the message
-- (PROTOCOL.md §3 `mentions`); the GIN index serves "messages mentioning me".
ALTER TABLE messages ADD COLUMN mentions BIGINT[] NOT NULL DEFAULT '{}';
CREATE INDEX messages_mentions ON messages USING GIN (mentions)
    WHERE deleted_at IS NULL AND mentions <> '{}';

-- Full-text search: a generated tsvector (English stemming) with a GIN index,
-- queried with websearch_to_tsquery. A deleted message's content is redacted
-- to '' and so leaves the index too.
ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('english', content)) STORED;
CREATE INDEX messages_search ON messages USING GIN (search) WHERE deleted_at IS NULL;
