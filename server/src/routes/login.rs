//! `POST /api/auth/login`: email or username + password → a session JWT (also set as an
//! HttpOnly cookie for the console).
//!
//! Unknown accounts and wrong passwords answer the same, after the same Argon2 work (EN1);
//! EMAIL_NOT_VERIFIED and ACCOUNT_DISABLED come only once the password is right. Failures
//! lock untrusted clients of an account, never a browser that signed in to it before, and an
//! unknown identifier locks exactly like a known one (RL1, RL3).

use crate::{
    auth::{
        self, device, password, ratelimit::Action, session::Opened, throttle,
        two_factor::FirstFactor,
    },
    cookies,
    db::{sessions::Proof, two_factor, users},
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientIp},
    state::AppState,
};
use axum::{
    Json,
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use console_api::{Data, Identifier, LoginOutcome, LoginRequest, LoginResponse};
use unicode_normalization::UnicodeNormalization;

const WRONG_CREDENTIALS: &str = "Wrong email or password";

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    state.limits.check_ip(Action::Login, ip)?;
    let named = req.identifier();
    let identifier = named.text().to_lowercase();
    if identifier.is_empty() {
        return Err(ApiError::validation(
            "email",
            "Enter your email or username",
        ));
    }
    if req.password.expose().is_empty() {
        return Err(ApiError::validation("password", "Enter your password"));
    }
    if req.password.expose().len() > password::MAX_LENGTH * 4 || identifier.len() > 254 {
        // Refused before any hashing: no password can be this long.
        return Err(ApiError::validation(
            "password",
            "This password is too long",
        ));
    }

    let login = match named {
        // Only a bare address: `Name <a@b>` is refused as at signup, by its shape alone.
        Identifier::Email(_) => Identifier::Email(crate::validate::email(&identifier)?),
        Identifier::Username(_) => Identifier::Username(identifier.clone()),
    };
    let user = users::by_login(&state.db.pool, &login).await?;
    let now = state.clock.now();
    let counter = attempt_counter(&state, &headers, user.as_ref(), &identifier, now);
    // Counted before the password is checked; a locked counter answers the same, at once,
    // whether or not an account is behind it (RL3).
    let locked_now = throttle::begin(&state, &counter.key).await?;

    let candidate: String = req.password.expose().nfkc().collect();
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = state.hasher.verify(candidate.clone(), stored).await?;
    let user = match user {
        Some(user) if verified.ok => user,
        other => {
            if let Some(user) = &other {
                tracing::info!(user = %user.id, trusted_browser = counter.trusted, "failed login");
                if locked_now && !counter.trusted {
                    throttle::notify_owner(&state, user);
                }
            }
            return Err(ApiError::Unauthorized(WRONG_CREDENTIALS));
        }
    };
    throttle::succeeded(&state, &counter.key).await?;

    if user.disabled_at.is_some() {
        return Err(ApiError::AccountDisabled);
    }
    if !user.is_verified() {
        return Err(ApiError::EmailNotVerified);
    }

    let mut proven = user.password_hash.clone().unwrap_or_default();
    if verified.needs_rehash {
        let hash = state.hasher.hash(candidate).await?;
        // Only over the hash just verified: a reset committed meanwhile stays.
        if users::upgrade_hash(&state.db.pool, &user.id, &proven, &hash, now).await? {
            tracing::info!(user = %user.id, "password hash upgraded");
            proven = hash;
        }
    }

    if two_factor::is_enabled(&state.db.pool, &user.id).await? {
        // No session and no trusted-browser cookie until the second factor is in.
        let challenge =
            auth::two_factor::challenge(&state, &user, FirstFactor::Password(&proven)).await?;
        return Ok(Json(Data {
            data: LoginOutcome::TwoFactor(challenge),
        })
        .into_response());
    }
    let session = auth::session::open(&state, &user, Proof::Password(&proven), &headers, ip)
        .await?
        .ok_or(ApiError::Unauthorized(WRONG_CREDENTIALS))?;
    tracing::info!(user = %user.id, "signed in");
    Ok(signed_in(&state, &user, session))
}

/// The answer that signs a client in: the session cookie and the trusted-browser cookie for
/// the console, the token for scripts.
pub(super) fn signed_in(state: &AppState, user: &users::User, session: Opened) -> Response {
    let now = state.clock.now();
    let cookies = cookies::jar([
        cookies::session(&state.config, &session.token, session.ttl),
        cookies::device(&state.config, state.devices.issue(&user.id, now)),
    ]);
    let body = Json(Data {
        data: LoginOutcome::Session(LoginResponse {
            token: session.token,
            expires_at: session.expires_at,
            user: user.info(),
        }),
    });
    (cookies, body).into_response()
}

/// The counter an attempt counts against (see `auth::throttle`).
struct Counter {
    key: String,
    /// A browser that signed in to this very account since its last recovery.
    trusted: bool,
}

fn attempt_counter(
    state: &AppState,
    headers: &HeaderMap,
    user: Option<&users::User>,
    identifier: &str,
    now: i64,
) -> Counter {
    let device = user.and_then(|user| {
        cookies::value(headers, device::cookie_name(state.config.https()))
            .and_then(|value| state.devices.read(&value, now))
            .filter(|d| d.user_id == user.id)
            .filter(|d| d.issued_at >= user.credentials_reset_at.unwrap_or(i64::MIN))
    });
    match device {
        Some(device) => Counter {
            key: throttle::device_key(&device.id),
            trusted: true,
        },
        None => Counter {
            key: state.throttle.identifier_key(identifier),
            trusted: false,
        },
    }
}
