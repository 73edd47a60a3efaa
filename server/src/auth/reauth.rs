//! Sensitive actions (creating an API key) need a recent sign-in, as GitHub and Keycloak
//! require: a session younger than `RECENT_SIGN_IN_SECONDS`, or the current password sent
//! with the request (PH2). A stolen, older session cannot mint long-lived credentials.

use super::{ratelimit::Action, throttle};
use crate::{
    error::{ApiError, ApiResult},
    extract::AuthUser,
    state::AppState,
};
use std::net::IpAddr;
use unicode_normalization::UnicodeNormalization;

pub async fn require_recent_sign_in(
    state: &AppState,
    auth: &AuthUser,
    password: Option<&str>,
    ip: IpAddr,
) -> ApiResult<()> {
    let claims = auth.session()?;
    let now = state.clock.now();
    if now - claims.iat <= state.config.recent_sign_in.as_secs() as i64 {
        return Ok(());
    }
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        return Err(ApiError::ReauthRequired);
    };
    check_password(state, auth, password, ip, "password").await
}

/// The signed-in person's current password, counted on their own confirmation counter; a
/// wrong one is a VALIDATION_ERROR on `field`.
pub async fn check_password(
    state: &AppState,
    auth: &AuthUser,
    password: &str,
    ip: IpAddr,
    field: &'static str,
) -> ApiResult<()> {
    state.limits.check_ip(Action::Login, ip)?;
    if password.len() > super::password::MAX_LENGTH * 4 {
        return Err(ApiError::validation(field, "Wrong password"));
    }
    let key = throttle::reauth_key(&auth.user.id);
    throttle::begin(state, &key).await?;
    let candidate: String = password.nfkc().collect();
    let verified = state
        .hasher
        .verify(candidate, auth.user.password_hash.clone())
        .await?;
    if !verified.ok {
        return Err(ApiError::validation(field, "Wrong password"));
    }
    throttle::succeeded(state, &key).await
}
