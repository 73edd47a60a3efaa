//! Credentials: passwords, JWTs, one-time tokens, and the limits that protect them.

pub mod device;
pub mod jwt;
pub mod oidc;
pub mod password;
pub mod random;
pub mod ratelimit;
pub mod reauth;
pub mod seal;
pub mod session_cache;
pub mod throttle;
