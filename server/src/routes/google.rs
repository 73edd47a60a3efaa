//! "Continue with Google" (any OpenID Connect provider):
//!
//! 1. `GET /api/auth/google` starts an attempt: state, nonce and PKCE verifier go into a
//!    sealed cookie of this browser, the state's hash into the database (spent once), and
//!    the browser to the provider.
//! 2. `GET /api/auth/google/callback` checks the state against the cookie and spends it,
//!    exchanges the code, verifies the ID token, finds or links the account, and sends the
//!    browser to `/auth/callback?token=<hand-off JWT>` (or `?error=…`).
//! 3. `GET /auth/callback` swaps the hand-off token — single use, 60 s, valid only with the
//!    cookie set in step 2 — for a session cookie and opens `/dashboard`.
//!
//! Every failure ends at `/login?error=oauth_failed` (or `account_disabled`), with the reason
//! in the log only.

use crate::auth::{session, two_factor::FirstFactor};
use crate::{
    auth::{
        oidc::{Provider, VerifiedIdentity},
        random::{constant_time_eq, one_time_token, token_hash},
        ratelimit::Action,
    },
    cookies,
    db::{
        identities, new_id, oauth_states, sessions,
        tokens::{self, Purpose},
        users::{self, User},
    },
    error::{ApiError, ApiResult},
    extract::ClientIp,
    mail::templates,
    state::AppState,
    validate,
};
use axum::{
    extract::{Query, State, rejection::QueryRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use console_api::UserId;
use serde::Deserialize;
use std::net::IpAddr;

/// How long a browser may spend at the provider.
const ATTEMPT_TTL: i64 = 600;
/// How long the hand-off token lives (OA6).
const HANDOFF_TTL: i64 = 60;
const ATTEMPT_PATH: &str = "/api/auth/google";
const HANDOFF_PATH: &str = "/auth/callback";

/// Why an attempt ends without a session. Only `kind` reaches the browser.
#[derive(Debug)]
struct Refused {
    kind: Outcome,
    reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Failed,
    Disabled,
    RateLimited,
}

impl Outcome {
    fn query_value(self) -> &'static str {
        match self {
            Outcome::Failed => "oauth_failed",
            Outcome::Disabled => "account_disabled",
            Outcome::RateLimited => "rate_limited",
        }
    }
}

fn refused(reason: impl Into<String>) -> Refused {
    Refused {
        kind: Outcome::Failed,
        reason: reason.into(),
    }
}

fn disabled() -> Refused {
    Refused {
        kind: Outcome::Disabled,
        reason: "the account is disabled".into(),
    }
}

impl From<sqlx::Error> for Refused {
    fn from(err: sqlx::Error) -> Self {
        tracing::error!(error = %err, "database error during Google sign-in");
        refused("database error")
    }
}

impl From<ApiError> for Refused {
    fn from(err: ApiError) -> Self {
        refused(err.to_string())
    }
}

fn provider(state: &AppState) -> ApiResult<&Provider> {
    state.google.as_deref().ok_or(ApiError::GoogleNotConfigured)
}

/// Cookie names: `__Secure-` over https (the paths are narrower than `/`, so not `__Host-`).
fn attempt_cookie(https: bool) -> &'static str {
    if https {
        "__Secure-msgsg_oauth"
    } else {
        "msgsg_oauth"
    }
}

fn handoff_cookie(https: bool) -> &'static str {
    if https {
        "__Secure-msgsg_handoff"
    } else {
        "msgsg_handoff"
    }
}

fn see_other(location: &str, set: impl IntoIterator<Item = cookies::Cookie<'static>>) -> Response {
    let mut response = (StatusCode::SEE_OTHER, cookies::jar(set)).into_response();
    let headers = response.headers_mut();
    // These answers carry one-time tokens and cookies: never stored by a cache (SE3).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(location).expect("redirect targets are URLs"),
    );
    response
}

/// `GET /api/auth/google`
pub async fn start(State(state): State<AppState>, ClientIp(ip): ClientIp) -> ApiResult<Response> {
    let provider = provider(&state)?;
    // A browser navigated here: it gets a page that explains, not a JSON error.
    if state.limits.check_ip(Action::Google, ip).is_err() {
        return Ok(see_other(&failure_target(&state, Outcome::RateLimited), []));
    }
    let (url, attempt) = match provider.begin().await {
        Ok(started) => started,
        Err(e) => {
            tracing::error!(issuer = %provider.issuer(), "Google sign-in unavailable: {e}");
            return Ok(see_other(&failure_target(&state, Outcome::Failed), []));
        }
    };
    let now = state.clock.now();
    oauth_states::insert(
        &state.db.pool,
        &token_hash(&attempt.state),
        now,
        now + ATTEMPT_TTL,
    )
    .await?;
    let name = attempt_cookie(state.config.https());
    let cookie = cookies::server_only(
        &state.config,
        name,
        &provider.seal(&attempt),
        ATTEMPT_PATH,
        ATTEMPT_TTL,
    );
    Ok(see_other(&url, [cookie]))
}

#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /api/auth/google/callback`: where the provider sends the browser back.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let provider = provider(&state)?;
    let https = state.config.https();
    let forget_attempt =
        cookies::server_only(&state.config, attempt_cookie(https), "", ATTEMPT_PATH, 0);
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let response = match complete(&state, provider, &headers, query).await {
        Ok(user) => {
            let now = state.clock.now();
            let handoff_id = one_time_token();
            tokens::insert(
                &state.db.pool,
                &tokens::NewToken {
                    token_hash: &token_hash(&handoff_id),
                    user_id: &user.id,
                    purpose: Purpose::GoogleHandoff,
                    now,
                    expires_at: now + HANDOFF_TTL,
                    password_hash: None,
                    username: None,
                    new_email: None,
                },
            )
            .await?;
            let binding = one_time_token();
            let token = state.jwt.issue_handoff(
                &user.id,
                &handoff_id,
                &token_hash(&binding),
                now,
                HANDOFF_TTL,
            );
            let bind = cookies::server_only(
                &state.config,
                handoff_cookie(https),
                &binding,
                HANDOFF_PATH,
                HANDOFF_TTL,
            );
            tracing::info!(user = %user.id, "Google sign-in accepted");
            let target = state.config.link(&format!("{HANDOFF_PATH}?token={token}"));
            see_other(&target, [forget_attempt, bind])
        }
        Err(refusal) => {
            tracing::warn!(reason = %refusal.reason, "Google sign-in refused");
            let target = state.config.link(&format!(
                "{HANDOFF_PATH}?error={}",
                refusal.kind.query_value()
            ));
            see_other(&target, [forget_attempt])
        }
    };
    Ok(response)
}

async fn complete(
    state: &AppState,
    provider: &Provider,
    headers: &HeaderMap,
    query: CallbackQuery,
) -> Result<User, Refused> {
    if let Some(error) = query.error {
        return Err(refused(format!("the provider answered {error:?}")));
    }
    let https = state.config.https();
    let attempt = cookies::value(headers, attempt_cookie(https))
        .and_then(|value| provider.open(&value))
        .ok_or_else(|| refused("no sign-in attempt in this browser"))?;
    let returned_state = query.state.unwrap_or_default();
    if !constant_time_eq(returned_state.as_bytes(), attempt.state.as_bytes()) {
        return Err(refused("state does not match this browser's attempt"));
    }
    if !oauth_states::spend(
        &state.db.pool,
        &token_hash(&attempt.state),
        state.clock.now(),
    )
    .await?
    {
        return Err(refused("state already used or expired"));
    }
    let code = query.code.ok_or_else(|| refused("no code"))?;
    let identity = provider
        .finish(&attempt, code)
        .await
        .map_err(|e| refused(e.to_string()))?;
    account_for(state, &identity).await
}

/// The account of a verified provider identity: the linked one; else the account with the
/// same address, linked now — only when the provider vouches for the address; else a new,
/// verified account without a password.
async fn account_for(state: &AppState, identity: &VerifiedIdentity) -> Result<User, Refused> {
    let now = state.clock.now();
    let pool = &state.db.pool;
    if let Some(user_id) = identities::user_id(pool, &identity.issuer, &identity.subject).await? {
        let user = users::by_id(pool, &user_id)
            .await?
            .ok_or_else(|| refused("linked account is gone"))?;
        if user.disabled_at.is_some() {
            return Err(disabled());
        }
        identities::touch(pool, &identity.issuer, &identity.subject, now).await?;
        return Ok(user);
    }

    let email = match &identity.email {
        Some(email) if identity.email_verified => {
            validate::email(email).map_err(|_| refused("the provider's address is unusable"))?
        }
        _ => return Err(refused("the provider did not vouch for an email address")),
    };
    let user_id = match users::by_email(pool, &email).await? {
        Some(user) if user.disabled_at.is_some() => return Err(disabled()),
        Some(user) => {
            let mut tx = pool.begin().await?;
            if !user.is_verified() {
                // Whoever registered this address never proved they own it; the provider
                // just did. Their password and anything they started go (OA4).
                users::verify_and_remove_password(&mut *tx, &user.id, now).await?;
                sessions::revoke_all(&mut *tx, &user.id, now).await?;
                tokens::spend_every_purpose(&mut *tx, &user.id, now).await?;
                tracing::warn!(user = %user.id, "unverified account claimed through Google; its password was removed");
            }
            link(&mut tx, identity, &user.id, &email, now).await?;
            if user.is_verified() {
                // The owner hears of every new way into their account.
                let notice = templates::google_linked(&state.config.link("/forgot-password"));
                state
                    .mailer
                    .queue(&mut *tx, &email, &notice, now, None)
                    .await?;
            }
            tx.commit().await?;
            state.mailer.wake();
            state.sessions.forget_user(&user.id);
            tracing::info!(user = %user.id, "Google identity linked");
            user.id
        }
        None => {
            let id: UserId = new_id();
            let username = users::unique_username(pool, &email).await?;
            let mut tx = pool.begin().await?;
            let created = users::insert(
                &mut *tx,
                &users::NewUser {
                    id: &id,
                    email: &email,
                    username: &username,
                    password_hash: None,
                    email_verified_at: Some(now),
                    now,
                },
            )
            .await?;
            if !created {
                return Err(refused("the address was registered at the same moment"));
            }
            link(&mut tx, identity, &id, &email, now).await?;
            tx.commit().await?;
            tracing::info!(user = %id, "account created through Google");
            id
        }
    };
    users::by_id(pool, &user_id)
        .await?
        .ok_or_else(|| refused("account vanished"))
}

async fn link(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    identity: &VerifiedIdentity,
    user_id: &UserId,
    email: &str,
    now: i64,
) -> Result<(), Refused> {
    let linked = identities::insert(
        &mut **tx,
        &identities::NewIdentity {
            issuer: &identity.issuer,
            subject: &identity.subject,
            user_id,
            email,
            now,
        },
    )
    .await?;
    if linked {
        Ok(())
    } else {
        Err(refused("the identity was linked at the same moment"))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct HandoffQuery {
    token: Option<String>,
    error: Option<String>,
}

/// `GET /auth/callback?token=…|error=…`: the console's side of the hand-off. The redirect
/// takes the token out of the address bar and history at once.
pub async fn handoff(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    query: Result<Query<HandoffQuery>, QueryRejection>,
) -> Response {
    let https = state.config.https();
    let forget_binding =
        cookies::server_only(&state.config, handoff_cookie(https), "", HANDOFF_PATH, 0);
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let Some(token) = query.token else {
        let outcome = match query.error.as_deref() {
            Some("account_disabled") => Outcome::Disabled,
            _ => Outcome::Failed,
        };
        return see_other(&login_with(outcome), [forget_binding]);
    };
    match exchange(&state, &token, &headers, ip).await {
        Ok(SignedIn::Session(opened)) => {
            let session = cookies::session(&state.config, &opened.token, opened.ttl);
            see_other("/dashboard", [forget_binding, session])
        }
        Ok(SignedIn::SecondFactorNeeded(challenge)) => {
            see_other(&format!("/login#two-factor={challenge}"), [forget_binding])
        }
        Err(refusal) => {
            tracing::warn!(reason = %refusal.reason, "Google hand-off refused");
            see_other(&login_with(refusal.kind), [forget_binding])
        }
    }
}

async fn exchange(
    state: &AppState,
    token: &str,
    headers: &HeaderMap,
    ip: IpAddr,
) -> Result<SignedIn, Refused> {
    let now = state.clock.now();
    let claims = state
        .jwt
        .verify(token, crate::auth::jwt::Kind::GoogleHandoff, now)
        .ok_or_else(|| refused("hand-off token invalid or expired"))?;
    let binding = cookies::value(headers, handoff_cookie(state.config.https()))
        .ok_or_else(|| refused("hand-off token used in another browser"))?;
    let expected = claims.bnd.as_deref().unwrap_or_default();
    if !constant_time_eq(token_hash(&binding).as_bytes(), expected.as_bytes()) {
        return Err(refused("hand-off token used in another browser"));
    }
    let owner = tokens::consume(
        &state.db.pool,
        &token_hash(&claims.sid),
        Purpose::GoogleHandoff,
        now,
    )
    .await?
    .ok_or_else(|| refused("hand-off token already used"))?
    .user_id;
    if owner != claims.sub {
        return Err(refused("hand-off token names another account"));
    }
    let user = users::by_id(&state.db.pool, &owner)
        .await?
        .ok_or_else(|| refused("account vanished"))?;
    if user.disabled_at.is_some() {
        return Err(disabled());
    }
    if crate::db::two_factor::is_enabled(&state.db.pool, &user.id).await? {
        let first = FirstFactor::Provider {
            started_at: claims.iat,
        };
        let challenge = crate::auth::two_factor::challenge(state, &user, first).await?;
        return Ok(SignedIn::SecondFactorNeeded(challenge.challenge));
    }
    let proof = crate::db::sessions::Proof::Provider {
        started_at: claims.iat,
    };
    let opened = session::open(state, &user, proof, headers, ip)
        .await?
        .ok_or_else(|| refused("the account was recovered during the sign-in"))?;
    tracing::info!(user = %user.id, "signed in with Google");
    Ok(SignedIn::Session(opened))
}

/// Where a hand-off ends: a session, or the second step of the sign-in page.
enum SignedIn {
    Session(session::Opened),
    /// The challenge travels in the fragment of `/login`: never sent to a server, logged or
    /// forwarded in a `Referer`.
    SecondFactorNeeded(String),
}

fn login_with(outcome: Outcome) -> String {
    format!("/login?error={}", outcome.query_value())
}

fn failure_target(state: &AppState, outcome: Outcome) -> String {
    state.config.link(&login_with(outcome))
}
