//! `GET /api/auth/me` (whoami) and `POST /api/auth/logout`.

use super::clear_session_cookie;
use crate::{db::sessions, error::ApiResult, extract::AuthUser, state::AppState};
use app::api::{Data, Success, UserInfo};
use axum::{
    Json,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};

pub async fn me(auth: AuthUser) -> Json<Data<UserInfo>> {
    Json(Data {
        data: auth.user.info(),
    })
}

/// Ends the session on the server: its JWT stops working at once, wherever it was copied.
pub async fn logout(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Response> {
    sessions::revoke(&state.db.pool, &auth.claims.sid, state.clock.now()).await?;
    state.sessions.forget_session(&auth.claims.sid);
    tracing::info!(user = %auth.user.id, "signed out");
    let body = Json(Data {
        data: Success { success: true },
    });
    Ok(([(header::SET_COOKIE, clear_session_cookie(&state))], body).into_response())
}
