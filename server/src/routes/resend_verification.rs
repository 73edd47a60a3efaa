//! `POST /api/auth/resend-verification`: the same answer whatever the address (EN3); the
//! lookup and the mail happen after the answer.
//!
//! A new verification link does not cancel older ones: whichever arrives first works, and
//! once one is used the others report `already_verified`.

use crate::{
    auth::links::{self, Link},
    error::ApiResult,
    extract::{ApiJson, ClientIp},
    state::AppState,
};
use axum::{Json, extract::State};
use console_api::{Data, EmailRequest, Success};

pub async fn resend_verification(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<EmailRequest>,
) -> ApiResult<Json<Data<Success>>> {
    links::request_link(&state, ip, &req.email, Link::VerifyEmail)?;
    Ok(Json(Data {
        data: Success { success: true },
    }))
}
