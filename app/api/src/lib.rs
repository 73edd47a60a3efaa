//! Wire types of the console's API (`/api/auth/*`, `/api/keys`, `/api/admin/*`), shared by
//! the server, the pages in the browser and the `msgsg` CLI — which needs nothing else of the
//! console, so this crate depends on serde only.
//!
//! Every success is `{"data": …}` and every failure
//! `{"error": {"code": "UPPER_SNAKE", "message": "…", "fields"?: {…}}}`.
//! Field names are camelCase, as the console documents them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod format;
mod ids;
pub mod paths;

pub use ids::{KeyId, SessionId, UserId};

/// `{"data": …}`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Data<T> {
    pub data: T,
}

/// `{"error": …}`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// Per-field messages, only for `VALIDATION_ERROR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

/// Stable error codes: clients branch on these, never on messages.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    ValidationError,
    Unauthorized,
    EmailNotVerified,
    AccountDisabled,
    AccountLocked,
    RateLimited,
    TokenInvalid,
    TokenExpired,
    TokenUsed,
    AlreadyVerified,
    GoogleNotConfigured,
    Forbidden,
    /// Signed in, but the account's role (or the credential, for an API key) does not allow
    /// this.
    PermissionDenied,
    /// A sensitive action needs a recent sign-in: send the current password with it.
    ReauthRequired,
    NotFound,
    MethodNotAllowed,
    Overloaded,
    InternalError,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignupRequest {
    pub email: String,
    pub password: Password,
    #[serde(default)]
    pub username: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SignupResponse {
    pub success: bool,
    pub verification_required: bool,
    pub email: String,
}

/// Login by email or by username: send one of the two.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginRequest {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    pub password: Password,
}

impl LoginRequest {
    /// What someone typed to name their account, sent as an email or a username: the one
    /// place that tells the two apart.
    pub fn from_identifier(identifier: &str, password: impl Into<Password>) -> LoginRequest {
        let (email, username) = match Identifier::parse(identifier) {
            Identifier::Email(email) => (Some(email), None),
            Identifier::Username(username) => (None, Some(username)),
        };
        LoginRequest {
            email,
            username,
            password: password.into(),
        }
    }

    /// The account named, whichever field carried it.
    pub fn identifier(&self) -> Identifier {
        Identifier::parse(
            self.email
                .as_deref()
                .or(self.username.as_deref())
                .unwrap_or_default(),
        )
    }
}

/// How an account is named at sign-in and by operators: an email address when it has an
/// `@` (or is empty, so that the error speaks of the address), a username otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    Email(String),
    Username(String),
}

impl Identifier {
    /// The name itself, as typed (trimmed).
    pub fn text(&self) -> &str {
        match self {
            Identifier::Email(text) | Identifier::Username(text) => text,
        }
    }

    pub fn parse(text: &str) -> Identifier {
        let text = text.trim();
        if text.contains('@') || text.is_empty() {
            Identifier::Email(text.to_owned())
        } else {
            Identifier::Username(text.to_owned())
        }
    }
}

/// A password as requests carry it: the same JSON string, but `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Password {
    fn from(text: String) -> Password {
        Password(text)
    }
}

impl From<&str> for Password {
    fn from(text: &str) -> Password {
        Password(text.to_owned())
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    pub token: String,
    /// Unix time, in seconds, when the token stops working.
    pub expires_at: i64,
    pub user: UserInfo,
}

/// What `POST /api/auth/login` answers: a session, or, for an account with two-factor
/// sign-in, a challenge to answer with a code at `POST /api/auth/2fa/verify`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum LoginOutcome {
    TwoFactor(TwoFactorChallenge),
    Session(LoginResponse),
}

/// Whether typed text is an authenticator app's code (six digits, spaces ignored); anything
/// else typed where a code is asked for is a recovery code (or, in a "password or code"
/// field, the password).
pub fn is_app_code(typed: &str) -> bool {
    let digits: Vec<char> = typed.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.iter().all(char::is_ascii_digit)
}

/// `{"twoFactorRequired": true, "challenge": "…"}`: no session yet.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorChallenge {
    pub two_factor_required: bool,
    /// Opaque, single use, alive until `expires_at` (Unix seconds).
    pub challenge: String,
    pub expires_at: i64,
}

/// `POST /api/auth/2fa/verify`: a challenge and one of `code` or `recoveryCode`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TwoFactorVerifyRequest {
    pub challenge: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
}

/// `POST /api/auth/2fa/setup`: the current password, unless the session is a recent sign-in.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TwoFactorSetupRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Password>,
}

/// A factor being set up: scan `qrSvg` or type `secret`, then confirm a first code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorSetup {
    /// The secret in base32, for typing into an app by hand.
    pub secret: String,
    pub otpauth_uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

/// `POST /api/auth/2fa/enable`: the first code of the factor being set up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TwoFactorEnableRequest {
    pub code: String,
}

/// `POST /api/auth/2fa/disable` and `…/recovery-codes`: the current password or a code.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TwoFactorConfirmRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Password>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// Recovery codes: shown once, each works once.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// `GET /api/auth/2fa`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: u32,
}

/// The signed-in user, as `GET /api/auth/me` and `msgsg whoami` show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub role: Role,
    pub email_verified: bool,
    pub authenticated: bool,
    /// How this account can sign in.
    #[serde(default)]
    pub sign_in_methods: Vec<SignInMethod>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    Password,
    Google,
}

/// What the server's settings mean for the forms (its password rule, how long its links
/// work), sent with every page so the pages never state other numbers.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Rules {
    pub password_min_length: u32,
    pub verify_link_minutes: u64,
    pub reset_link_minutes: u64,
}

impl Default for Rules {
    /// The server's own defaults.
    fn default() -> Rules {
        Rules {
            password_min_length: 15,
            verify_link_minutes: 24 * 60,
            reset_link_minutes: 60,
        }
    }
}

/// `GET /api/auth/providers`: the ways to sign in this server offers.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Providers {
    pub password: bool,
    pub google: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailRequest {
    pub email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRequest {
    pub token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResetPasswordRequest {
    pub token: String,
    pub password: Password,
}

/// `{"success": true}` for actions with nothing else to say.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Success {
    pub success: bool,
}

/// What a one-time link is worth right now.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    Valid,
    Expired,
    Used,
    Invalid,
    /// Verification links only: the address was verified through another link.
    AlreadyVerified,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TokenStateResponse {
    pub state: TokenState,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VerifyEmailResponse {
    pub success: bool,
    pub email: String,
    /// The account has no password yet (several signups used the address): a link to choose
    /// one was mailed.
    #[serde(default)]
    pub choose_password: bool,
}

/// What an account may do. Each role includes the ones before it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Admin,
    SuperAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
            Role::SuperAdmin => "super_admin",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(text: String) -> Result<Role, String> {
        text.parse()
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(text: &str) -> Result<Role, String> {
        match text.trim().to_lowercase().replace('-', "_").as_str() {
            "user" => Ok(Role::User),
            "admin" => Ok(Role::Admin),
            "super_admin" => Ok(Role::SuperAdmin),
            _ => Err(format!(
                "{text:?} is not a role: use user, admin or super_admin"
            )),
        }
    }
}

/// `POST /api/keys`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    pub name: String,
    /// 1 to 365.
    pub expires_in_days: u32,
    /// The current password, needed when the session is not a recent sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Password>,
}

/// A live session as `GET /api/sessions` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub id: SessionId,
    pub created_at: i64,
    /// When it was last used (recorded at most once a minute).
    pub last_seen_at: i64,
    pub ip: Option<String>,
    /// A readable device, from the user agent: "Firefox on Linux".
    pub device: String,
    /// The session asking.
    pub current: bool,
}

/// How many sessions `POST /api/sessions/revoke-others` ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Revoked {
    pub revoked: u64,
}

/// `POST /api/auth/change-password`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: Password,
    pub new_password: Password,
}

/// `POST /api/auth/change-email`: nothing changes until the link mailed to `newEmail` is
/// opened and confirmed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeEmailRequest {
    pub new_email: String,
    pub current_password: Password,
}

/// `DELETE /api/auth/account`: the current password, or a two-factor code.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteAccountRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<Password>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The answer to confirming an address change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EmailChanged {
    pub success: bool,
    pub email: String,
}

/// An API key as lists show it: never the key itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInfo {
    pub id: KeyId,
    pub name: String,
    /// The key's first characters, to recognise it by.
    pub prefix: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
}

/// The answer to `POST /api/keys`: the only time the key is shown.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    pub key: String,
    pub id: KeyId,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// An account as `GET /api/admin/users` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AdminUser {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub role: Role,
    pub email_verified: bool,
    pub disabled: bool,
    pub created_at: i64,
}

/// `POST /api/admin/users/{name}/role`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleRequest {
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identifier_is_split_once_here() {
        let by_mail = LoginRequest::from_identifier(" Ann@Example.com ", "pw");
        assert_eq!(by_mail.email.as_deref(), Some("Ann@Example.com"));
        assert_eq!(by_mail.username, None);
        let by_name = LoginRequest::from_identifier("ann", "pw");
        assert_eq!(by_name.identifier(), Identifier::Username("ann".into()));
        assert_eq!(Identifier::parse(""), Identifier::Email(String::new()));
    }

    #[test]
    fn passwords_travel_as_strings_and_never_show_in_debug() {
        let request = LoginRequest::from_identifier("ann", "hunter2 hunter2");
        let json = serde_json::to_string(&request).unwrap();
        assert!(json.contains(r#""password":"hunter2 hunter2""#), "{json}");
        assert!(!format!("{request:?}").contains("hunter2"));
    }
}
