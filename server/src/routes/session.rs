//! Sessions: opening one (password or Google sign-in), `GET /api/auth/me` (whoami) and
//! `POST /api/auth/logout`.

use super::clear_session_cookie;
use crate::{
    auth::jwt::Kind,
    db::{new_id, sessions, users::User},
    error::ApiResult,
    extract::AuthUser,
    state::AppState,
};
use app::api::{Data, Success, UserInfo};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
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
    let session_id = new_id();
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

pub async fn me(auth: AuthUser) -> Json<Data<UserInfo>> {
    Json(Data {
        data: auth.user.info(),
    })
}

/// Ends the session on the server: its JWT stops working at once, wherever it was copied.
pub async fn logout(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Response> {
    let sid = &auth.session()?.sid;
    sessions::revoke(&state.db.pool, sid, state.clock.now()).await?;
    state.sessions.forget_session(sid);
    tracing::info!(user = %auth.user.id, "signed out");
    let body = Json(Data {
        data: Success { success: true },
    });
    Ok(([(header::SET_COOKIE, clear_session_cookie(&state))], body).into_response())
}
