//! `POST /api/auth/login`: email or username + password → a session JWT (also set as an
//! HttpOnly cookie for the console).
//!
//! Unknown accounts and wrong passwords answer the same, after the same Argon2 work (EN1);
//! EMAIL_NOT_VERIFIED and ACCOUNT_DISABLED come only once the password is right.

use super::session_cookie;
use crate::{
    auth::{password, ratelimit::Action},
    db::users,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientIp},
    state::AppState,
};
use app::api::{Data, LoginRequest, LoginResponse};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use unicode_normalization::UnicodeNormalization;

const WRONG_CREDENTIALS: &str = "Wrong email or password";

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    state.limits.check_ip(Action::Login, ip)?;
    let identifier = req
        .email
        .as_deref()
        .or(req.username.as_deref())
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::validation("email", "Enter your email or username"))?;
    if req.password.is_empty() {
        return Err(ApiError::validation("password", "Enter your password"));
    }
    if req.password.len() > password::MAX_LENGTH * 4 || identifier.len() > 254 {
        // Refused before any hashing: no password can be this long.
        return Err(ApiError::validation(
            "password",
            "This password is too long",
        ));
    }

    let user = if identifier.contains('@') {
        users::by_email(&state.db.pool, &identifier).await?
    } else {
        users::by_username(&state.db.pool, &identifier).await?
    };
    let now = state.clock.now();
    if let Some(locked_until) = user.as_ref().and_then(|u| u.locked_until)
        && locked_until > now
    {
        return Err(ApiError::AccountLocked {
            retry_after: std::time::Duration::from_secs((locked_until - now) as u64),
        });
    }

    let candidate: String = req.password.nfkc().collect();
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = state.hasher.verify(candidate.clone(), stored).await?;
    let user = match user {
        Some(user) if verified.ok => user,
        other => {
            if let Some(user) = other {
                let lock_until = now + state.config.lockout_duration.as_secs() as i64;
                users::record_failed_login(
                    &state.db.pool,
                    &user.id,
                    i64::from(state.config.lockout_threshold),
                    lock_until,
                )
                .await?;
                tracing::info!(user = %user.id, "failed login");
            }
            return Err(ApiError::Unauthorized(WRONG_CREDENTIALS));
        }
    };

    if user.disabled_at.is_some() {
        return Err(ApiError::AccountDisabled);
    }
    if !user.is_verified() {
        return Err(ApiError::EmailNotVerified);
    }

    users::clear_failed_logins(&state.db.pool, &user.id).await?;
    if verified.needs_rehash {
        let hash = state.hasher.hash(candidate).await?;
        users::set_password(&state.db.pool, &user.id, &hash, now).await?;
        tracing::info!(user = %user.id, "password hash upgraded");
    }

    let session = super::session::open(&state, &user, &headers, ip).await?;
    tracing::info!(user = %user.id, "signed in");

    let cookie = session_cookie(&state, &session.token, session.ttl);
    let body = Json(Data {
        data: LoginResponse {
            token: session.token,
            expires_at: session.expires_at,
            user: user.info(),
        },
    });
    Ok(([(header::SET_COOKIE, cookie)], body).into_response())
}
