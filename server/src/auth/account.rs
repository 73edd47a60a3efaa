//! What a signed-in person does to their own account: change the password (PW4: the current
//! one is needed), change the address (nothing changes until a link mailed to the new one is
//! confirmed), delete it. Each ends what it should, at once, and tells the owner by mail.

use super::{
    password,
    random::{one_time_token, token_hash},
    reauth,
    two_factor::{self, Code},
};
use crate::{
    db::{sessions, tokens, tokens::Purpose, two_factor as factors, users},
    error::{ApiError, ApiResult},
    extract::AuthUser,
    mail::templates,
    state::AppState,
};
use std::net::IpAddr;

/// How long an address-change link lives.
pub const CHANGE_EMAIL_TTL_SECONDS: i64 = 24 * 3600;

/// A new password, in place of the current one; every other session ends. Returns how many.
pub async fn change_password(
    state: &AppState,
    auth: &AuthUser,
    current: &str,
    new: &str,
    ip: IpAddr,
) -> ApiResult<u64> {
    let session = auth.session()?.session_id();
    let user = &auth.user;
    let Some(old_hash) = user.password_hash.clone() else {
        return Err(ApiError::validation(
            "currentPassword",
            "This account has no password yet: set one with “Forgot your password?”",
        ));
    };
    reauth::check_password(state, auth, current, ip, "currentPassword").await?;
    let local_part = user.email.split('@').next().unwrap_or_default();
    let context = [user.email.as_str(), local_part, user.username.as_str()];
    let new = password::check_policy(new, state.config.password_min_length, &context)
        .map_err(|message| ApiError::validation("newPassword", message))?;
    let hash = state.hasher.hash(new).await?;

    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    users::lock(&mut tx, state.db.dialect, &user.id).await?;
    // Only over the hash just checked: a reset that committed meanwhile wins.
    if !users::upgrade_hash(&mut *tx, &user.id, &old_hash, &hash, now).await? {
        return Err(ApiError::Unauthorized(
            "Your password was changed elsewhere meanwhile; sign in again",
        ));
    }
    let ended = sessions::revoke_others(&mut *tx, &user.id, &session, now).await?;
    // An address change asked for with the old password does not outlive it.
    tokens::spend_purpose(&mut *tx, &user.id, Purpose::ChangeEmail, now).await?;
    let notice =
        templates::password_changed_by_owner(&state.config.link("/forgot-password"), ended);
    state
        .mailer
        .queue(&mut *tx, &user.email, &notice, now, None)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    state.sessions.forget_user(&user.id);
    tracing::info!(user = %user.id, sessions_revoked = ended, "password changed");
    Ok(ended)
}

/// Mails a confirmation link to `new_email`, and tells the current address at once. The
/// answer is the same whether or not the new address is free: a taken one gets a notice
/// instead of a link, so the form cannot be used to find out who has an account.
pub async fn request_email_change(
    state: &AppState,
    auth: &AuthUser,
    new_email: &str,
    current_password: &str,
    ip: IpAddr,
) -> ApiResult<()> {
    auth.session()?;
    let user = &auth.user;
    let new_email = crate::validate::email(&new_email.trim().to_lowercase())
        .map_err(|_| ApiError::validation("newEmail", "Enter a valid email address"))?;
    if new_email == user.email {
        return Err(ApiError::validation(
            "newEmail",
            "This is already your address",
        ));
    }
    reauth::check_password(state, auth, current_password, ip, "currentPassword").await?;
    let now = state.clock.now();
    let taken = users::by_email(&state.db.pool, &new_email).await?.is_some();
    let mut tx = state.db.pool.begin().await?;
    // One pending change at a time: a newer request replaces the older link.
    tokens::spend_purpose(&mut *tx, &user.id, Purpose::ChangeEmail, now).await?;
    let to_new = if taken {
        templates::email_change_taken(&state.config.link("/login"))
    } else {
        let token = one_time_token();
        tokens::insert(
            &mut *tx,
            &tokens::NewToken {
                token_hash: &token_hash(&token),
                user_id: &user.id,
                purpose: Purpose::ChangeEmail,
                now,
                expires_at: now + CHANGE_EMAIL_TTL_SECONDS,
                password_hash: None,
                username: None,
                new_email: Some(&new_email),
            },
        )
        .await?;
        let link = state.config.link(&format!("/confirm-email?token={token}"));
        templates::confirm_new_email(&link, CHANGE_EMAIL_TTL_SECONDS as u64 / 3600)
    };
    super::links::queue_capped(&mut tx, state, &new_email, &to_new, now).await?;
    let to_old =
        templates::email_change_requested(&new_email, &state.config.link("/forgot-password"));
    state
        .mailer
        .queue(&mut *tx, &user.email, &to_old, now, None)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user = %user.id, "address change requested");
    Ok(())
}

/// Confirms an address change with its link; the account's new address, verified.
pub async fn confirm_email_change(state: &AppState, token: &str) -> ApiResult<String> {
    let (token_state, _) = super::links::token_state(state, token, Purpose::ChangeEmail).await?;
    if token_state != console_api::TokenState::Valid {
        return Err(super::links::token_error(token_state));
    }
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    let Some(spent) =
        tokens::consume(&mut *tx, &token_hash(token), Purpose::ChangeEmail, now).await?
    else {
        return Err(super::links::token_error(console_api::TokenState::Used));
    };
    let user = users::by_id(&mut *tx, &spent.user_id)
        .await?
        .ok_or_else(|| super::links::token_error(console_api::TokenState::Invalid))?;
    let new_email = spent.new_email.unwrap_or_default();
    // Checked again now: the address may have been taken since the link was sent.
    if new_email.is_empty() || !users::set_email(&mut *tx, &user.id, &new_email, now).await? {
        return Err(ApiError::validation(
            "token",
            "This address now belongs to another account",
        ));
    }
    // Links mailed to the old address stop: whoever still reads it must not reset the
    // password of an account that moved away.
    for purpose in [Purpose::ResetPassword, Purpose::VerifyEmail] {
        tokens::spend_purpose(&mut *tx, &user.id, purpose, now).await?;
    }
    let notice = templates::email_changed(&new_email, &state.config.link("/forgot-password"));
    state
        .mailer
        .queue(&mut *tx, &user.email, &notice, now, None)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    state.sessions.forget_user(&user.id);
    tracing::info!(user = %user.id, "address changed");
    Ok(new_email)
}

/// Deletes the account of the session asking, after its password (or, with two-factor
/// sign-in on, a code) proves it is the owner. An account without a password (Google only)
/// needs a recent sign-in instead.
pub async fn delete(
    state: &AppState,
    auth: &AuthUser,
    password: Option<&str>,
    code: Option<&str>,
    ip: IpAddr,
) -> ApiResult<()> {
    auth.session()?;
    let user = &auth.user;
    match (code, password) {
        (Some(code), _) if factors::is_enabled(&state.db.pool, &user.id).await? => {
            let code = Code::typed(code);
            if !two_factor::check_code(state, &user.id, code, two_factor::Use::Confirm).await? {
                return Err(ApiError::validation("code", "Wrong code"));
            }
        }
        (_, Some(password)) if user.password_hash.is_some() => {
            reauth::check_password(state, auth, password, ip, "currentPassword").await?;
        }
        _ if user.password_hash.is_none() => {
            reauth::require_recent_sign_in(state, auth, None, ip).await?;
        }
        _ => {
            return Err(ApiError::validation(
                "currentPassword",
                "Enter your password to delete your account",
            ));
        }
    }
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    users::lock(&mut tx, state.db.dialect, &user.id).await?;
    let notice = templates::account_deleted();
    state
        .mailer
        .queue(&mut *tx, &user.email, &notice, now, None)
        .await?;
    users::delete(&mut tx, user, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    state.sessions.forget_user(&user.id);
    tracing::info!(user = %user.id, "account deleted");
    Ok(())
}
