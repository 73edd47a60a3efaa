//! Two-factor sign-in: `GET /api/auth/2fa` (status), `POST …/setup` and `…/enable` (enrol),
//! `POST …/verify` (answer a sign-in challenge), `POST …/disable` and `…/recovery-codes`.
//! The rules are in `auth::two_factor` (sign-in) and `auth::two_factor_settings`.

use crate::{
    auth::{
        ratelimit::Action,
        two_factor::{self, Code},
        two_factor_settings as settings,
    },
    error::ApiResult,
    extract::{ApiJson, AuthUser, ClientIp},
    state::AppState,
};
use axum::{Json, extract::State, http::HeaderMap, response::Response};
use console_api::{
    Data, RecoveryCodes, Success, TwoFactorConfirmRequest, TwoFactorEnableRequest, TwoFactorSetup,
    TwoFactorSetupRequest, TwoFactorStatus, TwoFactorVerifyRequest,
};

pub async fn status(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<Json<Data<TwoFactorStatus>>> {
    let data = settings::status(&state, &auth).await?;
    Ok(Json(Data { data }))
}

pub async fn setup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: AuthUser,
    ApiJson(req): ApiJson<TwoFactorSetupRequest>,
) -> ApiResult<Json<Data<TwoFactorSetup>>> {
    let data = settings::setup(&state, &auth, req.password.as_ref(), ip).await?;
    Ok(Json(Data { data }))
}

pub async fn enable(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(req): ApiJson<TwoFactorEnableRequest>,
) -> ApiResult<Json<Data<RecoveryCodes>>> {
    let recovery_codes = settings::enable(&state, &auth, &req.code).await?;
    Ok(Json(Data {
        data: RecoveryCodes { recovery_codes },
    }))
}

/// Answers the challenge of a sign-in: signs in like `POST /api/auth/login` does.
pub async fn verify(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<TwoFactorVerifyRequest>,
) -> ApiResult<Response> {
    state.limits.check_ip(Action::Login, ip)?;
    let code = Code::from_request(req.code.as_deref(), req.recovery_code.as_deref())?;
    let (user, session) = two_factor::answer(&state, &req.challenge, code, &headers, ip).await?;
    Ok(super::login::signed_in(&state, &user, session))
}

pub async fn disable(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: AuthUser,
    ApiJson(req): ApiJson<TwoFactorConfirmRequest>,
) -> ApiResult<Json<Data<Success>>> {
    settings::disable(
        &state,
        &auth,
        req.password.as_ref(),
        req.code.as_deref(),
        ip,
    )
    .await?;
    Ok(Json(Data {
        data: Success { success: true },
    }))
}

pub async fn regenerate(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: AuthUser,
    ApiJson(req): ApiJson<TwoFactorConfirmRequest>,
) -> ApiResult<Json<Data<RecoveryCodes>>> {
    let recovery_codes = settings::regenerate(
        &state,
        &auth,
        req.password.as_ref(),
        req.code.as_deref(),
        ip,
    )
    .await?;
    Ok(Json(Data {
        data: RecoveryCodes { recovery_codes },
    }))
}
