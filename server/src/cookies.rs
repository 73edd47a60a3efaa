//! The console's cookies: their names and attributes in one place (SE1), built with the
//! `cookie` crate and answered through axum-extra's `CookieJar`.
//!
//! Every cookie is HttpOnly (only the server reads them) and Secure over https, where the
//! names carry the `__Host-`/`__Secure-` prefixes that a sibling site cannot set.

use crate::config::Config;
use axum::http::{HeaderMap, header};
pub use axum_extra::extract::cookie::Cookie;
use axum_extra::extract::cookie::{CookieJar, SameSite};
use cookie::time::Duration;

/// The session cookie: SameSite=Lax, Path=/, `__Host-` prefixed over https.
pub fn session_name(https: bool) -> &'static str {
    if https {
        "__Host-msgsg_session"
    } else {
        "msgsg_session"
    }
}

/// The session cookie of a session token, or (empty, `max_age` 0) its removal.
pub fn session(config: &Config, token: &str, max_age: i64) -> Cookie<'static> {
    let name = session_name(config.https());
    server_only(config, name, token, "/", max_age)
}

pub fn clear_session(config: &Config) -> Cookie<'static> {
    session(config, "", 0)
}

/// A cookie only the server reads, for `path`: SameSite=Lax. `value` is hex, a JWT, a
/// sealed value or empty (with `max_age` 0, which tells the browser to drop it).
pub fn server_only(
    config: &Config,
    name: &'static str,
    value: &str,
    path: &'static str,
    max_age: i64,
) -> Cookie<'static> {
    Cookie::build((name, value.to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path(path)
        .max_age(Duration::seconds(max_age))
        .secure(config.https())
        .build()
}

/// The cookie that marks a browser the account signed in from (see `auth::device`):
/// SameSite=Strict, sent only to the sign-in endpoint.
pub fn device(config: &Config, value: String) -> Cookie<'static> {
    use crate::auth::device;
    Cookie::build((device::cookie_name(config.https()), value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path(device::PATH)
        .max_age(Duration::seconds(device::TTL_SECONDS))
        .secure(config.https())
        .build()
}

/// The cookies an answer sets, in one jar.
pub fn jar(cookies: impl IntoIterator<Item = Cookie<'static>>) -> CookieJar {
    cookies.into_iter().fold(CookieJar::new(), CookieJar::add)
}

/// The value of the request's cookie `name`. When a browser sends one name twice, the
/// first is the one for the most specific path, which is where the console sets it.
pub fn value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn values_are_read_from_every_cookie_header_first_one_first() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; msgsg_session=x"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("msgsg_session=y"));
        assert_eq!(value(&headers, "msgsg_session").as_deref(), Some("x"));
        assert_eq!(value(&headers, "a").as_deref(), Some("1"));
        assert_eq!(value(&headers, "msgsg").as_deref(), None);
    }
}
