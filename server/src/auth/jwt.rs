//! JSON Web Tokens: HS256 only, with issuer, audience and a `typ` per kind of token, so a
//! token made for one use is refused for any other.

use console_api::{SessionId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use std::{fs, io::Write, os::unix::fs::OpenOptionsExt, path::Path};

/// 256 bits.
pub const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated on `exp` and `iat`.
pub const LEEWAY_SECONDS: i64 = 60;
const ISSUER: &str = "msgsg-console";

/// What a token is for; each kind has its own audience and `typ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Session,
    GoogleHandoff,
    TwoFactorPending,
}

impl Kind {
    fn audience(self) -> &'static str {
        match self {
            Kind::Session => "msgsg-session",
            Kind::GoogleHandoff => "msgsg-google-handoff",
            Kind::TwoFactorPending => "msgsg-2fa-pending",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The account's immutable id, never its email.
    pub sub: UserId,
    pub iat: i64,
    pub exp: i64,
    pub typ: String,
    /// The server-side session (or, for a hand-off token, the one-time hand-off) this token
    /// belongs to; see `session_id`.
    pub sid: String,
    /// Hand-off tokens only: the SHA-256 of a secret kept in a cookie of the browser the
    /// token was issued to; anywhere else the token is worthless (OA6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bnd: Option<String>,
}

impl Claims {
    /// The server-side session of a session token.
    pub fn session_id(&self) -> SessionId {
        SessionId::from(self.sid.as_str())
    }
}

#[derive(Clone)]
pub struct Jwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// One validation per kind, built once: verification is on every request's path.
    validations: [(Kind, Validation); 3],
}

impl Jwt {
    pub fn new(secret: &[u8]) -> Self {
        assert!(secret.len() >= MIN_SECRET_BYTES, "JWT secret too short");
        Jwt {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validations: [Kind::Session, Kind::GoogleHandoff, Kind::TwoFactorPending]
                .map(|kind| (kind, validation(kind))),
        }
    }

    pub fn issue(
        &self,
        kind: Kind,
        user_id: &UserId,
        sid: &SessionId,
        now: i64,
        ttl: i64,
    ) -> String {
        self.sign(&claims(kind, user_id, sid.as_str(), now, ttl))
    }

    /// A Google hand-off token, usable only with the browser secret whose hash is `binding`.
    pub fn issue_handoff(
        &self,
        user_id: &UserId,
        handoff_id: &str,
        binding: &str,
        now: i64,
        ttl: i64,
    ) -> String {
        let mut claims = claims(Kind::GoogleHandoff, user_id, handoff_id, now, ttl);
        claims.bnd = Some(binding.into());
        self.sign(&claims)
    }

    fn sign(&self, claims: &Claims) -> String {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// The claims of a well-signed, current token of this kind; `None` for anything else.
    pub fn verify(&self, token: &str, kind: Kind, now: i64) -> Option<Claims> {
        let (_, validation) = self.validations.iter().find(|(k, _)| *k == kind)?;
        let claims = decode::<Claims>(token, &self.decoding, validation)
            .ok()?
            .claims;
        let current = claims.exp + LEEWAY_SECONDS > now && claims.iat <= now + LEEWAY_SECONDS;
        (current && claims.typ == kind.audience() && !claims.sub.as_str().is_empty())
            .then_some(claims)
    }
}

fn claims(kind: Kind, user_id: &UserId, sid: &str, now: i64, ttl: i64) -> Claims {
    Claims {
        iss: ISSUER.into(),
        aud: kind.audience().into(),
        sub: user_id.clone(),
        iat: now,
        exp: now + ttl,
        typ: kind.audience().into(),
        sid: sid.into(),
        bnd: None,
    }
}

/// The algorithm is fixed here, never read from the token's header; `jku`, `x5u` and `jwk`
/// headers are never followed.
fn validation(kind: Kind) -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[kind.audience()]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    validation.leeway = LEEWAY_SECONDS as u64;
    validation
}

/// The signing secret: `JWT_SECRET` when set, else the one kept in `DATA_DIR/jwt-secret`,
/// generated (0600) on first start.
pub fn load_or_create_secret(configured: Option<&str>, data_dir: &Path) -> Result<Vec<u8>, String> {
    if let Some(secret) = configured {
        return Ok(secret.as_bytes().to_vec());
    }
    let path = data_dir.join("jwt-secret");
    match fs::read_to_string(&path) {
        Ok(text) => {
            let secret = text.trim().as_bytes().to_vec();
            if secret.len() < MIN_SECRET_BYTES {
                return Err(format!(
                    "{} holds fewer than {MIN_SECRET_BYTES} bytes; delete it to generate a new secret",
                    path.display()
                ));
            }
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(data_dir)
                .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
            let secret = super::random::hex_token(MIN_SECRET_BYTES);
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            file.write_all(secret.as_bytes())
                .and_then(|_| file.sync_all())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a new JWT signing secret");
            Ok(secret.into_bytes())
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn round_trip_and_kinds_do_not_mix() {
        let jwt = Jwt::new(SECRET);
        let now = crate::clock::Clock::default().now();
        let token = jwt.issue(Kind::Session, &"user-1".into(), &"sid-1".into(), now, 3600);
        let claims = jwt.verify(&token, Kind::Session, now).unwrap();
        assert_eq!(claims.sub.as_str(), "user-1");
        assert!(jwt.verify(&token, Kind::GoogleHandoff, now).is_none());
        assert!(jwt.verify(&token, Kind::TwoFactorPending, now).is_none());
    }

    #[test]
    fn expiry_uses_the_given_clock_with_leeway() {
        let jwt = Jwt::new(SECRET);
        let now = crate::clock::Clock::default().now();
        let token = jwt.issue(Kind::Session, &"u".into(), &"s".into(), now, 100);
        assert!(jwt.verify(&token, Kind::Session, now + 150).is_some());
        assert!(jwt.verify(&token, Kind::Session, now + 161).is_none());
    }

    #[test]
    fn forged_tokens_fail() {
        let jwt = Jwt::new(SECRET);
        let now = 2_000_000_000;
        let token = jwt.issue(Kind::Session, &"u".into(), &"s".into(), now, 100);
        let mut parts = token.split('.');
        let (_, payload, _) = (parts.next(), parts.next().unwrap(), parts.next());
        // alg none, empty signature.
        let none = format!("{}.{payload}.", b64(r#"{"alg":"none","typ":"JWT"}"#));
        assert!(jwt.verify(&none, Kind::Session, now).is_none());
        // Another algorithm named in the header.
        let hs512 = format!("{}.{payload}.", b64(r#"{"alg":"HS512","typ":"JWT"}"#));
        assert!(jwt.verify(&hs512, Kind::Session, now).is_none());
        // A key another server signed with.
        let other = Jwt::new(b"ffffffffffffffffffffffffffffffff");
        let foreign = other.issue(Kind::Session, &"u".into(), &"s".into(), now, 100);
        assert!(jwt.verify(&foreign, Kind::Session, now).is_none());
    }
}
