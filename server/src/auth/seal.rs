//! Authenticated encryption with keys derived from the server secret, one key per purpose:
//! queued mail bodies (they carry one-time links, so a copy of the database alone does not
//! reveal them) and the Google sign-in attempt kept in a browser cookie.

use chacha20poly1305::{
    ChaCha20Poly1305, Key, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
    /// Names the purpose: it derives the key and is bound into every sealed message.
    context: &'static [u8],
}

impl Sealer {
    pub fn new(server_secret: &[u8], context: &'static [u8]) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(server_secret).expect("HMAC takes any key");
        mac.update(context);
        let key = mac.finalize().into_bytes();
        Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
            context,
        }
    }

    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce = crate::auth::random::bytes::<NONCE_LEN>();
        let mut out = nonce.to_vec();
        let payload = Payload {
            msg: plaintext,
            aad: self.context,
        };
        out.extend(
            self.cipher
                .encrypt(Nonce::from_slice(&nonce), payload)
                .expect("encryption in memory cannot fail"),
        );
        out
    }

    /// `None` when the data was sealed with another secret or altered.
    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: self.context,
        };
        self.cipher.decrypt(Nonce::from_slice(nonce), payload).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens() {
        let secret = b"secret secret secret secret secret";
        let sealer = Sealer::new(secret, b"one");
        let sealed = sealer.seal(b"hello link");
        assert!(!sealed.windows(10).any(|w| w == b"hello link"));
        assert_eq!(sealer.open(&sealed).unwrap(), b"hello link");
        let other = Sealer::new(b"another secret another secret 123", b"one");
        assert!(other.open(&sealed).is_none());
        let other_purpose = Sealer::new(secret, b"two");
        assert!(other_purpose.open(&sealed).is_none());
    }
}
