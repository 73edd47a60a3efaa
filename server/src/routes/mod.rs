//! The HTTP API: one module per endpoint family, one router.

mod admin;
mod api_keys;
mod dev_mailbox;
pub mod google;
mod links;
mod login;
mod resend_verification;
mod reset_password;
mod session;
mod signup;
mod verify_email;

use crate::{error::ApiError, extract::session_cookie_name, state::AppState};
use app::api::{Data, Providers};
use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::{HeaderValue, header},
    routing::{delete, get, post},
};
use tower_http::set_header::SetResponseHeaderLayer;

pub use api_keys::KEY_PREFIX as API_KEY_PREFIX;
pub use links::queue_capped;

/// Request bodies above this are refused before they are read in full.
const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn api_router(state: &AppState) -> Router<AppState> {
    let auth = Router::new()
        .route("/signup", post(signup::signup))
        .route("/login", post(login::login))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/providers", get(providers))
        .route("/google", get(google::start))
        .route("/google/callback", get(google::callback))
        .route(
            "/resend-verification",
            post(resend_verification::resend_verification),
        )
        .route("/verify-email/validate", get(verify_email::validate))
        .route("/verify-email", post(verify_email::verify))
        .route(
            "/forgot-password",
            post(resend_verification::forgot_password),
        )
        .route("/reset-password/validate", get(reset_password::validate))
        .route("/reset-password", post(reset_password::reset))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let private = Router::new()
        .route("/api/keys", get(api_keys::list).post(api_keys::create))
        .route("/api/keys/{id}", delete(api_keys::revoke))
        .route("/api/admin/users", get(admin::list))
        .route("/api/admin/users/{name}/disable", post(admin::disable))
        .route("/api/admin/users/{name}/enable", post(admin::enable))
        .route("/api/admin/users/{name}/role", post(admin::set_role))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let mut router = Router::new()
        .nest("/api/auth", auth)
        .merge(private)
        .route("/api/{*rest}", get(not_found).post(not_found))
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
