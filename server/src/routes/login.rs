//! `POST /api/auth/login`: email or username + password → a session JWT (also set as an
//! HttpOnly cookie for the console).
//!
//! Unknown accounts and wrong passwords answer the same, after the same Argon2 work (EN1);
//! EMAIL_NOT_VERIFIED and ACCOUNT_DISABLED come only once the password is right. Failures
//! lock untrusted clients of an account, never a browser that signed in to it before, and an
//! unknown identifier locks exactly like a known one (RL1, RL3).

use super::session_cookie;
use crate::{
    auth::{device, password, random, ratelimit::Action},
    db::{login_throttle, users},
    error::{ApiError, ApiResult},
    extract::{ApiJson, ClientIp, cookie_value},
    mail::templates,
    state::AppState,
};
use app::api::{Data, LoginRequest, LoginResponse};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, header},
    response::{AppendHeaders, IntoResponse, Response},
};
use unicode_normalization::UnicodeNormalization;

const WRONG_CREDENTIALS: &str = "Wrong email or password";

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    state.limits.check_ip(Action::Login, ip)?;
    let identifier = req
        .email
        .as_deref()
        .or(req.username.as_deref())
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::validation("email", "Enter your email or username"))?;
    if req.password.is_empty() {
        return Err(ApiError::validation("password", "Enter your password"));
    }
    if req.password.len() > password::MAX_LENGTH * 4 || identifier.len() > 254 {
        // Refused before any hashing: no password can be this long.
        return Err(ApiError::validation(
            "password",
            "This password is too long",
        ));
    }

    let user = if identifier.contains('@') {
        // Only a bare address: `Name <a@b>` is refused as at signup, by its shape alone.
        let email = crate::validate::email(&identifier)?;
        users::by_email(&state.db.pool, &email).await?
    } else {
        users::by_username(&state.db.pool, &identifier).await?
    };
    let now = state.clock.now();
    let throttle = Throttle::for_attempt(&state, &headers, user.as_ref(), &identifier, now);
    // A locked key answers the same, at once, whether or not an account is behind it (RL3).
    if let Some(locked_until) =
        login_throttle::locked_until(&state.db.pool, &throttle.key, now).await?
    {
        return Err(ApiError::AccountLocked {
            retry_after: std::time::Duration::from_secs((locked_until - now) as u64),
        });
    }

    let candidate: String = req.password.nfkc().collect();
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = state.hasher.verify(candidate.clone(), stored).await?;
    let user = match user {
        Some(user) if verified.ok => user,
        other => {
            throttle.failed(&state, other.as_ref(), now).await?;
            return Err(ApiError::Unauthorized(WRONG_CREDENTIALS));
        }
    };

    if user.disabled_at.is_some() {
        return Err(ApiError::AccountDisabled);
    }
    if !user.is_verified() {
        return Err(ApiError::EmailNotVerified);
    }

    login_throttle::clear(&state.db.pool, &throttle.key, now).await?;
    if verified.needs_rehash {
        let hash = state.hasher.hash(candidate).await?;
        users::set_password(&state.db.pool, &user.id, &hash, now).await?;
        tracing::info!(user = %user.id, "password hash upgraded");
    }

    let session = super::session::open(&state, &user, &headers, ip).await?;
    tracing::info!(user = %user.id, "signed in");

    let cookie = session_cookie(&state, &session.token, session.ttl);
    let trust = super::device_cookie(&state, &user.id, now);
    let body = Json(Data {
        data: LoginResponse {
            token: session.token,
            expires_at: session.expires_at,
            user: user.info(),
        },
    });
    Ok((
        AppendHeaders([(header::SET_COOKIE, cookie), (header::SET_COOKIE, trust)]),
        body,
    )
        .into_response())
}

/// Which failure counter an attempt counts against (see `db::login_throttle`).
struct Throttle {
    key: String,
    /// Failures from untrusted clients of a real account: the owner hears when they lock it.
    untrusted_account: bool,
}

impl Throttle {
    fn for_attempt(
        state: &AppState,
        headers: &HeaderMap,
        user: Option<&users::User>,
        identifier: &str,
        now: i64,
    ) -> Throttle {
        let Some(user) = user else {
            return Throttle {
                key: format!("i:{}", random::token_hash(identifier)),
                untrusted_account: false,
            };
        };
        // A browser that signed in to this very account since its last recovery.
        let trusted = cookie_value(headers, device::cookie_name(state.config.https()))
            .and_then(|value| state.devices.read(&value, now))
            .filter(|d| d.user_id == user.id)
            .filter(|d| d.issued_at > user.credentials_reset_at.unwrap_or(i64::MIN));
        match trusted {
            Some(device) => Throttle {
                key: format!("d:{}", device.id),
                untrusted_account: false,
            },
            None => Throttle {
                key: format!("u:{}", user.id),
                untrusted_account: true,
            },
        }
    }

    /// Counts a wrong password; when it locks an account for untrusted clients, its owner
    /// is told by mail (once per lock, since a locked key is refused before any count).
    async fn failed(
        &self,
        state: &AppState,
        user: Option<&users::User>,
        now: i64,
    ) -> ApiResult<()> {
        let window = state.config.lockout_duration.as_secs() as i64;
        let locked = login_throttle::record_failure(
            &state.db.pool,
            &self.key,
            i64::from(state.config.lockout_threshold),
            window,
            window,
            now,
        )
        .await?;
        if let Some(user) = user {
            tracing::info!(user = %user.id, trusted_browser = !self.untrusted_account, "failed login");
            if locked && self.untrusted_account {
                tracing::warn!(user = %user.id, "account locked for untrusted clients");
                let notice = templates::sign_in_attempts(
                    state.config.lockout_duration.as_secs().div_ceil(60),
                    &state.config.link("/forgot-password"),
                );
                let mut tx = state.db.pool.begin().await?;
                if super::links::queue_capped(&mut tx, state, &user.email, &notice, now).await? {
                    tx.commit().await?;
                    state.mailer.wake();
                }
            }
        }
        Ok(())
    }
}
