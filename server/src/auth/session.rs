//! Opening a session (password or Google sign-in): a row on the server and its JWT.

use crate::{
    auth::jwt::Kind,
    db::{new_id, sessions, users::User},
    error::ApiResult,
    state::AppState,
};
use axum::http::{HeaderMap, header};
use console_api::SessionId;
use std::net::IpAddr;

/// A new server-side session for `user` and its JWT.
pub struct Opened {
    pub token: String,
    pub ttl: i64,
    pub expires_at: i64,
}

/// Opens a session for `user`, unless the proof it was opened on went stale while the
/// request ran (a reset committed in between): then `None`.
pub async fn open(
    state: &AppState,
    user: &User,
    proof: sessions::Proof<'_>,
    headers: &HeaderMap,
    ip: IpAddr,
) -> ApiResult<Option<Opened>> {
    let now = state.clock.now();
    let ttl = state.config.session_ttl.as_secs() as i64;
    let session_id: SessionId = new_id();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(256).collect::<String>());
    let ip_text = ip.to_string();
    let opened = sessions::insert_if(
        &state.db,
        &sessions::NewSession {
            id: &session_id,
            user_id: &user.id,
            now,
            expires_at: now + ttl,
            user_agent: user_agent.as_deref(),
            ip: Some(&ip_text),
        },
        proof,
    )
    .await?;
    if !opened {
        return Ok(None);
    }
    let token = state
        .jwt
        .issue(Kind::Session, &user.id, &session_id, now, ttl);
    Ok(Some(Opened {
        token,
        ttl,
        expires_at: now + ttl,
    }))
}
