//! Request extractors: JSON bodies whose every rejection is a VALIDATION_ERROR, the client's
//! IP, and the signed-in user.

use crate::{
    auth::{
        jwt::{Claims, Kind},
        random::token_hash,
    },
    cookies,
    db::{api_keys, sessions, users::User},
    error::ApiError,
    state::AppState,
};
use axum::{
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request, rejection::JsonRejection},
    http::{Method, StatusCode, header, request::Parts},
};
use console_api::{KeyId, Role};
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};

/// `axum::Json`, with rejections in the API's envelope.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let status = match &rejection {
        JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return ApiError::bad_body(StatusCode::PAYLOAD_TOO_LARGE, "The request is too large");
        }
        JsonRejection::JsonDataError(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    };
    let message = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "Send the request body as JSON (Content-Type: application/json)".to_owned()
        }
        JsonRejection::JsonSyntaxError(_) => "The request body is not valid JSON".to_owned(),
        other => format!("Invalid request body: {}", other.body_text()),
    };
    ApiError::bad_body(status, message)
}

/// The client's address: the TCP peer, or, when the peer is one of `TRUSTED_PROXIES`, the
/// right-most `X-Forwarded-For` entry that is not a trusted proxy. Entries left of it were
/// written by the client and prove nothing.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// Walks the proxy chain from the right: each hop appends the address it received from.
pub fn client_ip(
    peer: IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev().take(32) {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => client = ip,
            Ok(ip) => return ip,
            // Garbage: the last trusted hop is the best we know.
            Err(_) => return client,
        }
    }
    client
}

/// A signed-in user, from `Authorization: Bearer` (a session JWT or an API key) or the
/// session cookie, whose session or key is live on the server right now.
pub struct AuthUser {
    pub user: User,
    pub credential: Credential,
}

pub enum Credential {
    Session(Claims),
    /// Acts as its owner with the owner's role, but cannot change credentials (AK2).
    ApiKey {
        id: KeyId,
    },
}

impl AuthUser {
    /// The session, for what only a signed-in person may do (not an API key).
    pub fn session(&self) -> Result<&Claims, ApiError> {
        match &self.credential {
            Credential::Session(claims) => Ok(claims),
            Credential::ApiKey { .. } => Err(ApiError::PermissionDenied(
                "API keys cannot manage sessions or credentials; sign in instead".into(),
            )),
        }
    }

    /// Refuses unless the account holds `role` (or a higher one).
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.user.role >= role {
            Ok(())
        } else {
            Err(ApiError::PermissionDenied(format!(
                "This needs the {role} role; your account has the {} role",
                self.user.role
            )))
        }
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let token = match bearer {
            Some(token) => token.to_owned(),
            None => {
                let token =
                    cookies::value(&parts.headers, cookies::session_name(state.config.https()))
                        .ok_or(ApiError::Unauthorized("Sign in first"))?;
                // A cookie rides along on cross-site requests too: writes must come from
                // the console's own origin.
                if !matches!(parts.method, Method::GET | Method::HEAD) && !same_origin(parts, state)
                {
                    return Err(ApiError::Forbidden("Cross-origin request refused"));
                }
                token
            }
        };
        if crate::auth::api_keys::looks_like_key(&token) {
            return authenticate_key(state, &token).await;
        }
        let (user, claims) = authenticate(state, &token).await?;
        Ok(AuthUser {
            user,
            credential: Credential::Session(claims),
        })
    }
}

const SESSION_ENDED: &str = "Your session has expired; sign in again";

/// The user of a session token, if the token is valid and its session live on the server.
pub async fn authenticate(state: &AppState, token: &str) -> Result<(User, Claims), ApiError> {
    let now = state.clock.now();
    let (user, claims) = match state.sessions.get(token, now) {
        Some(hit) => hit,
        None => {
            let claims = state
                .jwt
                .verify(token, Kind::Session, now)
                .ok_or(ApiError::Unauthorized(SESSION_ENDED))?;
            let checked_at = std::time::Instant::now();
            let session = claims.session_id();
            let idle_since = now - state.config.session_idle.as_secs() as i64;
            let user = sessions::live_user(&state.db.pool, &session, &claims.sub, now, idle_since)
                .await?
                .ok_or(ApiError::Unauthorized(SESSION_ENDED))?;
            state.sessions.put(token, &user, &claims, checked_at);
            (user, claims)
        }
    };
    if user.disabled_at.is_some() {
        return Err(ApiError::AccountDisabled);
    }
    let session = claims.session_id();
    if state.sessions.should_touch(&session, now) {
        sessions::touch(&state.db.pool, &session, now).await?;
    }
    Ok((user, claims))
}

/// The owner of a live API key. Read from the database on every request, so a revoked or
/// expired key stops at once.
async fn authenticate_key(state: &AppState, key: &str) -> Result<AuthUser, ApiError> {
    let now = state.clock.now();
    let (user, id) = api_keys::live_user(&state.db.pool, &token_hash(key), now)
        .await?
        .ok_or(ApiError::Unauthorized(
            "This API key is not valid: it was revoked, has expired or never existed",
        ))?;
    if user.disabled_at.is_some() {
        return Err(ApiError::AccountDisabled);
    }
    api_keys::touch(&state.db.pool, &id, now).await?;
    Ok(AuthUser {
        user,
        credential: Credential::ApiKey { id },
    })
}

fn same_origin(parts: &Parts, state: &AppState) -> bool {
    let expected = state.config.public_url.origin().ascii_serialization();
    parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| origin == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut headers = HeaderMap::new();
        // The client wrote the first line itself; the proxies appended the rest.
        headers.append("x-forwarded-for", HeaderValue::from_static("6.6.6.6"));
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_static("7.7.7.7, 203.0.113.9, 10.0.0.2"),
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers, &trusted),
            ip("203.0.113.9")
        );
        // From an untrusted peer the header means nothing.
        assert_eq!(
            client_ip(ip("198.51.100.1"), &headers, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(client_ip(ip("10.0.0.1"), &headers, &[]), ip("10.0.0.1"));
        // Every hop trusted: the left-most proxy is the best answer.
        let mut inner = HeaderMap::new();
        inner.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.3"));
        assert_eq!(client_ip(ip("10.0.0.1"), &inner, &trusted), ip("10.0.0.3"));
    }
}
