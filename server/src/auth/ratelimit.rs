//! Request limits per client IP and per kind of action, and per email address for the
//! actions that send mail. Answers RATE_LIMITED with a Retry-After.

use crate::error::{ApiError, ApiResult};
use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    state::keyed::DefaultKeyedStateStore,
};
use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

/// The kinds of action limited separately, so that a burst of one does not block another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Signup,
    Login,
    /// Resend verification and forgot password.
    Mail,
    /// Validating or spending a one-time token.
    Token,
}

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

#[derive(Clone)]
pub struct Limits {
    per_ip: Arc<Keyed<(Action, IpAddr)>>,
    per_address: Arc<Keyed<String>>,
}

impl Limits {
    pub fn new(per_ip_per_minute: u32, mails_per_address_per_hour: u32) -> Self {
        let per_minute = NonZeroU32::new(per_ip_per_minute).unwrap_or(NonZeroU32::MIN);
        let per_hour = NonZeroU32::new(mails_per_address_per_hour).unwrap_or(NonZeroU32::MIN);
        let hourly = Quota::with_period(Duration::from_secs(3600) / per_hour.get())
            .expect("a positive period")
            .allow_burst(per_hour);
        Limits {
            per_ip: Arc::new(RateLimiter::dashmap(Quota::per_minute(per_minute))),
            per_address: Arc::new(RateLimiter::dashmap(hourly)),
        }
    }

    pub fn check_ip(&self, action: Action, ip: IpAddr) -> ApiResult<()> {
        self.per_ip
            .check_key(&(action, ip))
            .map_err(|not_until| ApiError::RateLimited {
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            })
    }

    /// Limits requests that mail an address, whether or not it has an account, so the
    /// answer tells nothing about the account.
    pub fn check_address(&self, email: &str) -> ApiResult<()> {
        self.per_address
            .check_key(&email.to_owned())
            .map_err(|not_until| ApiError::RateLimited {
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            })
    }

    /// Forgets keys that are back to a full quota, so memory follows recent traffic only.
    pub fn prune(&self) {
        self.per_ip.retain_recent();
        self.per_address.retain_recent();
    }
}
