//! Every path of the API, in one place: the server routes them, and the pages, the CLI and
//! the tests call them. Paths with a `{name}` part are axum route templates; the functions
//! beside them fill the part in, percent-encoded.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Under this prefix, the routes of `AUTH_*` below (without it) are nested.
pub const AUTH: &str = "/api/auth";

pub const SIGNUP: &str = "/api/auth/signup";
pub const LOGIN: &str = "/api/auth/login";
pub const LOGOUT: &str = "/api/auth/logout";
pub const ME: &str = "/api/auth/me";
pub const PROVIDERS: &str = "/api/auth/providers";
pub const GOOGLE: &str = "/api/auth/google";
pub const GOOGLE_CALLBACK: &str = "/api/auth/google/callback";
pub const RESEND_VERIFICATION: &str = "/api/auth/resend-verification";
pub const VERIFY_EMAIL: &str = "/api/auth/verify-email";
pub const VERIFY_EMAIL_VALIDATE: &str = "/api/auth/verify-email/validate";
pub const FORGOT_PASSWORD: &str = "/api/auth/forgot-password";
pub const RESET_PASSWORD: &str = "/api/auth/reset-password";
pub const RESET_PASSWORD_VALIDATE: &str = "/api/auth/reset-password/validate";
pub const CHANGE_PASSWORD: &str = "/api/auth/change-password";
pub const CHANGE_EMAIL: &str = "/api/auth/change-email";
pub const CHANGE_EMAIL_VALIDATE: &str = "/api/auth/change-email/validate";
pub const CHANGE_EMAIL_CONFIRM: &str = "/api/auth/change-email/confirm";
pub const ACCOUNT: &str = "/api/auth/account";
pub const TWO_FACTOR: &str = "/api/auth/2fa";
pub const TWO_FACTOR_SETUP: &str = "/api/auth/2fa/setup";
pub const TWO_FACTOR_ENABLE: &str = "/api/auth/2fa/enable";
pub const TWO_FACTOR_VERIFY: &str = "/api/auth/2fa/verify";
pub const TWO_FACTOR_DISABLE: &str = "/api/auth/2fa/disable";
pub const TWO_FACTOR_RECOVERY_CODES: &str = "/api/auth/2fa/recovery-codes";

pub const SESSIONS: &str = "/api/sessions";
pub const SESSION: &str = "/api/sessions/{id}";
pub const SESSIONS_REVOKE_OTHERS: &str = "/api/sessions/revoke-others";
pub const API_KEYS: &str = "/api/keys";
pub const API_KEY: &str = "/api/keys/{id}";
pub const ADMIN_USERS: &str = "/api/admin/users";
pub const ADMIN_USER_DISABLE: &str = "/api/admin/users/{name}/disable";
pub const ADMIN_USER_ENABLE: &str = "/api/admin/users/{name}/enable";
pub const ADMIN_USER_ROLE: &str = "/api/admin/users/{name}/role";

/// Where the Google sign-in lands the browser with its one-time hand-off token.
pub const GOOGLE_HANDOFF: &str = "/auth/callback";

/// What stays itself in a path segment or a query value: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One path segment or query value, percent-encoded.
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// `template` with its one `{…}` part filled with `value`, encoded.
pub fn fill(template: &str, value: &str) -> String {
    match (template.find('{'), template.find('}')) {
        (Some(start), Some(end)) if start < end => {
            format!(
                "{}{}{}",
                &template[..start],
                encode(value),
                &template[end + 1..]
            )
        }
        _ => template.to_owned(),
    }
}

/// `path?token=…`, for the `*_VALIDATE` paths.
pub fn with_token(path: &str, token: &str) -> String {
    format!("{path}?token={}", encode(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_so_they_stay_one_segment() {
        assert_eq!(fill(API_KEY, "k1"), "/api/keys/k1");
        assert_eq!(
            fill(ADMIN_USER_ROLE, "ann@example.com"),
            "/api/admin/users/ann%40example.com/role"
        );
        assert_eq!(
            fill(ADMIN_USER_DISABLE, "../x y"),
            "/api/admin/users/..%2Fx%20y/disable"
        );
        assert_eq!(
            with_token(VERIFY_EMAIL_VALIDATE, "ab&c=d"),
            "/api/auth/verify-email/validate?token=ab%26c%3Dd"
        );
    }
}
