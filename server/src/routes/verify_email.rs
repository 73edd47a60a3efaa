//! Email verification. `GET …/validate` only reports the link's state (a mail scanner that
//! opens the link spends nothing, TK4); the page's `POST` spends it. Never signs in.

use crate::auth::links::{self, Link};
use crate::{
    auth::{random, ratelimit::Action},
    db::{tokens, tokens::Purpose, users},
    error::ApiResult,
    extract::{ApiJson, ClientIp},
    mail::templates,
    state::AppState,
};
use axum::{
    Json,
    extract::{Query, State},
};
use console_api::{Data, TokenRequest, TokenState, TokenStateResponse, VerifyEmailResponse};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

pub async fn validate(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(query): Query<TokenQuery>,
) -> ApiResult<Json<Data<TokenStateResponse>>> {
    state.limits.check_ip(Action::Token, ip)?;
    let (token_state, _) = links::token_state(&state, &query.token, Purpose::VerifyEmail).await?;
    Ok(Json(Data {
        data: TokenStateResponse { state: token_state },
    }))
}

pub async fn verify(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<Json<Data<VerifyEmailResponse>>> {
    state.limits.check_ip(Action::Token, ip)?;
    let (token_state, owner) = links::token_state(&state, &req.token, Purpose::VerifyEmail).await?;
    if token_state != TokenState::Valid {
        return Err(links::token_error(token_state));
    }
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    if let Some(id) = &owner {
        // The account's row first, as a concurrent signup for the address takes it.
        users::lock(&mut tx, state.db.dialect, id).await?;
    }
    let hash = random::token_hash(&req.token);
    let Some(spent) = tokens::consume(&mut *tx, &hash, Purpose::VerifyEmail, now).await? else {
        // Spent by a concurrent request between the check and now.
        drop(tx);
        let (token_state, _) = links::token_state(&state, &req.token, Purpose::VerifyEmail).await?;
        return Err(links::token_error(token_state));
    };
    let user_id = spent.user_id;
    // The password that works from now on is the one chosen at the signup that mailed this
    // link, and none when several signups used the address (PH1).
    if !users::verify_with_link(&mut *tx, &user_id, spent.password_hash.as_deref(), now).await? {
        // Another link verified the address a moment ago.
        return Err(links::token_error(TokenState::AlreadyVerified));
    }
    let user = users::by_id(&mut *tx, &user_id)
        .await?
        .ok_or_else(|| links::token_error(TokenState::Invalid))?;
    let choose_password = spent.password_hash.is_none();
    if choose_password {
        // The mailbox just proved its owner: they choose the password now.
        let token = links::issue_token(
            &mut tx,
            &state,
            &user.id,
            Link::ResetPassword,
            links::Pending::default(),
            now,
        )
        .await?;
        let mail = templates::choose_password(
            &links::reset_link(&state, &token),
            links::reset_minutes(&state),
        );
        state
            .mailer
            .queue(&mut *tx, &user.email, &mail, now, None)
            .await?;
    }
    tx.commit().await?;
    state.mailer.wake();
    if let Some(name) = spent.username.as_deref() {
        // The username asked for at signup; taken since, the account keeps the name derived
        // from its address (a unique violation of a concurrent claim lands here too).
        if !users::claim_username(&state.db.pool, &user_id, name, now)
            .await
            .unwrap_or(false)
        {
            tracing::info!(user = %user_id, "requested username taken before verification");
        }
    }
    tracing::info!(user = %user_id, "email verified");
    Ok(Json(Data {
        data: VerifyEmailResponse {
            success: true,
            email: user.email,
            choose_password,
        },
    }))
}
