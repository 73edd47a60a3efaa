//! A short-lived, in-process memory of checked session tokens, so that a busy client costs
//! neither a signature check nor a database read per request.
//!
//! Revocations made by this process (logout, reset, disabling) take effect at once; a change
//! made by another replica or directly in the database is seen within the cache lifetime
//! (`SESSION_CACHE_MS`, 0 turns the cache off). Token expiry is still checked on every hit.
//!
//! Entries live in `moka` caches (bounded in size, expiring by themselves). Revoking marks the
//! account or the session instead of scanning the entries: an entry checked before its
//! account's last change, or whose session ended, is never served.

use crate::{
    auth::jwt::Claims,
    db::{sessions::TOUCH_EVERY_SECONDS, users::User},
};
use console_api::{SessionId, UserId};
use moka::sync::Cache;
use std::time::{Duration, Instant};

/// Tokens remembered at most; the least used go first beyond it.
const MAX_ENTRIES: u64 = 50_000;
/// Accounts and sessions marked at most. A mark lives twice an entry's lifetime, so it
/// outlives every entry it concerns.
const MAX_MARKS: u64 = 100_000;

pub struct SessionCache {
    entries: Option<Cache<String, Entry>>,
    /// When each account last changed (password, role, disabled).
    users_changed: Cache<UserId, Instant>,
    /// Sessions ended by this process.
    sessions_ended: Cache<SessionId, ()>,
    /// When this process last recorded each session's use (Unix seconds, the server's clock).
    touched: Cache<SessionId, i64>,
}

#[derive(Clone)]
struct Entry {
    user: User,
    claims: Claims,
    /// When the database was read for it: a change after that makes it stale.
    checked_at: Instant,
}

impl SessionCache {
    pub fn new(ttl: Duration) -> Self {
        let marks_ttl = (ttl * 2).max(Duration::from_millis(1));
        SessionCache {
            entries: (!ttl.is_zero()).then(|| {
                Cache::builder()
                    .max_capacity(MAX_ENTRIES)
                    .time_to_live(ttl)
                    .build()
            }),
            users_changed: Cache::builder()
                .max_capacity(MAX_MARKS)
                .time_to_live(marks_ttl)
                .build(),
            sessions_ended: Cache::builder()
                .max_capacity(MAX_MARKS)
                .time_to_live(marks_ttl)
                .build(),
            touched: Cache::builder()
                .max_capacity(MAX_MARKS)
                .time_to_live(Duration::from_secs(2 * TOUCH_EVERY_SECONDS as u64))
                .build(),
        }
    }

    /// The user and claims of `token`, if it was fully checked recently, nothing changed
    /// since, and it has not expired (`now` in Unix seconds, with the JWT leeway).
    pub fn get(&self, token: &str, now: i64) -> Option<(User, Claims)> {
        let entry = self.entries.as_ref()?.get(token)?;
        let changed = self
            .users_changed
            .get(&entry.user.id)
            .is_some_and(|at| at >= entry.checked_at);
        let current = !changed
            && !self.sessions_ended.contains_key(entry.claims.sid.as_str())
            && entry.claims.exp + crate::auth::jwt::LEEWAY_SECONDS > now;
        current.then_some((entry.user, entry.claims))
    }

    /// Remembers a token whose session was read from the database at `checked_at` (taken
    /// before the read, so a revocation racing with it is not missed).
    pub fn put(&self, token: &str, user: &User, claims: &Claims, checked_at: Instant) {
        if let Some(entries) = &self.entries {
            entries.insert(
                token.to_owned(),
                Entry {
                    user: user.clone(),
                    claims: claims.clone(),
                    checked_at,
                },
            );
        }
    }

    /// Whether this session's use should be written now: at most once a minute a process,
    /// so a busy client costs one write a minute, not one a request.
    pub fn should_touch(&self, sid: &SessionId, now: i64) -> bool {
        let due = self
            .touched
            .get(sid)
            .is_none_or(|at| at + TOUCH_EVERY_SECONDS <= now);
        if due {
            self.touched.insert(sid.clone(), now);
        }
        due
    }

    pub fn forget_session(&self, sid: &SessionId) {
        self.sessions_ended.insert(sid.clone(), ());
    }

    /// After a change to the account (password, role, disabled), every session of it is
    /// checked against the database again.
    pub fn forget_user(&self, user_id: &UserId) {
        self.users_changed.insert(user_id.clone(), Instant::now());
    }
}
