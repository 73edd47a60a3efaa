//! What a signed-in person does with their second factor: set it up, turn it on with a first
//! code, turn it off, replace the recovery codes. Turning it on or off ends every other
//! session of the account and mails a notice (JW6); new recovery codes are mailed about too.

use super::{
    reauth, totp,
    two_factor::{self, Code},
};
use crate::{
    db::{sessions, two_factor as factors},
    error::{ApiError, ApiResult},
    extract::AuthUser,
    mail::templates,
    state::AppState,
};
use axum::http::StatusCode;
use console_api::{Password, TwoFactorSetup, TwoFactorStatus};
use std::net::IpAddr;

fn conflict(message: &'static str) -> ApiError {
    ApiError::bad_body(StatusCode::CONFLICT, message)
}

const ALREADY_ON: &str = "Two-factor sign-in is already on; turn it off first to change the app";

pub async fn status(state: &AppState, auth: &AuthUser) -> ApiResult<TwoFactorStatus> {
    let enabled = factors::is_enabled(&state.db.pool, &auth.user.id).await?;
    let left = if enabled {
        factors::recovery_codes_left(&state.db.pool, &auth.user.id).await?
    } else {
        0
    };
    Ok(TwoFactorStatus {
        enabled,
        recovery_codes_left: u32::try_from(left).unwrap_or(0),
    })
}

/// Starts enrolling: a new secret, shown once. It counts only after `enable` checks a code.
pub async fn setup(
    state: &AppState,
    auth: &AuthUser,
    password: Option<&Password>,
    ip: IpAddr,
) -> ApiResult<TwoFactorSetup> {
    // Always the password when the account has one: a session alone (even a fresh, stolen
    // one) must not tie the account to somebody else's app. Google-only accounts need a
    // recent sign-in instead.
    let password = password.map(Password::expose).filter(|p| !p.is_empty());
    match password {
        _ if auth.user.password_hash.is_none() => {
            reauth::require_recent_sign_in(state, auth, None, ip).await?
        }
        Some(password) => reauth::check_password(state, auth, password, ip, "password").await?,
        None => return Err(ApiError::ReauthRequired),
    }
    let (secret, sealed) = state.totp.new_secret();
    if !factors::begin_setup(&state.db.pool, &auth.user.id, &sealed, state.clock.now()).await? {
        return Err(conflict(ALREADY_ON));
    }
    let uri = totp::uri(&secret, &auth.user.email);
    Ok(TwoFactorSetup {
        secret: totp::manual_key(&secret),
        qr_svg: totp::qr_svg(&uri),
        otpauth_uri: uri,
    })
}

/// Turns the factor on with its first code; the recovery codes, shown once.
pub async fn enable(state: &AppState, auth: &AuthUser, code: &str) -> ApiResult<Vec<String>> {
    let session = auth.session()?.session_id();
    let user = &auth.user;
    let (sealed, secret) = match factors::factor(&state.db.pool, &user.id).await? {
        Some(f) if f.enabled_at.is_some() => return Err(conflict(ALREADY_ON)),
        Some(f) => {
            let secret = state.totp.open(&f.secret_sealed);
            (f.secret_sealed, secret)
        }
        None => (String::new(), None),
    };
    let secret = secret.ok_or_else(|| {
        conflict("Start the set-up first: there is no authenticator app waiting to be confirmed")
    })?;
    let now = state.clock.now();
    let Some(matched) = totp::check(&secret, code, now) else {
        return Err(ApiError::validation(
            "code",
            "Wrong code: enter the 6 digits your app shows now",
        ));
    };
    let (codes, hashes) = state.totp.new_recovery_codes(&user.id);
    let mut tx = state.db.pool.begin().await?;
    // Only the very secret whose code was checked: a set-up restarted meanwhile replaced it.
    if !factors::enable(&mut *tx, &user.id, &sealed, now).await? {
        return Err(conflict(
            "The set-up was started again meanwhile: scan the new QR code",
        ));
    }
    factors::accept_step(&mut *tx, &user.id, matched.step).await?;
    factors::replace_recovery_codes(&mut tx, &user.id, &hashes, now).await?;
    let ended = sessions::revoke_others(&mut *tx, &user.id, &session, now).await?;
    let notice = templates::two_factor_enabled(&state.config.link("/forgot-password"));
    state
        .mailer
        .queue(&mut *tx, &user.email, &notice, now, None)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    state.sessions.forget_user(&user.id);
    tracing::info!(user = %user.id, sessions_revoked = ended, "two-factor sign-in enabled");
    Ok(codes)
}

/// The current password or a current code, always (a recent sign-in is not enough here).
async fn confirm(
    state: &AppState,
    auth: &AuthUser,
    password: Option<&Password>,
    code: Option<&str>,
    ip: IpAddr,
) -> ApiResult<()> {
    auth.session()?;
    if !factors::is_enabled(&state.db.pool, &auth.user.id).await? {
        return Err(conflict("Two-factor sign-in is off"));
    }
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let password = password.map(Password::expose).filter(|p| !p.is_empty());
    match (code, password) {
        (Some(code), _) => {
            let use_ = two_factor::Use::Confirm;
            if two_factor::check_code(state, &auth.user.id, Code::typed(code), use_).await? {
                Ok(())
            } else {
                Err(ApiError::validation("code", "Wrong code"))
            }
        }
        (None, Some(password)) => {
            reauth::check_password(state, auth, password, ip, "password").await
        }
        (None, None) => Err(ApiError::validation(
            "password",
            "Enter your password or a code from your authenticator app",
        )),
    }
}

pub async fn disable(
    state: &AppState,
    auth: &AuthUser,
    password: Option<&Password>,
    code: Option<&str>,
    ip: IpAddr,
) -> ApiResult<()> {
    confirm(state, auth, password, code, ip).await?;
    let user = &auth.user;
    let session = auth.session()?.session_id();
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    factors::remove(&mut tx, &user.id).await?;
    let ended = sessions::revoke_others(&mut *tx, &user.id, &session, now).await?;
    let notice = templates::two_factor_disabled(&state.config.link("/forgot-password"));
    state
        .mailer
        .queue(&mut *tx, &user.email, &notice, now, None)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    state.sessions.forget_user(&user.id);
    tracing::info!(user = %user.id, sessions_revoked = ended, "two-factor sign-in disabled");
    Ok(())
}

/// New recovery codes; every earlier one stops working.
pub async fn regenerate(
    state: &AppState,
    auth: &AuthUser,
    password: Option<&Password>,
    code: Option<&str>,
    ip: IpAddr,
) -> ApiResult<Vec<String>> {
    confirm(state, auth, password, code, ip).await?;
    let user = &auth.user;
    let (codes, hashes) = state.totp.new_recovery_codes(&user.id);
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    factors::replace_recovery_codes(&mut tx, &user.id, &hashes, now).await?;
    let notice = templates::recovery_codes_replaced(&state.config.link("/forgot-password"));
    state
        .mailer
        .queue(&mut *tx, &user.email, &notice, now, None)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user = %user.id, "recovery codes replaced");
    Ok(codes)
}
