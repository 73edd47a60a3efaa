//! `POST /api/auth/signup`: creates an unverified account and mails a verification link.
//! Never signs in. An address that already has an account gets the same answer, and its
//! owner gets a mail instead (EN2). A verification link activates the password chosen at the
//! signup that mailed it, and none once several signups used the address (PH1).

use crate::auth::links::{self, Link};
use crate::{
    auth::{password, ratelimit::Action},
    db::{new_id, tokens, users},
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientIp},
    mail::templates,
    state::AppState,
    validate,
};
use axum::{Json, extract::State};
use console_api::{Data, SignupRequest, SignupResponse};

pub async fn signup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<SignupRequest>,
) -> ApiResult<Json<Data<SignupResponse>>> {
    state.limits.check_ip(Action::Signup, ip)?;
    let email = validate::email(&req.email)?;
    let username = req
        .username
        .as_deref()
        .map(validate::username)
        .transpose()?;
    let local_part = email.split('@').next().unwrap_or_default();
    let context = [
        email.as_str(),
        local_part,
        username.as_deref().unwrap_or(""),
    ];
    let password = password::check_policy(
        req.password.expose(),
        state.config.password_min_length,
        &context,
    )
    .map_err(|message| ApiError::validation("password", message))?;

    // The username is checked before the address is looked up, and claimed only when the
    // address is verified, so whether it is free is all this answer can tell (EN2).
    if let Some(name) = &username
        && users::username_taken(&state.db.pool, name).await?
    {
        return Err(username_taken());
    }

    // Hash before looking the address up, so every outcome costs the same.
    let hash = state.hasher.hash(password).await?;
    let now = state.clock.now();

    match users::by_email(&state.db.pool, &email).await? {
        Some(existing) if existing.is_verified() => notify_owner(&state, &existing, now).await?,
        Some(existing) if existing.disabled_at.is_some() => {}
        Some(pending) => sign_up_again(&state, &pending, username.as_deref(), now).await?,
        None => create(&state, &email, username.as_deref(), &hash, now).await?,
    }

    Ok(Json(Data {
        data: SignupResponse {
            success: true,
            verification_required: true,
            email,
        },
    }))
}

async fn create(
    state: &AppState,
    email: &str,
    requested: Option<&str>,
    hash: &str,
    now: i64,
) -> ApiResult<()> {
    // A name derived from the address until verification claims the requested one.
    let username = users::unique_username(&state.db.pool, email).await?;
    let id = new_id();
    let mut tx = state.db.pool.begin().await?;
    let new_user = users::NewUser {
        id: &id,
        email,
        username: &username,
        password_hash: Some(hash),
        email_verified_at: None,
        now,
    };
    let created = users::insert(&mut *tx, &new_user)
        .await
        .map_err(username_conflict)?;
    if !created {
        // Another signup created the address a moment ago: this one is a second signup.
        drop(tx);
        return match users::by_email(&state.db.pool, email).await? {
            Some(existing) if existing.is_verified() => notify_owner(state, &existing, now).await,
            Some(existing) if existing.disabled_at.is_none() => {
                sign_up_again(state, &existing, requested, now).await
            }
            _ => Ok(()),
        };
    }
    let pending = links::Pending {
        password_hash: Some(hash),
        username: requested,
    };
    let token = links::issue_token(&mut tx, state, &id, Link::VerifyEmail, pending, now).await?;
    let mail = templates::verify_email(
        &links::verify_link(state, &token),
        links::verify_hours(state),
    );
    links::queue_capped(&mut tx, state, email, &mail, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user = %id, "account created");
    Ok(())
}

/// Another signup for an address whose account was never verified. Nobody can tell which
/// signup is the owner's, so no password chosen at any of them is kept: every pending link
/// still verifies the address, and verifying mails a link to choose a password (the
/// mailbox proves the owner). Whoever signed up first or last, a squatter's password never
/// opens the account, whichever link is clicked (PH1). This holds even when the hourly mail
/// cap keeps the new link from being sent.
async fn sign_up_again(
    state: &AppState,
    pending: &users::User,
    requested: Option<&str>,
    now: i64,
) -> ApiResult<()> {
    let mut tx = state.db.pool.begin().await?;
    users::lock(&mut tx, state.db.dialect, &pending.id).await?;
    if !users::forget_pending_password(&mut *tx, &pending.id, now).await? {
        // Verified a moment ago: answer as for any verified address.
        drop(tx);
        return notify_owner(state, pending, now).await;
    }
    tokens::forget_pending_passwords(&mut *tx, &pending.id).await?;
    let claim = links::Pending {
        password_hash: None,
        username: requested,
    };
    let token =
        links::issue_token(&mut tx, state, &pending.id, Link::VerifyEmail, claim, now).await?;
    let mail = templates::verify_email_again(
        &links::verify_link(state, &token),
        links::verify_hours(state),
    );
    links::queue_capped(&mut tx, state, &pending.email, &mail, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user = %pending.id, "another signup for an unverified address");
    Ok(())
}

/// Someone signed up with the address of a verified account: its owner gets a "you already
/// have an account" note, and nothing changes.
async fn notify_owner(state: &AppState, user: &users::User, now: i64) -> ApiResult<()> {
    let mut tx = state.db.pool.begin().await?;
    let mail = templates::already_registered(
        &state.config.link("/login"),
        &state.config.link("/forgot-password"),
    );
    if links::queue_capped(&mut tx, state, &user.email, &mail, now).await? {
        tx.commit().await?;
        state.mailer.wake();
    }
    Ok(())
}

fn username_taken() -> ApiError {
    ApiError::validation("username", "This username is taken")
}

fn username_conflict(e: sqlx::Error) -> ApiError {
    if is_unique_violation(&e) {
        username_taken()
    } else {
        e.into()
    }
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
