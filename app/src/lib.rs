//! The console: Leptos pages rendered on the server and hydrated in the browser.

/// The API's wire types, shared with the server and the CLI.
pub use console_api as api;
pub use console_api::format;

mod client;
mod components;
mod form;
mod layout;
mod pages;
pub mod session;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
};

use layout::Layout;
use pages::{
    confirm_email::ConfirmEmailPage, dashboard::DashboardPage, forgot_password::ForgotPasswordPage,
    home::HomePage, login::LoginPage, not_found::NotFound, reset_password::ResetPasswordPage,
    signup::SignupPage, verify_email::VerifyEmailPage,
};

/// The password rule as the forms state it up front.
fn password_hint() -> String {
    format!(
        "At least {} characters. A few unrelated words make a strong password that is easy to remember.",
        session::rules().password_min_length
    )
}

/// The Content-Security-Policy of every page, with this response's nonce for Leptos's
/// inline scripts.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(value) =
        http::HeaderValue::from_str(&content_security_policy(&nonce.to_string()))
    {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
    let rules = serde_json::to_string(&session::rules()).unwrap_or_default();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="console-rules" content=rules />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    view! {
        <Stylesheet id="leptos" href="/pkg/console.css" />
        <Title formatter=|page: String| format!("{page} · msgsg console") />
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage />
                    <Route path=StaticSegment("signup") view=SignupPage />
                    <Route path=StaticSegment("login") view=LoginPage />
                    <Route path=StaticSegment("verify-email") view=VerifyEmailPage />
                    <Route path=StaticSegment("forgot-password") view=ForgotPasswordPage />
                    <Route path=StaticSegment("reset-password") view=ResetPasswordPage />
                    <Route path=StaticSegment("dashboard") view=DashboardPage />
                    <Route path=StaticSegment("confirm-email") view=ConfirmEmailPage />
                </Routes>
            </Layout>
        </Router>
    }
}

/// Sets `data-hydrated` on `<body>` once the WASM has taken over the page, so that
/// tests (and anyone curious) can tell when clicks start to count.
fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
