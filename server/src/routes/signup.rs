//! `POST /api/auth/signup`: creates an unverified account and mails a verification link.
//! Never signs in. An address that already has an account gets the same answer, and its
//! owner gets a mail instead (EN2). A verification link activates only the password chosen
//! at the signup that mailed it, and only the latest signup's (PH1).

use super::links::{self, Link};
use crate::{
    auth::{password, ratelimit::Action},
    db::{new_id, tokens, tokens::Purpose, users},
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientIp},
    mail::templates,
    state::AppState,
    validate,
};
use app::api::{Data, SignupRequest, SignupResponse};
use axum::{Json, extract::State};

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
    let password =
        password::check_policy(&req.password, state.config.password_min_length, &context)
            .map_err(|message| ApiError::validation("password", message))?;

    // The username is checked before the address is looked up, so whether it is free is
    // the only thing this answer can tell (EN2).
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
        Some(pending) => sign_up_again(&state, &pending, &hash, username.as_deref(), now).await?,
        None => create(&state, &email, username, &hash, now).await?,
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
    username: Option<String>,
    hash: &str,
    now: i64,
) -> ApiResult<()> {
    let username = match username {
        Some(name) => name,
        None => users::unique_username(&state.db.pool, email).await?,
    };
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
        // Another request created the address a moment ago: answer as for any existing
        // address.
        drop(tx);
        if let Some(existing) = users::by_email(&state.db.pool, email).await?
            && existing.is_verified()
        {
            notify_owner(state, &existing, now).await?;
        }
        return Ok(());
    }
    let token = links::issue_token(&mut tx, state, &id, Link::VerifyEmail, Some(hash), now).await?;
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

/// A signup for an address whose account was never verified: whoever registered it first
/// proved nothing, so this signup's password becomes the pending one and every earlier link
/// is discarded. Only the link mailed now can activate it, and no link ever activates an
/// earlier signup's password (PH1). This holds even when the hourly mail cap keeps the new
/// link from being sent: the earlier links stop all the same.
async fn sign_up_again(
    state: &AppState,
    pending: &users::User,
    hash: &str,
    username: Option<&str>,
    now: i64,
) -> ApiResult<()> {
    let mut tx = state.db.pool.begin().await?;
    users::replace_pending_signup(&mut *tx, &pending.id, hash, username, now)
        .await
        .map_err(username_conflict)?;
    tokens::discard_unspent(&mut *tx, &pending.id, Purpose::VerifyEmail).await?;
    let token = links::issue_token(
        &mut tx,
        state,
        &pending.id,
        Link::VerifyEmail,
        Some(hash),
        now,
    )
    .await?;
    let mail = templates::verify_email_again(
        &links::verify_link(state, &token),
        links::verify_hours(state),
    );
    links::queue_capped(&mut tx, state, &pending.email, &mail, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user = %pending.id, "signup repeated for an unverified address");
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
