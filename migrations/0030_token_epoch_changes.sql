-- The token watch reads only the members whose token epoch changed since its
-- last pass (issue 14): every change of users.token_epoch stamps
-- epoch_changed_at with the time of the change (the database's clock, as the
-- watch's watermark is). Rows never changed keep '-infinity'.
ALTER TABLE users ADD COLUMN epoch_changed_at timestamptz NOT NULL DEFAULT '-infinity';
CREATE INDEX users_epoch_changed ON users (epoch_changed_at);

CREATE FUNCTION arena_stamp_epoch_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.epoch_changed_at := clock_timestamp();
  RETURN NEW;
END
$$;

CREATE TRIGGER users_epoch_changed BEFORE UPDATE ON users FOR EACH ROW
  WHEN (OLD.token_epoch IS DISTINCT FROM NEW.token_epoch)
  EXECUTE FUNCTION arena_stamp_epoch_change();

-- The watch reads the changes as arena_system (Store::system_tx), which sees
-- only the users columns granted to it (migration 0019).
GRANT SELECT (epoch_changed_at) ON users TO arena_system;
