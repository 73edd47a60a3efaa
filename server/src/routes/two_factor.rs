//! Two-factor sign-in: `GET /api/auth/2fa` (status), `POST …/setup` and `…/enable` (enrol),
//! `POST …/verify` (answer a sign-in challenge), `POST …/disable` and `…/recovery-codes`.
//! Enabling or disabling ends every other session of the account and mails a notice (JW6).

use crate::{
    auth::{
        ratelimit::Action,
        reauth, totp,
        two_factor::{self, Code},
    },
    db::{sessions, two_factor as factors},
    error::{ApiError, ApiResult},
    extract::{ApiJson, AuthUser, ClientIp},
    mail::templates,
    state::AppState,
};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use console_api::{
    Data, RecoveryCodes, Success, TwoFactorConfirmRequest, TwoFactorEnableRequest, TwoFactorSetup,
    TwoFactorSetupRequest, TwoFactorStatus, TwoFactorVerifyRequest,
};

pub async fn status(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<Json<Data<TwoFactorStatus>>> {
    let enabled = factors::is_enabled(&state.db.pool, &auth.user.id).await?;
    let left = if enabled {
        factors::recovery_codes_left(&state.db.pool, &auth.user.id).await?
    } else {
        0
    };
    Ok(Json(Data {
        data: TwoFactorStatus {
            enabled,
            recovery_codes_left: u32::try_from(left).unwrap_or(0),
        },
    }))
}

fn already_on() -> ApiError {
    ApiError::bad_body(
        StatusCode::CONFLICT,
        "Two-factor sign-in is already on; turn it off first to change the app",
    )
}

/// Starts enrolling: a new secret, shown once. It counts only after `enable` checks a code.
pub async fn setup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: AuthUser,
    ApiJson(req): ApiJson<TwoFactorSetupRequest>,
) -> ApiResult<Json<Data<TwoFactorSetup>>> {
    // Always the password when the account has one: a session alone (even a fresh, stolen
    // one) must not tie the account to somebody else's app. Google-only accounts need a
    // recent sign-in instead.
    let password = req
        .password
        .as_ref()
        .map(|p| p.expose())
        .filter(|p| !p.is_empty());
    match password {
        _ if auth.user.password_hash.is_none() => {
            reauth::require_recent_sign_in(&state, &auth, None, ip).await?
        }
        Some(password) => reauth::check_password(&state, &auth, password, ip, "password").await?,
        None => return Err(ApiError::ReauthRequired),
    }
    let (secret, sealed) = state.totp.new_secret();
    if !factors::begin_setup(&state.db.pool, &auth.user.id, &sealed, state.clock.now()).await? {
        return Err(already_on());
    }
    let uri = totp::uri(&secret, &auth.user.email);
    Ok(Json(Data {
        data: TwoFactorSetup {
            secret: totp::manual_key(&secret),
            qr_svg: totp::qr_svg(&uri),
            otpauth_uri: uri,
        },
    }))
}

/// Turns the factor on with its first code; answers the recovery codes, once.
pub async fn enable(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(req): ApiJson<TwoFactorEnableRequest>,
) -> ApiResult<Json<Data<RecoveryCodes>>> {
    let session = auth.session()?.session_id();
    let user = &auth.user;
    let factor = factors::factor(&state.db.pool, &user.id).await?;
    let (sealed, secret) = match factor {
        Some(f) if f.enabled_at.is_some() => return Err(already_on()),
        Some(f) => {
            let secret = state.totp.open(&f.secret_sealed);
            (f.secret_sealed, secret)
        }
        None => (String::new(), None),
    };
    let secret = secret.ok_or_else(|| {
        ApiError::bad_body(
            StatusCode::CONFLICT,
            "Start the set-up first: there is no authenticator app waiting to be confirmed",
        )
    })?;
    let now = state.clock.now();
    let Some(matched) = totp::check(&secret, &req.code, now) else {
        return Err(ApiError::validation(
            "code",
            "Wrong code: enter the 6 digits your app shows now",
        ));
    };
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| state.totp.recovery_hash(&user.id, c))
        .collect();
    let mut tx = state.db.pool.begin().await?;
    if !factors::enable(&mut *tx, &user.id, &sealed, now).await? {
        return Err(ApiError::bad_body(
            StatusCode::CONFLICT,
            "The set-up was started again meanwhile: scan the new QR code",
        ));
    }
    factors::accept_step(&mut *tx, &user.id, matched.step).await?;
    factors::replace_recovery_codes(&mut tx, &user.id, &hashes, now).await?;
    let ended = sessions::revoke_others(&mut *tx, &user.id, &session, now).await?;
    let notice = templates::two_factor_enabled(&state.config.link("/forgot-password"));
    state
        .mailer
        .queue(&mut *tx, &user.email, &notice, now, None)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    state.sessions.forget_user(&user.id);
    tracing::info!(user = %user.id, sessions_revoked = ended, "two-factor sign-in enabled");
    Ok(Json(Data {
        data: RecoveryCodes {
            recovery_codes: codes,
        },
    }))
}

/// Answers the challenge of a sign-in: signs in like `POST /api/auth/login` does.
pub async fn verify(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<TwoFactorVerifyRequest>,
) -> ApiResult<Response> {
    state.limits.check_ip(Action::Login, ip)?;
    let code = Code::from_request(req.code.as_deref(), req.recovery_code.as_deref())?;
    let (user, session) = two_factor::answer(&state, &req.challenge, code, &headers, ip).await?;
    Ok(super::login::signed_in(&state, &user, session))
}

/// The current password or a current code, always (a recent sign-in is not enough here).
async fn confirm(
    state: &AppState,
    auth: &AuthUser,
    req: &TwoFactorConfirmRequest,
    ip: std::net::IpAddr,
) -> ApiResult<()> {
    auth.session()?;
    if !factors::is_enabled(&state.db.pool, &auth.user.id).await? {
        return Err(ApiError::bad_body(
            StatusCode::CONFLICT,
            "Two-factor sign-in is off",
        ));
    }
    let code = req.code.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let password = req
        .password
        .as_ref()
        .map(|p| p.expose())
        .filter(|p| !p.is_empty());
    match (code, password) {
        (Some(code), _) => {
            // A recovery code works here too: it is what an owner without the app has.
            let kind = if code.contains('-') || code.len() > 8 {
                Code::Recovery(code)
            } else {
                Code::Totp(code)
            };
            if two_factor::check_code(state, &auth.user.id, kind, two_factor::Use::Confirm).await? {
                Ok(())
            } else {
                Err(ApiError::validation("code", "Wrong code"))
            }
        }
        (None, Some(password)) => {
            reauth::check_password(state, auth, password, ip, "password").await
        }
        (None, None) => Err(ApiError::validation(
            "password",
            "Enter your password or a code from your authenticator app",
        )),
    }
}

pub async fn disable(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: AuthUser,
    ApiJson(req): ApiJson<TwoFactorConfirmRequest>,
) -> ApiResult<Json<Data<Success>>> {
    confirm(&state, &auth, &req, ip).await?;
    let user = &auth.user;
    let session = auth.session()?.session_id();
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    factors::remove(&mut tx, &user.id).await?;
    let ended = sessions::revoke_others(&mut *tx, &user.id, &session, now).await?;
    let notice = templates::two_factor_disabled(&state.config.link("/forgot-password"));
    state
        .mailer
        .queue(&mut *tx, &user.email, &notice, now, None)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    state.sessions.forget_user(&user.id);
    tracing::info!(user = %user.id, sessions_revoked = ended, "two-factor sign-in disabled");
    Ok(Json(Data {
        data: Success { success: true },
    }))
}

/// New recovery codes; every earlier one stops working.
pub async fn regenerate(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: AuthUser,
    ApiJson(req): ApiJson<TwoFactorConfirmRequest>,
) -> ApiResult<Json<Data<RecoveryCodes>>> {
    confirm(&state, &auth, &req, ip).await?;
    let user = &auth.user;
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| state.totp.recovery_hash(&user.id, c))
        .collect();
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    factors::replace_recovery_codes(&mut tx, &user.id, &hashes, now).await?;
    let notice = templates::recovery_codes_replaced(&state.config.link("/forgot-password"));
    state
        .mailer
        .queue(&mut *tx, &user.email, &notice, now, None)
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user = %user.id, "recovery codes replaced");
    Ok(Json(Data {
        data: RecoveryCodes {
            recovery_codes: codes,
        },
    }))
}
