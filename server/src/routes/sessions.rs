//! `GET /api/sessions` (the account's live sessions), `DELETE /api/sessions/{id}` and
//! `POST /api/sessions/revoke-others`. Sessions are managed from a signed-in session, never
//! with an API key; an ended session stops at once.

use crate::{
    auth::user_agent,
    db::sessions,
    error::{ApiError, ApiResult},
    extract::AuthUser,
    state::AppState,
};
use axum::{
    Json,
    extract::{Path, State},
};
use console_api::{Data, Revoked, SessionId, SessionInfo, Success};

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<Json<Data<Vec<SessionInfo>>>> {
    let current = auth.session()?.session_id();
    let now = state.clock.now();
    let idle_since = now - state.config.session_idle.as_secs() as i64;
    let rows = sessions::live_of(&state.db.pool, &auth.user.id, now, idle_since).await?;
    let data = rows
        .into_iter()
        .map(|row| SessionInfo {
            current: row.id == current,
            device: user_agent::describe(row.user_agent.as_deref()),
            last_seen_at: row.last_seen_at.unwrap_or(row.created_at),
            created_at: row.created_at,
            ip: row.ip,
            id: row.id,
        })
        .collect();
    Ok(Json(Data { data }))
}

pub async fn revoke(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<SessionId>,
) -> ApiResult<Json<Data<Success>>> {
    auth.session()?;
    if !sessions::revoke_of(&state.db.pool, &auth.user.id, &id, state.clock.now()).await? {
        return Err(ApiError::NotFound);
    }
    state.sessions.forget_session(&id);
    tracing::info!(user = %auth.user.id, session = %id, "session revoked");
    Ok(Json(Data {
        data: Success { success: true },
    }))
}

pub async fn revoke_others(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<Json<Data<Revoked>>> {
    let current = auth.session()?.session_id();
    let revoked =
        sessions::revoke_others(&state.db.pool, &auth.user.id, &current, state.clock.now()).await?;
    state.sessions.forget_user(&auth.user.id);
    tracing::info!(user = %auth.user.id, revoked, "other sessions revoked");
    Ok(Json(Data {
        data: Revoked { revoked },
    }))
}
