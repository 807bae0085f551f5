-- When a session began, for the absolute timeout. Sessions from before cannot say, so they end.
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN created_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
