//! Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a browser
//! or client that signed in to an account gets a signed cookie naming that account. Wrong
//! passwords from it are counted on their own, so a stranger's flood of wrong passwords,
//! which locks the account for untrusted clients, never locks its owner out of a browser
//! they signed in from before (RL3). An account recovery ends the trust of every browser
//! trusted before it.

use console_api::UserId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a browser stays trusted after its last successful sign-in.
pub const TTL_SECONDS: i64 = 180 * 24 * 3600;
/// The only path that reads the cookie.
pub const PATH: &str = "/api/auth/login";

pub fn cookie_name(https: bool) -> &'static str {
    if https {
        "__Secure-msgsg_device"
    } else {
        "msgsg_device"
    }
}

/// A trusted browser, as its cookie names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub user_id: UserId,
    /// Random, so each browser has its own failure counter.
    pub id: String,
    pub issued_at: i64,
}

#[derive(Clone)]
pub struct DeviceCookies {
    key: [u8; 32],
}

impl DeviceCookies {
    pub fn new(server_secret: &[u8]) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(server_secret).expect("HMAC takes any key");
        mac.update(b"msgsg device cookie v1");
        DeviceCookies {
            key: mac.finalize().into_bytes().into(),
        }
    }

    /// A fresh cookie value for a browser that just signed in to `user_id`.
    pub fn issue(&self, user_id: &UserId, now: i64) -> String {
        let id = super::random::hex_token(16);
        let body = format!("{user_id}.{id}.{now}");
        format!("{body}.{}", self.sign(&body))
    }

    /// The device a cookie value names, if the signature holds and it has not expired. The
    /// caller still checks that it names the account signing in and postdates any recovery.
    pub fn read(&self, value: &str, now: i64) -> Option<Device> {
        let (body, signature) = value.rsplit_once('.')?;
        if body.len() > 200 {
            return None;
        }
        let expected = self.sign(body);
        if !super::random::constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            return None;
        }
        let mut parts = body.split('.');
        let (user_id, id, issued_at) = (parts.next()?, parts.next()?, parts.next()?);
        let issued_at: i64 = issued_at.parse().ok()?;
        if parts.next().is_some() || issued_at + TTL_SECONDS <= now || issued_at > now + 60 {
            return None;
        }
        Some(Device {
            user_id: user_id.into(),
            id: id.to_owned(),
            issued_at,
        })
    }

    fn sign(&self, body: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(body.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_verify_and_resist_tampering() {
        let cookies = DeviceCookies::new(&[7u8; 32]);
        let value = cookies.issue(&"user1".into(), 1_000);
        let device = cookies.read(&value, 1_001).unwrap();
        assert_eq!(
            (device.user_id.as_str(), device.issued_at),
            ("user1", 1_000)
        );
        // Another account's name, another key, or a stale cookie are worth nothing.
        assert!(
            cookies
                .read(&value.replacen("user1", "user2", 1), 1_001)
                .is_none()
        );
        assert!(DeviceCookies::new(&[8u8; 32]).read(&value, 1_001).is_none());
        assert!(cookies.read(&value, 1_000 + TTL_SECONDS).is_none());
        assert!(cookies.read("garbage", 1_001).is_none());
        assert!(cookies.read("", 1_001).is_none());
    }
}
