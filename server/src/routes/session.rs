//! `GET /api/auth/me` (whoami) and `POST /api/auth/logout`.

use crate::{cookies, db::sessions, error::ApiResult, extract::AuthUser, state::AppState};
use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use console_api::{Data, Success, UserInfo};

pub async fn me(auth: AuthUser) -> Json<Data<UserInfo>> {
    Json(Data {
        data: auth.user.info(),
    })
}

/// Ends the session on the server: its JWT stops working at once, wherever it was copied.
pub async fn logout(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Response> {
    let sid = &auth.session()?.session_id();
    sessions::revoke(&state.db.pool, sid, state.clock.now()).await?;
    state.sessions.forget_session(sid);
    tracing::info!(user = %auth.user.id, "signed out");
    let body = Json(Data {
        data: Success { success: true },
    });
    let clear = cookies::jar([cookies::clear_session(&state.config)]);
    Ok((clear, body).into_response())
}
