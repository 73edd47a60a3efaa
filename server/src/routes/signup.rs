//! `POST /api/auth/signup`: creates an unverified account and mails a verification link.
//! Never signs in. An address that already has an account gets the same answer, and its
//! owner gets a mail instead (EN2).

use super::links::{self, Link};
use crate::{
    auth::{password, ratelimit::Action},
    db::{new_id, users},
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

    // Hash before looking the address up, so both outcomes cost the same.
    let hash = state.hasher.hash(password).await?;
    let now = state.clock.now();

    match users::by_email(&state.db.pool, &email).await? {
        Some(existing) => notify_owner(&state, &existing, now).await?,
        None => {
            let username = match username {
                Some(name) if users::username_taken(&state.db.pool, &name).await? => {
                    return Err(ApiError::validation("username", "This username is taken"));
                }
                Some(name) => name,
                None => users::unique_username(&state.db.pool, &email).await?,
            };
            let id = new_id();
            let mut tx = state.db.pool.begin().await?;
            let new_user = users::NewUser {
                id: &id,
                email: &email,
                username: &username,
                password_hash: Some(&hash),
                email_verified_at: None,
                now,
            };
            let created = users::insert(&mut *tx, &new_user).await.map_err(|e| {
                if is_unique_violation(&e) {
                    ApiError::validation("username", "This username is taken")
                } else {
                    e.into()
                }
            })?;
            if created {
                let token =
                    links::issue_token(&mut tx, &state, &id, Link::VerifyEmail, now).await?;
                let mail = templates::verify_email(
                    &links::verify_link(&state, &token),
                    links::verify_hours(&state),
                );
                links::queue_capped(&mut tx, &state, &email, &mail, now).await?;
                tx.commit().await?;
                state.mailer.wake();
                tracing::info!(user = %id, "account created");
            } else {
                // Another request created the address a moment ago: answer as for any
                // existing address.
                drop(tx);
                if let Some(existing) = users::by_email(&state.db.pool, &email).await? {
                    notify_owner(&state, &existing, now).await?;
                }
            }
        }
    }

    Ok(Json(Data {
        data: SignupResponse {
            success: true,
            verification_required: true,
            email,
        },
    }))
}

/// Someone signed up with an address that has an account: an unverified owner gets a fresh
/// verification link, a verified one a "you already have an account" note.
async fn notify_owner(state: &AppState, user: &users::User, now: i64) -> ApiResult<()> {
    let mut tx = state.db.pool.begin().await?;
    let mail = if user.is_verified() {
        templates::already_registered(
            &state.config.link("/login"),
            &state.config.link("/forgot-password"),
        )
    } else {
        let token = links::issue_token(&mut tx, state, &user.id, Link::VerifyEmail, now).await?;
        templates::verify_email(
            &links::verify_link(state, &token),
            links::verify_hours(state),
        )
    };
    if links::queue_capped(&mut tx, state, &user.email, &mail, now).await? {
        tx.commit().await?;
        state.mailer.wake();
    }
    Ok(())
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
