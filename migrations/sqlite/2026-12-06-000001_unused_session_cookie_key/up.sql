-- Session cookies now carry the session key itself (see src/web/session.rs); the key that
-- encrypted them has no use left, and a secret kept for nothing is one more to leak.
DELETE FROM app_secrets WHERE name = 'session_key';
