//! Two-factor sign-in. A correct first factor (password, or Google) of an account with an
//! enabled factor opens a challenge instead of a session: an opaque random token, stored
//! hashed, single use, bound to the account, alive 5 minutes and for at most 5 wrong codes.
//! Answering it with a code (or a recovery code) opens the session, after the first factor
//! is checked again (a reset in between ends it). Wrong codes also count on the account's own
//! second-factor counter (RL1), apart from passwords, so wrong passwords cannot lock it.

use super::{
    random::{one_time_token, token_hash},
    session::{self, Opened},
    throttle, totp,
};
use crate::{
    db::{sessions::Proof, two_factor, users, users::User},
    error::{ApiError, ApiResult},
    state::AppState,
};
use axum::http::HeaderMap;
use console_api::{TwoFactorChallenge, UserId};
use std::net::IpAddr;

pub const CHALLENGE_TTL_SECONDS: i64 = 300;
/// Answers a challenge takes: five wrong codes kill it (a right one spends it anyway).
pub const MAX_ATTEMPTS: i64 = 5;

const CHALLENGE_ENDED: &str =
    "This sign-in has ended (it was used, expired, or had too many wrong codes); sign in again";

/// What the first factor was, for the session the challenge opens.
pub enum FirstFactor<'a> {
    /// The password hash the password was verified against.
    Password(&'a str),
    /// A provider sign-in that started at this time.
    Provider { started_at: i64 },
}

/// A challenge for `user`, whose first factor just succeeded.
pub async fn challenge(
    state: &AppState,
    user: &User,
    first: FirstFactor<'_>,
) -> ApiResult<TwoFactorChallenge> {
    let now = state.clock.now();
    let token = one_time_token();
    let (password_hash, provider_started_at) = match first {
        FirstFactor::Password(hash) => (Some(hash), None),
        FirstFactor::Provider { started_at } => (None, Some(started_at)),
    };
    two_factor::insert_challenge(
        &state.db.pool,
        &two_factor::NewChallenge {
            token_hash: &token_hash(&token),
            user_id: &user.id,
            password_hash,
            provider_started_at,
            now,
            expires_at: now + CHALLENGE_TTL_SECONDS,
        },
    )
    .await?;
    tracing::info!(user = %user.id, "second factor asked for");
    Ok(TwoFactorChallenge {
        two_factor_required: true,
        challenge: token,
        expires_at: now + CHALLENGE_TTL_SECONDS,
    })
}

/// A second factor as a request carries it.
#[derive(Clone, Copy)]
pub enum Code<'a> {
    Totp(&'a str),
    Recovery(&'a str),
}

impl<'a> Code<'a> {
    /// One typed value where either kind is accepted: six digits are the app's code,
    /// anything else a recovery code (what an owner without the app has).
    pub fn typed(text: &'a str) -> Self {
        if console_api::is_app_code(text) {
            Code::Totp(text)
        } else {
            Code::Recovery(text)
        }
    }

    /// The one code a request sent; a clear error when it sent none or both.
    pub fn from_request(code: Option<&'a str>, recovery: Option<&'a str>) -> ApiResult<Self> {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let recovery = recovery.map(str::trim).filter(|c| !c.is_empty());
        match (code, recovery) {
            (Some(code), None) => Ok(Code::Totp(code)),
            (None, Some(recovery)) => Ok(Code::Recovery(recovery)),
            (None, None) => Err(ApiError::validation(
                "code",
                "Enter the 6-digit code from your authenticator app",
            )),
            (Some(_), Some(_)) => Err(ApiError::validation(
                "code",
                "Send either a code or a recovery code, not both",
            )),
        }
    }
}

/// Where a code is typed, which names the counter its failures count on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Answering a sign-in challenge.
    SignIn,
    /// Confirming an action from a signed-in session.
    Confirm,
}

/// Whether `code` is a current, unused second factor of the account's enabled factor. An
/// accepted code is spent (its time step, or the recovery code) in the same statement that
/// accepts it, so it never works twice, on any replica. Too many wrong codes lock the
/// counter of `used_for` (ACCOUNT_LOCKED) for a while; when sign-in locks, the owner is
/// mailed: whoever typed them knew the password.
pub async fn check_code(
    state: &AppState,
    user_id: &UserId,
    code: Code<'_>,
    used_for: Use,
) -> ApiResult<bool> {
    let key = match used_for {
        Use::SignIn => throttle::second_factor_key(user_id),
        Use::Confirm => throttle::second_factor_confirm_key(user_id),
    };
    if throttle::begin(state, &key).await?
        && used_for == Use::SignIn
        && let Some(user) = users::by_id(&state.db.pool, user_id).await?
    {
        tracing::warn!(user = %user.id, "second factor locked after wrong codes");
        let notice = crate::mail::templates::two_factor_attempts(
            state.config.lockout_duration.as_secs().div_ceil(60),
            &state.config.link("/forgot-password"),
        );
        throttle::mail_owner(state, &user, notice);
    }
    let now = state.clock.now();
    let accepted = match code {
        Code::Totp(code) => {
            let factor = two_factor::factor(&state.db.pool, user_id)
                .await?
                .filter(|f| f.enabled_at.is_some());
            let matched = factor
                .and_then(|f| state.totp.open(&f.secret_sealed))
                .and_then(|secret| totp::check(&secret, code, now));
            match matched {
                Some(m) => two_factor::accept_step(&state.db.pool, user_id, m.step).await?,
                None => false,
            }
        }
        Code::Recovery(code) => {
            // Longer than any recovery code: not hashed, not a match.
            code.len() <= 64
                && two_factor::spend_recovery_code(
                    &state.db.pool,
                    user_id,
                    &state.totp.recovery_hash(user_id, code),
                    now,
                )
                .await?
        }
    };
    if accepted {
        throttle::succeeded(state, &key).await?;
    }
    Ok(accepted)
}

/// Answers a challenge: the session it opens, and its account.
pub async fn answer(
    state: &AppState,
    challenge: &str,
    code: Code<'_>,
    headers: &HeaderMap,
    ip: IpAddr,
) -> ApiResult<(User, Opened)> {
    let hash = token_hash(challenge);
    let now = state.clock.now();
    // Every answer takes one of the challenge's attempts before the code is checked, in one
    // statement: parallel answers cannot try more codes than that.
    let pending = if crate::validate::token_shape(challenge) {
        two_factor::take_attempt(&state.db.pool, &hash, MAX_ATTEMPTS, now).await?
    } else {
        None
    };
    let pending = pending.ok_or(ApiError::Unauthorized(CHALLENGE_ENDED))?;
    if !check_code(state, &pending.user_id, code, Use::SignIn).await? {
        tracing::info!(user = %pending.user_id, "wrong second factor");
        return Err(ApiError::validation("code", "Wrong code"));
    }
    if !two_factor::spend_challenge(&state.db.pool, &hash, now).await? {
        return Err(ApiError::Unauthorized(CHALLENGE_ENDED));
    }
    let user = users::by_id(&state.db.pool, &pending.user_id)
        .await?
        .ok_or(ApiError::Unauthorized(CHALLENGE_ENDED))?;
    if user.disabled_at.is_some() {
        return Err(ApiError::AccountDisabled);
    }
    let proof = match (&pending.password_hash, pending.provider_started_at) {
        (Some(hash), _) => Proof::Password(hash),
        (None, Some(started_at)) => Proof::Provider { started_at },
        (None, None) => return Err(ApiError::Unauthorized(CHALLENGE_ENDED)),
    };
    let opened = session::open(state, &user, proof, headers, ip)
        .await?
        .ok_or(ApiError::Unauthorized(CHALLENGE_ENDED))?;
    tracing::info!(user = %user.id, "signed in with a second factor");
    Ok((user, opened))
}
