//! The HTTP API: one module per endpoint family, one router.

mod admin;
mod api_keys;
mod dev_mailbox;
mod forgot_password;
mod google;
mod login;
mod resend_verification;
mod reset_password;
mod session;
mod signup;
mod verify_email;

use crate::{error::ApiError, extract::session_cookie_name, state::AppState};
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

/// The console's session cookie: HttpOnly, SameSite=Lax, Path=/, and Secure with the
/// `__Host-` prefix over https (SE1).
fn session_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    let name = session_cookie_name(state.config.https());
    cookie(state, name, token, "/", max_age)
}

/// A cookie only the server reads: HttpOnly, SameSite=Lax, Secure over https. `value` is
/// hex, a JWT or empty.
fn cookie(state: &AppState, name: &str, value: &str, path: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.https() { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; SameSite=Lax; Path={path}; Max-Age={max_age}{secure}"
    ))
    .expect("cookie values are header-safe")
}

/// Marks this browser as one the account signed in from (see `auth::device`).
fn device_cookie(state: &AppState, user_id: &str, now: i64) -> HeaderValue {
    let value = state.devices.issue(user_id, now);
    let name = crate::auth::device::cookie_name(state.config.https());
    let secure = if state.config.https() { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path={}; Max-Age={}{secure}",
        crate::auth::device::PATH,
        crate::auth::device::TTL_SECONDS
    ))
    .expect("cookie values are header-safe")
}

fn clear_session_cookie(state: &AppState) -> HeaderValue {
    session_cookie(state, "", 0)
}
