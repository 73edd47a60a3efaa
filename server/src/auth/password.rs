//! Password rules (length, common passwords, context words) and Argon2id hashing.
//!
//! Hashing is CPU- and memory-heavy, so it runs on dedicated threads, at most
//! `hash_concurrency` at a time, with at most `hash_queue` more waiting: beyond that a request
//! is refused with OVERLOADED instead of queueing without bound.

use crate::error::{ApiError, ApiResult};
use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher as _, Version,
    password_hash::{Output, SaltString},
};
use std::{
    collections::HashSet,
    sync::{
        Arc, LazyLock, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
        mpsc::{self, Receiver, SyncSender, TrySendError},
    },
};
use tokio::sync::oneshot;
use unicode_normalization::UnicodeNormalization;

/// Longest password accepted, in code points.
pub const MAX_LENGTH: usize = 256;

/// Argon2id with OWASP's first recommended setting: 19 MiB, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// Over 100,000 passwords from breach corpora (see `data/README.md`), already NFKC-normalized
/// and lowercased like the passwords they are compared with.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    let text = include_str!("../../data/common-passwords.txt");
    let mut set = HashSet::with_capacity(text.lines().count());
    set.extend(text.lines().filter(|l| !l.is_empty()));
    set
});

/// The shortest core (what is left of a password once leading and trailing digits and symbols
/// are stripped) looked up in the list: shorter ones, like `xk` in `xk-9`, would match
/// listed entries by chance.
const MIN_CORE_CHARS: usize = 4;

/// A password made only of digits and keyboard symbols ("123456789012345", "!@#$1234"): a
/// date, a number or a keyboard walk, the first thing a guesser tries.
fn digits_and_symbols_only(lower: &str) -> bool {
    lower
        .chars()
        .all(|c| c.is_numeric() || c.is_ascii_punctuation() || c.is_whitespace())
}

/// `s` without leading and trailing digits and symbols: "password" in "!!!password!!!2024".
fn core(s: &str) -> &str {
    s.trim_matches(|c: char| !c.is_alphabetic())
}

/// Whether `s` is listed, or is a listed word padded with digits or symbols
/// ("password12345678", "monkey123456789").
fn listed(s: &str) -> bool {
    if COMMON.contains(s) {
        return true;
    }
    let core = core(s);
    core.len() < s.len() && core.chars().count() >= MIN_CORE_CHARS && COMMON.contains(core)
}

/// The shortest unit that `s` repeats at least twice ("monkey" in "monkeymonkeymonkey").
fn repeated_unit(s: &str) -> Option<&str> {
    let bytes = s.as_bytes();
    (1..=bytes.len() / 2)
        .filter(|&n| bytes.len().is_multiple_of(n) && s.is_char_boundary(n))
        .find(|&n| bytes.chunks_exact(n).all(|chunk| chunk == &bytes[..n]))
        .map(|n| &s[..n])
}

/// A unit this short, repeated inside padding ("2024xqzvxqzvxqzv"), is refused even when it
/// isn't listed. Repeated bare ("xqzvxqzvxqzvxqzv") it has too few distinct characters, which
/// `check_policy` refuses next with its own message.
const MAX_SHORT_UNIT_CHARS: usize = 4;

/// Whether a normalized, lowercased password is common: listed, a listed word padded with
/// digits or symbols, only digits and symbols, or a listed word repeated ("passwordpassword",
/// "abcabcabcabcabc", "monkeymonkey2024").
fn is_common(lower: &str) -> bool {
    if digits_and_symbols_only(lower) || listed(lower) || repeated_unit(lower).is_some_and(listed) {
        return true;
    }
    let core = core(lower);
    core.len() < lower.len()
        && core.chars().count() >= MIN_CORE_CHARS
        && repeated_unit(core)
            .is_some_and(|unit| unit.chars().count() <= MAX_SHORT_UNIT_CHARS || listed(unit))
}

/// Builds the common-password set now, at start, rather than on the first signup.
pub fn load_common_passwords() -> usize {
    COMMON.len()
}

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
    // A listed password, padded with digits or symbols or repeated, is as weak.
    if is_common(&lower) {
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

/// A unit of work for a hashing thread; it sends its own result back.
type Job = Box<dyn FnOnce(&mut Worker) + Send>;

/// Argon2 hashing on a few dedicated threads: at most `concurrency` hashes run at once and at
/// most `queue` wait; more are refused with OVERLOADED. The threads run at a lower CPU
/// priority, so a flood of logins slows logins, not every other request.
#[derive(Clone)]
pub struct Hasher {
    jobs: SyncSender<Job>,
    /// Jobs sent and not yet taken by a thread.
    waiting: Arc<AtomicUsize>,
    /// Verified against for unknown accounts, so they cost as much as known ones.
    dummy_hash: Arc<String>,
    /// Argon2 work done so far, in memory blocks times passes.
    work: Arc<AtomicU64>,
}

impl Hasher {
    pub fn new(concurrency: usize, queue: usize) -> Self {
        let (jobs, receiver) = mpsc::sync_channel::<Job>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        let waiting = Arc::new(AtomicUsize::new(0));
        for i in 0..concurrency.max(1) {
            let (receiver, waiting) = (receiver.clone(), waiting.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker_loop(&receiver, &waiting))
                .expect("start a hashing thread");
        }
        let dummy_hash = Worker::default().hash("dummy password for unknown accounts");
        Hasher {
            jobs,
            waiting,
            dummy_hash: Arc::new(dummy_hash),
            work: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Argon2 work done since start, in memory blocks times passes: what a request cost,
    /// whatever else the machine was doing meanwhile.
    pub fn work_done(&self) -> u64 {
        self.work.load(Ordering::Acquire)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Worker) -> T + Send + 'static,
    ) -> ApiResult<T> {
        let (reply, result) = oneshot::channel();
        let total = self.work.clone();
        let job: Job = Box::new(move |worker| {
            let before = worker.work;
            let value = work(worker);
            total.fetch_add(worker.work - before, Ordering::AcqRel);
            let _ = reply.send(value);
        });
        self.waiting.fetch_add(1, Ordering::AcqRel);
        match self.jobs.try_send(job) {
            Ok(()) => result.await.map_err(ApiError::internal),
            Err(e) => {
                self.waiting.fetch_sub(1, Ordering::AcqRel);
                match e {
                    TrySendError::Full(_) => Err(ApiError::Overloaded),
                    TrySendError::Disconnected(_) => {
                        Err(ApiError::internal("the hashing threads stopped"))
                    }
                }
            }
        }
    }

    pub async fn hash(&self, password: String) -> ApiResult<String> {
        self.run(move |worker| worker.hash(&password)).await
    }

    /// Verifies against `stored`, or against a dummy hash when there is no account or no
    /// password, which then never matches.
    pub async fn verify(&self, password: String, stored: Option<String>) -> ApiResult<Verified> {
        let real = stored.is_some();
        let stored = stored.unwrap_or_else(|| (*self.dummy_hash).clone());
        self.run(move |worker| {
            let (ok, weaker) = worker.verify(&password, &stored);
            Verified {
                ok: ok && real,
                needs_rehash: ok && real && weaker,
            }
        })
        .await
    }
}

fn worker_loop(receiver: &Mutex<Receiver<Job>>, waiting: &AtomicUsize) {
    // Linux gives each thread its own nice value: this lowers only the hashing thread.
    // SAFETY: setpriority has no memory-safety preconditions.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
    let mut worker = Worker::default();
    loop {
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        waiting.fetch_sub(1, Ordering::AcqRel);
        job(&mut worker);
        if waiting.load(Ordering::Acquire) == 0 {
            // Nothing waiting: give the 19 MiB back until work comes again.
            worker.memory = Vec::new();
            release_free_memory();
        }
    }
}

const HASH_LEN: usize = 32;

/// glibc keeps freed memory of a thread's heap mapped; hand it back to the system so an idle
/// server stays small.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// One hashing thread's state: its Argon2 memory, reused from one hash to the next while
/// work keeps coming.
#[derive(Default)]
pub struct Worker {
    memory: Vec<Block>,
    /// Memory blocks times passes computed by this worker.
    work: u64,
}

impl Worker {
    fn compute(
        &mut self,
        argon: &Argon2<'_>,
        block_count: usize,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> bool {
        if self.memory.len() != block_count {
            self.memory = Vec::new();
            self.memory.resize(block_count, Block::default());
        }
        self.work += block_count as u64 * u64::from(argon.params().t_cost());
        argon
            .hash_password_into_with_memory(password, salt, out, &mut self.memory[..])
            .is_ok()
    }

    /// A PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    pub fn hash(&mut self, password: &str) -> String {
        let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(HASH_LEN))
            .expect("valid Argon2 parameters");
        let block_count = params.block_count();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = super::random::bytes::<16>();
        let mut out = [0u8; HASH_LEN];
        let hashed = self.compute(&argon, block_count, password.as_bytes(), &salt, &mut out);
        assert!(hashed, "Argon2 with valid parameters cannot fail");
        let salt = SaltString::encode_b64(&salt).expect("16 bytes fit a salt");
        let output = Output::new(&out).expect("a 32-byte output");
        format!(
            "$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p={PARALLELISM}${}${output}",
            salt.as_str()
        )
    }

    /// Whether `password` matches the PHC string `stored`, and whether that hash is weaker
    /// than today's parameters.
    pub fn verify(&mut self, password: &str, stored: &str) -> (bool, bool) {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return (false, false);
        };
        let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
            Algorithm::try_from(parsed.algorithm),
            Params::try_from(&parsed),
            parsed.salt,
            parsed.hash,
        ) else {
            return (false, false);
        };
        let version = parsed
            .version
            .and_then(|v| Version::try_from(v).ok())
            .unwrap_or(Version::V0x13);
        let mut salt_buf = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
            return (false, false);
        };
        let mut out = vec![0u8; expected.len()];
        let block_count = params.block_count();
        let argon = Argon2::new(algorithm, version, params);
        if !self.compute(&argon, block_count, password.as_bytes(), salt, &mut out) {
            return (false, false);
        }
        let ok = super::random::constant_time_eq(&out, expected.as_bytes());
        (ok, is_weaker(&parsed))
    }
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
    let salt = SaltString::encode_b64(&super::random::bytes::<16>()).expect("16 bytes fit a salt");
    argon
        .hash_password(password.as_bytes(), &salt)
        .expect("valid Argon2 parameters")
        .to_string()
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

    const TOO_COMMON: &str = "This password is too common; choose another one";

    /// Refused as too common, at the smallest minimum length that lets it through to that check.
    fn too_common(password: &str) -> bool {
        check_policy(password, 8, &[]).err().as_deref() == Some(TOO_COMMON)
    }

    /// Refused by a rule, not because the list has it: the tests below would prove nothing if
    /// a rebuilt list came to hold these forms.
    fn unlisted(password: &str) -> bool {
        let lower: String = password.nfkc().collect::<String>().to_lowercase();
        !COMMON.contains(lower.as_str())
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
    fn the_list_is_large_and_normalized() {
        assert!(COMMON.len() >= 100_000, "{} entries", COMMON.len());
        for entry in COMMON.iter() {
            let normalized: String = entry.nfkc().collect::<String>().to_lowercase();
            assert_eq!(*entry, normalized);
            assert!(entry.chars().count() <= 64, "{entry}");
        }
    }

    #[test]
    fn listed_passwords_are_refused() {
        for password in [
            "iloveyou",
            "qwertyuiop",
            "1q2w3e4r5t6y7u8i9o0p",
            "passwordpassword",
        ] {
            assert!(too_common(password), "{password}");
        }
        // Compared after NFKC and lowercasing, like the list: fullwidth letters, a combining
        // tilde.
        assert!(too_common("ＰＡＳＳＷＯＲＤ１２３"));
        assert!(too_common("CONTRASEN\u{303}A"));
    }

    #[test]
    fn padded_passwords_are_refused() {
        for password in [
            "password12345678",
            "!!!Password!!!2024",
            "monkey123456789",
            "2024Dragon!!",
            "***sunshine***",
        ] {
            assert!(unlisted(password), "{password}");
            assert!(too_common(password), "{password}");
        }
        // A core shorter than 4 characters isn't looked up: "abc" and "xk" would match by
        // chance.
        assert!(check_policy("90210abc%%37", 8, &[]).is_ok());
        assert!(check_policy("7319xk-9!!40", 8, &[]).is_ok());
    }

    #[test]
    fn digits_and_symbols_only_are_refused() {
        assert!(too_common("123456789012345"));
        for password in ["3141592653589793", "20-12-2024 19:45", "!@#$%^&*()_+1234"] {
            assert!(unlisted(password), "{password}");
            assert!(too_common(password), "{password}");
        }
    }

    #[test]
    fn repeated_passwords_are_refused() {
        for password in [
            "monkeymonkeymonkey",
            "abcabcabcabcabc",
            "Dragon!Dragon!",
            "monkeymonkey2024",
            "2024xqzvxqzvxqzv",
        ] {
            assert!(unlisted(password), "{password}");
            assert!(too_common(password), "{password}");
        }
        // A short unit repeated bare has too few distinct characters, and is told so.
        for password in ["xqzvxqzvxqzvxqzv", "aaaaaaaaaaaaaaaaaaaa"] {
            let error = check_policy(password, 15, &[]).unwrap_err();
            assert!(error.contains("too few characters"), "{password}: {error}");
        }
        assert_eq!(repeated_unit("monkeymonkeymonkey"), Some("monkey"));
        assert_eq!(repeated_unit("ababab"), Some("ab"));
        assert_eq!(repeated_unit("ééé"), Some("é"));
        assert_eq!(repeated_unit("abcab"), None);
        assert_eq!(repeated_unit("a"), None);
        assert_eq!(repeated_unit(""), None);
    }

    #[test]
    fn good_passphrases_pass() {
        for (password, min) in [
            ("correct horse battery staple", 15),
            ("a long passphrase of mine", 15),
            ("w8-pale-trombone", 8),
            ("a good new passphrase", 15),
            ("a brand new passphrase for e2e", 15),
            ("another long passphrase here", 15),
            ("a long benchmark passphrase", 15),
            (
                "a sentence long enough to pass every rule of the console's password policy",
                15,
            ),
            ("purple-elephant-42", 8),
            ("éèêëàéèêëàéèêëà", 15),
        ] {
            assert!(check_policy(password, min, &[]).is_ok(), "{password}");
        }
    }

    #[test]
    fn context_words_are_refused() {
        let ctx = ["alice.liddell@example.com", "aliceliddell"];
        assert!(check_policy("aliceliddell2024", 8, &ctx).is_err());
        assert!(check_policy("a long phrase with aliceliddell in it", 8, &ctx).is_ok());
    }

    #[test]
    fn hashes_verify_and_are_salted() {
        let mut worker = Worker::default();
        let a = worker.hash("correct horse battery");
        let b = worker.hash("correct horse battery");
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(worker.verify("correct horse battery", &a), (true, false));
        assert_eq!(worker.verify("correct horse batterz", &a), (false, false));
        // Hashes made by the argon2 crate's own encoder verify too.
        let old = hash_with_params("pw", 4096, 1, 1);
        assert_eq!(worker.verify("pw", &old), (true, true));
        assert_eq!(worker.verify("pw", "not a hash"), (false, false));
    }

    #[test]
    fn old_parameters_are_weaker() {
        let old = hash_with_params("pw", 4096, 1, 1);
        assert!(is_weaker(&PasswordHash::new(&old).unwrap()));
        let new = hash_with_params("pw", MEMORY_KIB, ITERATIONS, PARALLELISM);
        assert!(!is_weaker(&PasswordHash::new(&new).unwrap()));
    }
}
