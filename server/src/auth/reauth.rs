//! Sensitive actions (creating an API key) need a recent sign-in, as GitHub and Keycloak
//! require: a session younger than `RECENT_SIGN_IN_SECONDS`, or the current password sent
//! with the request (PH2). A stolen, older session cannot mint long-lived credentials.

use crate::{
    db::login_throttle,
    error::{ApiError, ApiResult},
    extract::AuthUser,
    state::AppState,
};
use unicode_normalization::UnicodeNormalization;

pub async fn require_recent_sign_in(
    state: &AppState,
    auth: &AuthUser,
    password: Option<&str>,
) -> ApiResult<()> {
    let claims = auth.session()?;
    let now = state.clock.now();
    if now - claims.iat <= state.config.recent_sign_in.as_secs() as i64 {
        return Ok(());
    }
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        return Err(ApiError::ReauthRequired);
    };
    if password.len() > super::password::MAX_LENGTH * 4 {
        return Err(ApiError::validation("password", "Wrong password"));
    }
    // Guesses here count toward the same lock as sign-in attempts from untrusted clients.
    let key = format!("u:{}", auth.user.id);
    if let Some(until) = login_throttle::locked_until(&state.db.pool, &key, now).await? {
        return Err(ApiError::AccountLocked {
            retry_after: std::time::Duration::from_secs((until - now) as u64),
        });
    }
    let candidate: String = password.nfkc().collect();
    let verified = state
        .hasher
        .verify(candidate, auth.user.password_hash.clone())
        .await?;
    if verified.ok {
        return Ok(());
    }
    let window = state.config.lockout_duration.as_secs() as i64;
    login_throttle::record_failure(
        &state.db.pool,
        &key,
        i64::from(state.config.lockout_threshold),
        window,
        window,
        now,
    )
    .await?;
    Err(ApiError::validation("password", "Wrong password"))
}
