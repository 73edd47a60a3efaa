//! Request limits per client IP and per kind of action, and per email address for the
//! actions that send mail. Answers RATE_LIMITED with a Retry-After.
//!
//! IPv6 clients are limited per /64 (one subscriber usually holds a whole /64), and every
//! limiter holds at most `MAX_KEYS` keys: past that, new client addresses share a fixed set
//! of overflow buckets (and new email addresses fall back on the database's mail cap), so a
//! flood of distinct keys cannot grow memory without bound.

use crate::error::{ApiError, ApiResult};
use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    state::keyed::DefaultKeyedStateStore,
};
use std::{
    hash::{BuildHasher, Hash},
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// The kinds of action limited separately, so that a burst of one does not block another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Signup,
    Login,
    /// Resend verification and forgot password.
    Mail,
    /// Validating or spending a one-time token.
    Token,
    /// Starting a Google sign-in: a plain GET another site can make a browser send, so it
    /// has its own budget and never spends the browser's password-login budget.
    Google,
}

/// Keys one limiter remembers at most.
pub const MAX_KEYS: usize = 100_000;
/// Buckets shared by the keys that arrive while a limiter is full.
const OVERFLOW_BUCKETS: u64 = 4_096;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// What a full limiter does with a key it cannot hold.
#[derive(Clone, Copy)]
enum WhenFull {
    /// Counts it against one of a fixed set of shared buckets.
    ShareBuckets,
    /// Lets it through: another, durable limit stands behind this one.
    Allow,
}

/// A keyed limiter with a hard bound on the keys it holds.
struct Bounded<K: Hash + Eq + Clone> {
    keys: Keyed<K>,
    when_full: WhenFull,
    /// Used once `keys` is full: each new key counts against one of a fixed set of buckets.
    overflow: Keyed<u64>,
    hasher: std::collections::hash_map::RandomState,
    started: Instant,
    /// Milliseconds since `started` of the last clean-up forced by a full limiter.
    last_cleanup_ms: AtomicU64,
}

impl<K: Hash + Eq + Clone> Bounded<K> {
    fn new(quota: Quota, when_full: WhenFull) -> Self {
        Bounded {
            keys: RateLimiter::dashmap(quota),
            when_full,
            overflow: RateLimiter::dashmap(quota),
            hasher: Default::default(),
            started: Instant::now(),
            last_cleanup_ms: AtomicU64::new(0),
        }
    }

    fn check(&self, key: &K) -> ApiResult<()> {
        let result = if self.keys.len() < MAX_KEYS || self.make_room() {
            self.keys.check_key(key)
        } else {
            match self.when_full {
                WhenFull::Allow => Ok(()),
                WhenFull::ShareBuckets => self
                    .overflow
                    .check_key(&(self.hasher.hash_one(key) % OVERFLOW_BUCKETS)),
            }
        };
        result.map_err(|not_until| ApiError::RateLimited {
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }

    /// Forgets keys back to a full quota, at most once a second; true if there is room now.
    fn make_room(&self) -> bool {
        let now_ms = self.started.elapsed().as_millis() as u64;
        let last = self.last_cleanup_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) >= 1_000
            && self
                .last_cleanup_ms
                .compare_exchange(last, now_ms, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            self.prune();
        }
        self.keys.len() < MAX_KEYS
    }

    fn prune(&self) {
        self.keys.retain_recent();
        self.keys.shrink_to_fit();
        self.overflow.retain_recent();
    }

    fn len(&self) -> usize {
        self.keys.len() + self.overflow.len()
    }
}

/// What a client address is limited as: IPv4 as it is, IPv6 by its /64.
pub fn ip_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[derive(Clone)]
pub struct Limits {
    per_ip: Arc<Bounded<(Action, IpAddr)>>,
    per_address: Arc<Bounded<String>>,
}

impl Limits {
    pub fn new(per_ip_per_minute: u32, mails_per_address_per_hour: u32) -> Self {
        let per_minute = NonZeroU32::new(per_ip_per_minute).unwrap_or(NonZeroU32::MIN);
        let per_hour = NonZeroU32::new(mails_per_address_per_hour).unwrap_or(NonZeroU32::MIN);
        let hourly = Quota::with_period(Duration::from_secs(3600) / per_hour.get())
            .expect("a positive period")
            .allow_burst(per_hour);
        Limits {
            per_ip: Arc::new(Bounded::new(
                Quota::per_minute(per_minute),
                WhenFull::ShareBuckets,
            )),
            // Past the bound, mail requests go through: the hourly cap per address is also
            // counted in the database, and shared buckets would let a flood of made-up
            // addresses block everyone's resets.
            per_address: Arc::new(Bounded::new(hourly, WhenFull::Allow)),
        }
    }

    pub fn check_ip(&self, action: Action, ip: IpAddr) -> ApiResult<()> {
        self.per_ip.check(&(action, ip_key(ip)))
    }

    /// Limits requests that mail an address, whether or not it has an account, so the
    /// answer tells nothing about the account.
    pub fn check_address(&self, email: &str) -> ApiResult<()> {
        self.per_address.check(&email.to_owned())
    }

    /// Forgets keys that are back to a full quota, so memory follows recent traffic only.
    pub fn prune(&self) {
        self.per_ip.prune();
        self.per_address.prune();
    }

    /// Keys held in memory, overflow buckets included.
    pub fn len(&self) -> usize {
        self.per_ip.len() + self.per_address.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_share_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
        assert_ne!(ip_key(a), ip_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(ip_key(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());

        let limits = Limits::new(3, 5);
        for i in 0..3u16 {
            let ip = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, i, i, i, i));
            assert!(limits.check_ip(Action::Login, ip).is_ok());
        }
        let fourth = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 9, 9, 9, 9));
        assert!(limits.check_ip(Action::Login, fourth).is_err());
    }

    #[test]
    fn distinct_keys_never_grow_past_the_bound() {
        let limits = Limits::new(1_000, 5);
        for i in 0..(MAX_KEYS + 20_000) {
            let _ = limits.check_address(&format!("user{i}@example.com"));
        }
        assert!(limits.len() <= MAX_KEYS + OVERFLOW_BUCKETS as usize);
    }
}
