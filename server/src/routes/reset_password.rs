//! Password reset. `GET …/validate` reports the link's state without spending it; the
//! `POST` sets the new password, spends the link, ends every credential of the account
//! (sessions, API keys, pending links, Google hand-offs, trusted browsers), marks the address
//! verified (the link proved it), and mails a notice (TK5, PH2). It never signs in.

use crate::auth::links;
use crate::{
    auth::{password, random, ratelimit::Action, throttle},
    cookies,
    db::{api_keys, sessions, tokens, tokens::Purpose, users},
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientIp},
    mail::templates,
    state::AppState,
};
use axum::{
    Json,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use console_api::{Data, ResetPasswordRequest, Success, TokenState, TokenStateResponse};

pub async fn validate(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(query): Query<super::verify_email::TokenQuery>,
) -> ApiResult<Json<Data<TokenStateResponse>>> {
    state.limits.check_ip(Action::Token, ip)?;
    let (token_state, _) = links::token_state(&state, &query.token, Purpose::ResetPassword).await?;
    Ok(Json(Data {
        data: TokenStateResponse { state: token_state },
    }))
}

pub async fn reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<ResetPasswordRequest>,
) -> ApiResult<Response> {
    state.limits.check_ip(Action::Token, ip)?;
    let (token_state, user_id) =
        links::token_state(&state, &req.token, Purpose::ResetPassword).await?;
    let user = match (token_state, user_id) {
        (TokenState::Valid, Some(id)) => users::by_id(&state.db.pool, &id)
            .await?
            .ok_or_else(|| links::token_error(TokenState::Invalid))?,
        (other, _) => return Err(links::token_error(other)),
    };
    // The password is checked before the link is spent, so a refused password can be fixed.
    let local_part = user.email.split('@').next().unwrap_or_default();
    let context = [user.email.as_str(), local_part, user.username.as_str()];
    let new_password = password::check_policy(
        req.password.expose(),
        state.config.password_min_length,
        &context,
    )
    .map_err(|message| ApiError::validation("password", message))?;
    let hash = state.hasher.hash(new_password).await?;

    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    // The account's row first, as every flow that changes its credentials takes it.
    users::lock(&mut tx, state.db.dialect, &user.id).await?;
    let token_hash = random::token_hash(&req.token);
    if tokens::consume(&mut *tx, &token_hash, Purpose::ResetPassword, now)
        .await?
        .is_none()
    {
        drop(tx);
        let (token_state, _) =
            links::token_state(&state, &req.token, Purpose::ResetPassword).await?;
        return Err(links::token_error(token_state));
    }
    users::set_password(&mut *tx, &user.id, &hash, now).await?;
    users::mark_verified(&mut *tx, &user.id, now).await?;
    // An account recovery ends every credential the account had: whoever held one may be
    // the reason for the reset (PH2).
    users::mark_credentials_reset(&mut *tx, &user.id, now).await?;
    tokens::spend_every_purpose(&mut *tx, &user.id, now).await?;
    let stopped = templates::Stopped {
        sessions: sessions::revoke_all(&mut *tx, &user.id, now).await?,
        api_keys: api_keys::revoke_all(&mut *tx, &user.id, now).await?,
    };
    let notice = templates::password_changed(&state.config.link("/forgot-password"), stopped);
    state
        .mailer
        .queue(&mut *tx, &user.email, &notice, now, None)
        .await?;
    tx.commit().await?;
    state.sessions.forget_user(&user.id);
    state.mailer.wake();
    // The owner starts afresh: earlier lockouts are forgotten, and this browser, which just
    // proved the mailbox, is trusted from now on.
    throttle::forget_account(&state, &user).await?;
    tracing::info!(
        user = %user.id,
        sessions_revoked = stopped.sessions,
        api_keys_revoked = stopped.api_keys,
        "password reset"
    );
    let trust = cookies::jar([cookies::device(
        &state.config,
        state.devices.issue(&user.id, now),
    )]);
    let body = Json(Data {
        data: Success { success: true },
    });
    Ok((trust, body).into_response())
}
