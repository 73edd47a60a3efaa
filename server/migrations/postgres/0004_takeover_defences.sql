-- Account-takeover defences: a verification link activates the password (and username)
-- of the signup that sent it; sign-in failures are counted per account, per unknown
-- identifier and per trusted browser; a reset stops the browsers trusted before it.
ALTER TABLE one_time_tokens ADD COLUMN password_hash TEXT;
ALTER TABLE one_time_tokens ADD COLUMN username TEXT;
ALTER TABLE users ADD COLUMN credentials_reset_at BIGINT;
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_started_at BIGINT NOT NULL,
    locked_until BIGINT
);
