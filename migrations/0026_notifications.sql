-- Notification settings (issue 13, own account): what the member's clients
-- notify of — every message, mentions and DMs only, or nothing — and the
-- channels they muted (no unread badge, no notification; mentions still count).
ALTER TABLE users
    ADD COLUMN notify_level TEXT NOT NULL DEFAULT 'all'
        CHECK (notify_level IN ('all', 'mentions', 'none')),
    ADD COLUMN muted_channels BIGINT[] NOT NULL DEFAULT '{}';
