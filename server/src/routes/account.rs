//! The signed-in person's own account: `POST /api/auth/change-password`,
//! `POST /api/auth/change-email` (then `GET …/validate` and `POST …/confirm` from the link
//! mailed to the new address) and `DELETE /api/auth/account`.

use crate::{
    auth::{account, links, ratelimit::Action},
    cookies,
    db::tokens::Purpose,
    error::ApiResult,
    extract::{ApiJson, AuthUser, ClientIp},
    state::AppState,
};
use axum::{
    Json,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use console_api::{
    ChangeEmailRequest, ChangePasswordRequest, Data, DeleteAccountRequest, EmailChanged, Revoked,
    Success, TokenRequest, TokenStateResponse,
};

pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: AuthUser,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> ApiResult<Json<Data<Revoked>>> {
    let revoked = account::change_password(
        &state,
        &auth,
        req.current_password.expose(),
        req.new_password.expose(),
        ip,
    )
    .await?;
    Ok(Json(Data {
        data: Revoked { revoked },
    }))
}

pub async fn change_email(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: AuthUser,
    ApiJson(req): ApiJson<ChangeEmailRequest>,
) -> ApiResult<Json<Data<Success>>> {
    state.limits.check_ip(Action::Mail, ip)?;
    account::request_email_change(
        &state,
        &auth,
        &req.new_email,
        req.current_password.expose(),
        ip,
    )
    .await?;
    Ok(Json(Data {
        data: Success { success: true },
    }))
}

/// The link's state, without spending it (TK4).
pub async fn validate_email_change(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(query): Query<super::verify_email::TokenQuery>,
) -> ApiResult<Json<Data<TokenStateResponse>>> {
    state.limits.check_ip(Action::Token, ip)?;
    let (token_state, _) = links::token_state(&state, &query.token, Purpose::ChangeEmail).await?;
    Ok(Json(Data {
        data: TokenStateResponse { state: token_state },
    }))
}

pub async fn confirm_email_change(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<Json<Data<EmailChanged>>> {
    state.limits.check_ip(Action::Token, ip)?;
    let email = account::confirm_email_change(&state, &req.token).await?;
    Ok(Json(Data {
        data: EmailChanged {
            success: true,
            email,
        },
    }))
}

pub async fn delete_account(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: AuthUser,
    ApiJson(req): ApiJson<DeleteAccountRequest>,
) -> ApiResult<Response> {
    let password = req.current_password.as_ref().map(|p| p.expose());
    let code = req.code.as_deref().map(str::trim).filter(|c| !c.is_empty());
    account::delete(&state, &auth, password.filter(|p| !p.is_empty()), code, ip).await?;
    let body = Json(Data {
        data: Success { success: true },
    });
    let clear = cookies::jar([cookies::clear_session(&state.config)]);
    Ok((clear, body).into_response())
}
