//! Credentials: passwords, JWTs, one-time tokens, and the limits that protect them.

pub mod account;
pub mod api_keys;
pub mod device;
pub mod jwt;
pub mod links;
pub mod oidc;
pub mod password;
pub mod random;
pub mod ratelimit;
pub mod reauth;
pub mod seal;
pub mod session;
pub mod session_cache;
pub mod throttle;
pub mod totp;
pub mod two_factor;
pub mod two_factor_settings;
pub mod user_agent;
