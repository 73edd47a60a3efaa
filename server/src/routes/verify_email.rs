//! Email verification. `GET …/validate` only reports the link's state (a mail scanner that
//! opens the link spends nothing, TK4); the page's `POST` spends it. Never signs in.

use super::links;
use crate::{
    auth::{random, ratelimit::Action},
    db::{tokens, tokens::Purpose, users},
    error::ApiResult,
    extract::{ApiJson, ClientIp},
    state::AppState,
};
use app::api::{Data, TokenRequest, TokenState, TokenStateResponse, VerifyEmailResponse};
use axum::{
    Json,
    extract::{Query, State},
};
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
    let (token_state, _) = links::token_state(&state, &req.token, Purpose::VerifyEmail).await?;
    if token_state != TokenState::Valid {
        return Err(links::token_error(token_state));
    }
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    let hash = random::token_hash(&req.token);
    let Some(spent) = tokens::consume(&mut *tx, &hash, Purpose::VerifyEmail, now).await? else {
        // Spent by a concurrent request between the check and now.
        drop(tx);
        let (token_state, _) = links::token_state(&state, &req.token, Purpose::VerifyEmail).await?;
        return Err(links::token_error(token_state));
    };
    let user_id = spent.user_id;
    // The password that works from now on is the one chosen at the signup that mailed this
    // link, never one set by whoever else signed up with the address (PH1).
    if !users::verify_with_link(&mut *tx, &user_id, spent.password_hash.as_deref(), now).await? {
        // Another link verified the address a moment ago.
        return Err(links::token_error(TokenState::AlreadyVerified));
    }
    let user = users::by_id(&mut *tx, &user_id).await?;
    tx.commit().await?;
    tracing::info!(user = %user_id, "email verified");
    Ok(Json(Data {
        data: VerifyEmailResponse {
            success: true,
            email: user.map(|u| u.email).unwrap_or_default(),
        },
    }))
}
