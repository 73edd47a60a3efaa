//! What the server adds around the Leptos pages: the signed-in user from the session cookie
//! (rendered into the page), which sign-in methods are offered, and redirects between the
//! signed-in and signed-out pages.

use crate::{extract::authenticate, state::AppState};
use app::session::SessionUser;
use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use console_api::{Providers, Rules};

/// Pages only the signed-in see, and pages only the signed-out need.
const SIGNED_IN_ONLY: &[&str] = &["/dashboard"];
const SIGNED_OUT_ONLY: &[&str] = &["/login", "/signup"];

pub async fn session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_page = request.method() == Method::GET
        && !path.starts_with("/api/")
        && !path.starts_with("/pkg/")
        && !path.starts_with("/dev/")
        && path != "/healthz";
    if !is_page {
        return next.run(request).await;
    }
    let path = path.to_owned();
    let token = crate::cookies::value(
        request.headers(),
        crate::cookies::session_name(state.config.https()),
    );
    let user = match token {
        Some(token) => authenticate(&state, &token)
            .await
            .ok()
            .map(|(user, _)| user),
        None => None,
    };
    let signed_in = user.is_some();
    if signed_in && SIGNED_OUT_ONLY.contains(&path.as_str()) {
        return Redirect::to("/dashboard").into_response();
    }
    if !signed_in && SIGNED_IN_ONLY.contains(&path.as_str()) {
        return Redirect::to("/login").into_response();
    }
    request
        .extensions_mut()
        .insert(SessionUser(user.map(|u| u.info())));
    request.extensions_mut().insert(Rules {
        password_min_length: state.config.password_min_length as u32,
        verify_link_minutes: state.config.verify_token_ttl.as_secs().div_ceil(60),
        reset_link_minutes: state.config.reset_token_ttl.as_secs().div_ceil(60),
    });
    request.extensions_mut().insert(Providers {
        password: true,
        google: state.google.is_some(),
    });
    let mut response = next.run(request).await;
    if signed_in {
        // A page with account data must not be kept by any cache.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
