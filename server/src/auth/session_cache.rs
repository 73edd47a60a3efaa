//! A short-lived, in-process memory of live sessions, so that a busy client does not cost a
//! database read per request.
//!
//! Revocations made by this process (logout, reset, disabling) clear entries at once; a change
//! made by another replica or directly in the database is seen within the cache lifetime
//! (`SESSION_CACHE_MS`, 0 turns the cache off).

use crate::db::users::User;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Beyond this many sessions the cache starts over rather than grow.
const MAX_ENTRIES: usize = 50_000;

pub struct SessionCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    user: User,
    fresh_until: Instant,
}

impl SessionCache {
    pub fn new(ttl: Duration) -> Self {
        SessionCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The user of session `sid`, if it was checked against the database recently.
    pub fn get(&self, sid: &str, user_id: &str) -> Option<User> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(sid)?;
        (entry.fresh_until > Instant::now() && entry.user.id == user_id).then(|| entry.user.clone())
    }

    pub fn put(&self, sid: &str, user: &User) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(
                sid.to_owned(),
                Entry {
                    user: user.clone(),
                    fresh_until: Instant::now() + self.ttl,
                },
            );
        }
    }

    pub fn forget_session(&self, sid: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(sid);
        }
    }

    /// After a change to the account (password, role, disabled), every session of it is read
    /// again from the database.
    pub fn forget_user(&self, user_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, entry| entry.user.id != user_id);
        }
    }
}
