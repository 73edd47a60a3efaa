//! API keys for scripts: `msgsg_` and 256 random bits in hex, shown once; only the SHA-256
//! is kept, and a key is found by that hash.

use super::random::{hex_token, token_hash};

/// What every key starts with: recognisable in logs, config files and secret scanners.
pub const KEY_PREFIX: &str = "msgsg_";
/// Characters of a key shown in lists (the prefix and 8 hex digits).
const SHOWN_CHARS: usize = KEY_PREFIX.len() + 8;

/// A new key: the key itself (shown once), what lists show of it, and what is stored.
pub struct Minted {
    pub key: String,
    pub prefix: String,
    pub hash: String,
}

pub fn mint() -> Minted {
    let key = format!("{KEY_PREFIX}{}", hex_token(32));
    Minted {
        prefix: key[..SHOWN_CHARS].to_owned(),
        hash: token_hash(&key),
        key,
    }
}

/// Whether a bearer credential is an API key rather than a session token.
pub fn looks_like_key(credential: &str) -> bool {
    credential.starts_with(KEY_PREFIX)
}
