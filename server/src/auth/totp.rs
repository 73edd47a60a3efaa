//! Time-based one-time codes (RFC 6238, through `totp-rs`): SHA-1, 6 digits, 30-second
//! steps, one step of drift either way — what every authenticator app supports. The secret
//! is sealed at rest; recovery codes are kept as keyed hashes (HMAC of the server secret), so
//! a copy of the database alone yields neither.

use super::seal::Sealer;
use console_api::UserId;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use totp_rs::{Algorithm, Builder, Secret, Totp};

pub const ISSUER: &str = "msgsg";
/// Recovery codes an account gets at a time.
pub const RECOVERY_CODES: usize = 10;
const SECRET_BYTES: usize = 20;
const STEP_SECONDS: i64 = 30;

#[derive(Clone)]
pub struct TotpKeys {
    sealer: Sealer,
    recovery_key: [u8; 32],
}

/// A code that matched, and the time step it belongs to (recorded so it never works again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched {
    pub step: i64,
}

impl TotpKeys {
    pub fn new(server_secret: &[u8]) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(server_secret).expect("HMAC takes any key");
        mac.update(b"msgsg recovery codes v1");
        TotpKeys {
            sealer: Sealer::new(server_secret, b"msgsg totp secret v1"),
            recovery_key: mac.finalize().into_bytes().into(),
        }
    }

    /// A fresh secret, sealed for storage.
    pub fn new_secret(&self) -> (Vec<u8>, String) {
        let secret = super::random::bytes::<SECRET_BYTES>().to_vec();
        let sealed = hex::encode(self.sealer.seal(&secret));
        (secret, sealed)
    }

    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        self.sealer.open(&hex::decode(sealed).ok()?)
    }

    /// A fresh set of recovery codes for the account, and the hashes they are stored as.
    pub fn new_recovery_codes(&self, user_id: &UserId) -> (Vec<String>, Vec<String>) {
        let codes = new_recovery_codes();
        let hashes = codes
            .iter()
            .map(|c| self.recovery_hash(user_id, c))
            .collect();
        (codes, hashes)
    }

    /// The keyed hash a recovery code is stored and looked up by (bound to its account).
    pub fn recovery_hash(&self, user_id: &UserId, code: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.recovery_key).expect("HMAC takes any key");
        mac.update(user_id.as_str().as_bytes());
        mac.update(b"\0");
        mac.update(normalize_recovery_code(code).as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn totp(secret: &[u8], account: &str) -> Totp {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS as u64)
        .with_secret(secret.to_vec())
        .with_issuer(Some(ISSUER))
        // A colon would end the label early; addresses never hold one, but be safe.
        .with_account_name(account.replace(':', ""))
        .build()
        .expect("a 160-bit secret and fixed parameters are valid")
}

/// The base32 form of a secret, for typing it into an app by hand.
pub fn manual_key(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

/// The `otpauth://` URI an authenticator app scans.
pub fn uri(secret: &[u8], account: &str) -> String {
    totp(secret, account)
        .to_url()
        .expect("the account name is set")
}

/// The URI as a QR code, an SVG drawn on the server (no script or service sees the secret).
pub fn qr_svg(uri: &str) -> String {
    use qrcode::{QrCode, render::svg};
    QrCode::new(uri.as_bytes())
        .expect("an otpauth URI fits in a QR code")
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build()
}

/// The step of `now` (or one either side) whose code `code` is; `None` for anything else.
pub fn check(secret: &[u8], code: &str, now: i64) -> Option<Matched> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) || now < 0 {
        return None;
    }
    totp(secret, "")
        .check(&code, now as u64)
        .map(|step| Matched { step: step as i64 })
}

/// Ten codes of 12 base32 characters (60 bits), shown as `xxxx-xxxx-xxxx`.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw = super::random::bytes::<12>();
            let chars: String = raw
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect();
            format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12])
        })
        .collect()
}

/// Case, spaces and dashes do not matter when a recovery code is typed.
fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_the_rfc_vectors_check_with_one_step_of_drift() {
        // RFC 6238 appendix B, SHA-1: the secret "12345678901234567890".
        let secret = b"12345678901234567890";
        // At T = 59 the 8-digit code is 94287082: its last six digits are the 6-digit code.
        assert_eq!(check(secret, "287082", 59), Some(Matched { step: 1 }));
        assert_eq!(check(secret, "287082", 59 + 30), Some(Matched { step: 1 }));
        assert_eq!(check(secret, "287082", 59 + 60), None);
        assert_eq!(check(secret, "287 082", 59), Some(Matched { step: 1 }));
        for bad in ["", "28708", "2870822", "abcdef", "28708x"] {
            assert_eq!(check(secret, bad, 59), None, "{bad}");
        }
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_per_account() {
        let keys = TotpKeys::new(&[9u8; 32]);
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let a: UserId = "a".into();
        let b: UserId = "b".into();
        let code = &codes[0];
        assert_eq!(
            keys.recovery_hash(&a, code),
            keys.recovery_hash(&a, &code.to_uppercase().replace('-', " "))
        );
        assert_ne!(keys.recovery_hash(&a, code), keys.recovery_hash(&b, code));
    }

    #[test]
    fn secrets_are_sealed() {
        let keys = TotpKeys::new(&[9u8; 32]);
        let (secret, sealed) = keys.new_secret();
        assert_eq!(keys.open(&sealed), Some(secret.clone()));
        assert!(!sealed.contains(&hex::encode(&secret)));
        assert!(TotpKeys::new(&[8u8; 32]).open(&sealed).is_none());
        let uri = uri(&secret, "ada@example.com");
        assert!(
            uri.starts_with("otpauth://totp/msgsg:ada%40example.com?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={}", manual_key(&secret))));
        assert!(qr_svg(&uri).starts_with("<?xml"));
    }
}
