-- Two-factor sign-in (TOTP, RFC 6238). The secret is sealed with a key derived from the
-- server secret; `last_step` is the time step of the last code accepted, so no code works
-- twice. Recovery codes are stored as keyed hashes and work once each. A correct password
-- for an account with a factor opens a challenge, stored hashed, that a code answers.
CREATE TABLE totp_factors (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    enabled_at INTEGER,
    last_step INTEGER
);
CREATE TABLE recovery_codes (
    code_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);
CREATE TABLE two_factor_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- What the first factor was: the password hash it matched, or a provider sign-in and
    -- when it started; checked again when the session opens, so a reset in between ends it.
    password_hash TEXT,
    provider_started_at INTEGER,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    used_at INTEGER
);
CREATE INDEX two_factor_challenges_by_user ON two_factor_challenges (user_id);
