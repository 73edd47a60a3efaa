//! The HTTP API: one module per endpoint family, one router.

mod account;
mod admin;
mod api_keys;
mod dev_mailbox;
mod forgot_password;
mod google;
mod login;
mod resend_verification;
mod reset_password;
mod session;
mod sessions;
mod signup;
mod two_factor;
mod verify_email;

use crate::{error::ApiError, state::AppState};
use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::{HeaderValue, header},
    routing::{delete, get, post},
};
use console_api::{Data, Providers};
use tower_http::set_header::SetResponseHeaderLayer;

/// Request bodies above this are refused before they are read in full.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every route the server answers besides the pages. API responses are never cached.
pub fn api_router(state: &AppState) -> Router<AppState> {
    use console_api::paths;
    let no_store = || {
        SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        )
    };
    let api = Router::new()
        .route(paths::SIGNUP, post(signup::signup))
        .route(paths::LOGIN, post(login::login))
        .route(paths::LOGOUT, post(session::logout))
        .route(paths::ME, get(session::me))
        .route(paths::PROVIDERS, get(providers))
        .route(paths::GOOGLE, get(google::start))
        .route(paths::GOOGLE_CALLBACK, get(google::callback))
        .route(
            paths::RESEND_VERIFICATION,
            post(resend_verification::resend_verification),
        )
        .route(paths::VERIFY_EMAIL_VALIDATE, get(verify_email::validate))
        .route(paths::VERIFY_EMAIL, post(verify_email::verify))
        .route(
            paths::FORGOT_PASSWORD,
            post(forgot_password::forgot_password),
        )
        .route(
            paths::RESET_PASSWORD_VALIDATE,
            get(reset_password::validate),
        )
        .route(paths::RESET_PASSWORD, post(reset_password::reset))
        .route(paths::CHANGE_PASSWORD, post(account::change_password))
        .route(paths::CHANGE_EMAIL, post(account::change_email))
        .route(
            paths::CHANGE_EMAIL_VALIDATE,
            get(account::validate_email_change),
        )
        .route(
            paths::CHANGE_EMAIL_CONFIRM,
            post(account::confirm_email_change),
        )
        .route(paths::ACCOUNT, delete(account::delete_account))
        .route(paths::TWO_FACTOR, get(two_factor::status))
        .route(paths::TWO_FACTOR_SETUP, post(two_factor::setup))
        .route(paths::TWO_FACTOR_ENABLE, post(two_factor::enable))
        .route(paths::TWO_FACTOR_VERIFY, post(two_factor::verify))
        .route(paths::TWO_FACTOR_DISABLE, post(two_factor::disable))
        .route(
            paths::TWO_FACTOR_RECOVERY_CODES,
            post(two_factor::regenerate),
        )
        .route(paths::SESSIONS, get(sessions::list))
        .route(paths::SESSIONS_REVOKE_OTHERS, post(sessions::revoke_others))
        .route(paths::SESSION, delete(sessions::revoke))
        .route(paths::API_KEYS, get(api_keys::list).post(api_keys::create))
        .route(paths::API_KEY, delete(api_keys::revoke))
        .route(paths::ADMIN_USERS, get(admin::list))
        .route(paths::ADMIN_USER_DISABLE, post(admin::disable))
        .route(paths::ADMIN_USER_ENABLE, post(admin::enable))
        .route(paths::ADMIN_USER_ROLE, post(admin::set_role))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(no_store());
    let mut router = Router::new()
        .merge(api)
        .route("/api/{*rest}", get(not_found).post(not_found))
        .route(paths::GOOGLE_HANDOFF, get(google::handoff))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    if state.mailer.is_dev_mailbox() {
        router = router.route("/dev/mailbox", get(dev_mailbox::mailbox));
    }
    router
}

/// The ways to sign in this server offers.
async fn providers(State(state): State<AppState>) -> Json<Data<Providers>> {
    Json(Data {
        data: Providers {
            password: true,
            google: state.google.is_some(),
        },
    })
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
