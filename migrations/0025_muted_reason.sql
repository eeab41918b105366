-- The moderator's reason for a member's timeout (issue 12 "Moderation in the
-- browser": a timed-out member sees why and until when). NULL when no
-- timeout is set; READY and the member's own MEMBER_UPDATE carry it.
ALTER TABLE users ADD COLUMN muted_reason TEXT;
