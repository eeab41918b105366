-- The log's `d` is written by the server and only ever read back whole: keep
-- it as text. jsonb made Postgres parse and re-encode every event on the
-- message.create hot path (group commit) for no query that needed it.
ALTER TABLE channel_events ALTER COLUMN d TYPE TEXT USING d::text;
