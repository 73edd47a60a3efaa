//! `POST /api/auth/resend-verification` and `POST /api/auth/forgot-password`: the same
//! answer whatever the address (EN3); the lookup and the mail happen after the answer.
//!
//! A new verification link does not cancel older ones: whichever arrives first works, and
//! once one is used the others report `already_verified`.

use super::links::{self, Link};
use crate::{
    auth::ratelimit::Action,
    db::users,
    error::ApiResult,
    extract::{ApiJson, ClientIp},
    mail::templates,
    state::AppState,
    validate,
};
use app::api::{Data, EmailRequest, Success};
use axum::{Json, extract::State};

pub async fn resend_verification(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<EmailRequest>,
) -> ApiResult<Json<Data<Success>>> {
    accept_mail_request(&state, ip, &req.email, Link::VerifyEmail)
}

pub async fn forgot_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<EmailRequest>,
) -> ApiResult<Json<Data<Success>>> {
    accept_mail_request(&state, ip, &req.email, Link::ResetPassword)
}

fn accept_mail_request(
    state: &AppState,
    ip: std::net::IpAddr,
    email: &str,
    link: Link,
) -> ApiResult<Json<Data<Success>>> {
    state.limits.check_ip(Action::Mail, ip)?;
    let email = validate::email(email)?;
    state.limits.check_address(&email)?;
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = send_link(&state, &email, link).await {
            tracing::error!(error = %e, "could not queue an account mail");
        }
    });
    Ok(Json(Data {
        data: Success { success: true },
    }))
}

/// Mails a fresh link when the address has an account that can use it.
async fn send_link(state: &AppState, email: &str, link: Link) -> Result<(), sqlx::Error> {
    let Some(user) = users::by_email(&state.db.pool, email).await? else {
        return Ok(());
    };
    let wanted = match link {
        Link::VerifyEmail => !user.is_verified() && user.disabled_at.is_none(),
        Link::ResetPassword => user.disabled_at.is_none(),
    };
    if !wanted {
        return Ok(());
    }
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    // A new verification link carries the account's pending password, read inside this
    // transaction: none once several signups used the address.
    let pending = match link {
        Link::VerifyEmail => match users::pending_password(&mut *tx, &user.id, now).await? {
            Some(hash) => hash,
            None => return Ok(()),
        },
        Link::ResetPassword => None,
    };
    let carried = links::Pending {
        password_hash: pending.as_deref(),
        username: None,
    };
    let token = links::issue_token(&mut tx, state, &user.id, link, carried, now).await?;
    let mail = match link {
        Link::VerifyEmail => templates::verify_email(
            &links::verify_link(state, &token),
            links::verify_hours(state),
        ),
        Link::ResetPassword => templates::reset_password(
            &links::reset_link(state, &token),
            links::reset_minutes(state),
        ),
    };
    if links::queue_capped(&mut tx, state, &user.email, &mail, now).await? {
        tx.commit().await?;
        state.mailer.wake();
    }
    Ok(())
}
