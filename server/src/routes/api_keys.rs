//! `/api/keys`: API keys for scripts (AK1, AK2). A key is `msgsg_` and 256 random bits in
//! hex, shown once; only its SHA-256 is kept. Managing keys needs a signed-in session: a key
//! cannot make, list or revoke keys, so a leaked key cannot outlive its revocation. Making
//! one needs a recent sign-in (or the password), and an account recovery revokes them all.

use crate::{
    auth::reauth,
    db::{api_keys, new_id},
    error::{ApiError, ApiResult},
    extract::{ApiJson, AuthUser, ClientIp},
    state::AppState,
};
use axum::{
    Json,
    extract::{Path, State},
};
use console_api::{ApiKeyInfo, CreateApiKeyRequest, CreatedApiKey, Data, KeyId, Success};

const MAX_DAYS: u32 = 365;
const MAX_NAME_CHARS: usize = 64;
const MAX_KEYS_PER_ACCOUNT: i64 = 50;

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<Json<Data<Vec<ApiKeyInfo>>>> {
    auth.session()?;
    let keys = api_keys::live_of(&state.db.pool, &auth.user.id, state.clock.now()).await?;
    Ok(Json(Data { data: keys }))
}

pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: AuthUser,
    ApiJson(req): ApiJson<CreateApiKeyRequest>,
) -> ApiResult<Json<Data<CreatedApiKey>>> {
    auth.session()?;
    let name = req.name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(ApiError::validation(
            "name",
            format!("Give the key a name of 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    if !(1..=MAX_DAYS).contains(&req.expires_in_days) {
        return Err(ApiError::validation(
            "expiresInDays",
            format!("A key lives from 1 to {MAX_DAYS} days"),
        ));
    }
    reauth::require_recent_sign_in(
        &state,
        &auth,
        req.password.as_ref().map(console_api::Password::expose),
        ip,
    )
    .await?;
    let now = state.clock.now();
    let minted = crate::auth::api_keys::mint();
    let id: KeyId = new_id();
    let expires_at = now + i64::from(req.expires_in_days) * 86_400;
    let session_id = auth.session()?.session_id();
    let outcome = api_keys::insert_within_cap(
        &state.db,
        &api_keys::NewApiKey {
            id: &id,
            user_id: &auth.user.id,
            name,
            prefix: &minted.prefix,
            key_hash: &minted.hash,
            now,
            expires_at,
        },
        &session_id,
        MAX_KEYS_PER_ACCOUNT,
    )
    .await?;
    match outcome {
        api_keys::Insert::Created => {}
        api_keys::Insert::CapReached => {
            return Err(ApiError::validation(
                "name",
                format!("An account has at most {MAX_KEYS_PER_ACCOUNT} keys; revoke one first"),
            ));
        }
        api_keys::Insert::SessionEnded => {
            return Err(ApiError::Unauthorized(
                "Your session has ended; sign in again",
            ));
        }
    }
    tracing::info!(user = %auth.user.id, key = %id, "API key created");
    Ok(Json(Data {
        data: CreatedApiKey {
            key: minted.key,
            id,
            name: name.to_owned(),
            prefix: minted.prefix,
            created_at: now,
            expires_at,
        },
    }))
}

pub async fn revoke(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<KeyId>,
) -> ApiResult<Json<Data<Success>>> {
    auth.session()?;
    if !api_keys::revoke(&state.db.pool, &auth.user.id, &id, state.clock.now()).await? {
        return Err(ApiError::NotFound);
    }
    tracing::info!(user = %auth.user.id, key = %id, "API key revoked");
    Ok(Json(Data {
        data: Success { success: true },
    }))
}
