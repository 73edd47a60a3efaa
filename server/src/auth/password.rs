//! Password rules (length, common passwords, context words) and Argon2id hashing.
//!
//! Hashing is CPU- and memory-heavy, so it runs on the blocking pool, at most
//! `hash_concurrency` at a time, with at most `hash_queue` more waiting: beyond that a request
//! is refused with OVERLOADED instead of queueing without bound.

use crate::error::{ApiError, ApiResult};
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier, Version,
    password_hash::SaltString,
};
use std::{
    collections::HashSet,
    sync::{
        Arc, LazyLock,
        atomic::{AtomicUsize, Ordering},
    },
};
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization;

/// Longest password accepted, in code points.
pub const MAX_LENGTH: usize = 256;

/// Argon2id with OWASP's first recommended setting: 19 MiB, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .collect()
});

/// Checks a new password; the error names what to change.
pub fn check_policy(password: &str, min_length: usize, context: &[&str]) -> Result<String, String> {
    // Refuse huge input before normalizing it: a code point is at most 4 bytes.
    if password.len() > MAX_LENGTH * 4 {
        return Err(format!("Use at most {MAX_LENGTH} characters"));
    }
    let normalized: String = password.nfkc().collect();
    let length = normalized.chars().count();
    if length < min_length {
        return Err(format!("Use at least {min_length} characters"));
    }
    if length > MAX_LENGTH {
        return Err(format!("Use at most {MAX_LENGTH} characters"));
    }
    let lower = normalized.to_lowercase();
    // A listed password padded with digits or symbols ("password12345678") is as weak.
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if COMMON.contains(lower.as_str()) || COMMON.contains(core) {
        return Err("This password is too common; choose another one".into());
    }
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return Err("This password repeats too few characters; choose another one".into());
    }
    for word in context {
        let word = word.trim().to_lowercase();
        // A password that is mostly the email or the username is guessable.
        if word.chars().count() >= 4 && lower.contains(&word) && word.len() * 2 >= lower.len() {
            return Err("Don't build the password from your email or username".into());
        }
    }
    Ok(normalized)
}

pub struct Verified {
    pub ok: bool,
    /// The stored hash uses weaker parameters than today's: store a new one.
    pub needs_rehash: bool,
}

#[derive(Clone)]
pub struct Hasher {
    argon: Argon2<'static>,
    running: Arc<Semaphore>,
    in_flight: Arc<AtomicUsize>,
    capacity: usize,
    /// Verified against for unknown accounts, so they cost as much as known ones.
    dummy_hash: Arc<String>,
}

impl Hasher {
    pub fn new(concurrency: usize, queue: usize) -> Self {
        let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
            .expect("the Argon2 parameters are valid");
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = hash_blocking(&argon, "dummy password for unknown accounts");
        Hasher {
            argon,
            running: Arc::new(Semaphore::new(concurrency.max(1))),
            in_flight: Arc::new(AtomicUsize::new(0)),
            capacity: concurrency.max(1) + queue,
            dummy_hash: Arc::new(dummy_hash),
        }
    }

    /// Runs `work` on the blocking pool within the concurrency and queue bounds.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Argon2<'static>) -> T + Send + 'static,
    ) -> ApiResult<T> {
        if self.in_flight.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::Overloaded);
        }
        let _slot = InFlight(self.in_flight.clone());
        let _permit = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let argon = self.argon.clone();
        tokio::task::spawn_blocking(move || work(&argon))
            .await
            .map_err(ApiError::internal)
    }

    pub async fn hash(&self, password: String) -> ApiResult<String> {
        self.run(move |argon| hash_blocking(argon, &password)).await
    }

    /// Verifies against `stored`, or against a dummy hash when there is no account or no
    /// password, which then never matches.
    pub async fn verify(&self, password: String, stored: Option<String>) -> ApiResult<Verified> {
        let real = stored.is_some();
        let stored = stored.unwrap_or_else(|| (*self.dummy_hash).clone());
        self.run(move |argon| {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return Verified {
                    ok: false,
                    needs_rehash: false,
                };
            };
            let ok = argon.verify_password(password.as_bytes(), &parsed).is_ok() && real;
            Verified {
                ok,
                needs_rehash: ok && is_weaker(&parsed),
            }
        })
        .await
    }
}

struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn hash_blocking(argon: &Argon2<'_>, password: &str) -> String {
    let salt = SaltString::encode_b64(&super::random::bytes::<16>()).expect("16 bytes fit a salt");
    argon
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashing with valid parameters cannot fail")
        .to_string()
}

fn is_weaker(hash: &PasswordHash<'_>) -> bool {
    if hash.algorithm.as_str() != "argon2id" {
        return true;
    }
    let Ok(params) = Params::try_from(hash) else {
        return true;
    };
    params.m_cost() < MEMORY_KIB || params.t_cost() < ITERATIONS || params.p_cost() < PARALLELISM
}

/// An Argon2id hash with chosen parameters (tests use it to plant an old-style hash).
pub fn hash_with_params(password: &str, m_kib: u32, t: u32, p: u32) -> String {
    let params = Params::new(m_kib, t, p, None).expect("valid Argon2 parameters");
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    hash_blocking(&argon, password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        assert!(check_policy("short", 15, &[]).is_err());
        assert!(check_policy("correct horse battery", 15, &[]).is_ok());
        assert!(check_policy(&"xyzzy".repeat(MAX_LENGTH / 5 + 1), 15, &[]).is_err());
        assert!(check_policy(&"x".repeat(1 << 20), 15, &[]).is_err());
        // Counted in code points, not bytes.
        assert!(check_policy("éèêëàéèêëàéèêëà", 15, &[]).is_ok());
        assert!(check_policy("éèêëàéèêëàéèêë", 15, &[]).is_err());
    }

    #[test]
    fn common_passwords_are_refused() {
        assert!(check_policy("password123", 8, &[]).is_err());
        assert!(check_policy("PASSWORD123", 8, &[]).is_err());
        assert!(check_policy("w8-pale-trombone", 8, &[]).is_ok());
        assert!(check_policy("1q2w3e4r5t6y7u8i9o0p", 15, &[]).is_err());
        assert!(check_policy("password12345678", 15, &[]).is_err());
        assert!(check_policy("!!!Password!!!2024", 15, &[]).is_err());
        assert!(check_policy("abababababababab", 15, &[]).is_err());
    }

    #[test]
    fn context_words_are_refused() {
        let ctx = ["alice.liddell@example.com", "aliceliddell"];
        assert!(check_policy("aliceliddell2024", 8, &ctx).is_err());
        assert!(check_policy("a long phrase with aliceliddell in it", 8, &ctx).is_ok());
    }

    #[test]
    fn old_parameters_are_weaker() {
        let old = hash_with_params("pw", 4096, 1, 1);
        assert!(is_weaker(&PasswordHash::new(&old).unwrap()));
        let new = hash_with_params("pw", MEMORY_KIB, ITERATIONS, PARALLELISM);
        assert!(!is_weaker(&PasswordHash::new(&new).unwrap()));
    }
}
