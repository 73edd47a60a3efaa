//! A short-lived, in-process memory of checked session tokens, so that a busy client costs
//! neither a signature check nor a database read per request.
//!
//! Revocations made by this process (logout, reset, disabling) clear entries at once; a change
//! made by another replica or directly in the database is seen within the cache lifetime
//! (`SESSION_CACHE_MS`, 0 turns the cache off). Token expiry is still checked on every hit.

use crate::{auth::jwt::Claims, db::users::User};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Beyond this many tokens the cache starts over rather than grow.
const MAX_ENTRIES: usize = 50_000;

pub struct SessionCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Clone)]
struct Entry {
    user: User,
    claims: Claims,
    fresh_until: Instant,
}

impl SessionCache {
    pub fn new(ttl: Duration) -> Self {
        SessionCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The user and claims of `token`, if it was fully checked recently and has not expired
    /// (`now` in Unix seconds, with the JWT leeway).
    pub fn get(&self, token: &str, now: i64) -> Option<(User, Claims)> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(token)?;
        let current = entry.fresh_until > Instant::now()
            && entry.claims.exp + crate::auth::jwt::LEEWAY_SECONDS > now;
        current.then(|| (entry.user.clone(), entry.claims.clone()))
    }

    pub fn put(&self, token: &str, user: &User, claims: &Claims) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(
                token.to_owned(),
                Entry {
                    user: user.clone(),
                    claims: claims.clone(),
                    fresh_until: Instant::now() + self.ttl,
                },
            );
        }
    }

    pub fn forget_session(&self, sid: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, entry| entry.claims.sid != sid);
        }
    }

    /// After a change to the account (password, role, disabled), every session of it is
    /// checked against the database again.
    pub fn forget_user(&self, user_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, entry| entry.user.id != user_id);
        }
    }
}
