//! Credentials: passwords, JWTs, one-time tokens, and the limits that protect them.

pub mod jwt;
pub mod password;
pub mod random;
pub mod ratelimit;
pub mod session_cache;
