-- A deleted message's text leaves the channel log (issue 12, item 6): the
-- log's MESSAGE_CREATE and MESSAGE_UPDATE rows name their message so the
-- delete can redact them in its own transaction (the events stay, their
-- content does not).
ALTER TABLE channel_events ADD COLUMN message_id BIGINT;
UPDATE channel_events SET message_id = (d::jsonb ->> 'id')::bigint
 WHERE t IN ('MESSAGE_CREATE', 'MESSAGE_UPDATE');
CREATE INDEX channel_events_message ON channel_events (tenant_id, message_id)
 WHERE message_id IS NOT NULL;
-- Messages deleted before this migration: redact their logged text now.
UPDATE channel_events e
   SET d = (((e.d::jsonb) - 'card') || '{"content": ""}'::jsonb)::text
  FROM messages m
 WHERE e.message_id IS NOT NULL AND m.tenant_id = e.tenant_id AND m.id = e.message_id
   AND m.deleted_at IS NOT NULL;
UPDATE messages SET content = '', card = NULL WHERE deleted_at IS NOT NULL;
