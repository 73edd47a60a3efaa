//! `POST /api/auth/forgot-password`: the same answer whatever the address (EN3); the lookup
//! and the mail happen after the answer.

use crate::{
    auth::links::{self, Link},
    error::ApiResult,
    extract::{ApiJson, ClientIp},
    state::AppState,
};
use axum::{Json, extract::State};
use console_api::{Data, EmailRequest, Success};

pub async fn forgot_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<EmailRequest>,
) -> ApiResult<Json<Data<Success>>> {
    links::request_link(&state, ip, &req.email, Link::ResetPassword)?;
    Ok(Json(Data {
        data: Success { success: true },
    }))
}
