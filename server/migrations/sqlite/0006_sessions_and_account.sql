-- Sessions a person can see and end: when each was last used (written at most once a
-- minute), for the list and for ending sessions nobody used for SESSION_IDLE_SECONDS.
-- An address change waits in a one-time link mailed to the new address.
-- Deleted accounts keep only their id and when they were deleted, for the audit.
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
ALTER TABLE one_time_tokens ADD COLUMN new_email TEXT;
CREATE TABLE deleted_accounts (
    user_id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER NOT NULL
);
