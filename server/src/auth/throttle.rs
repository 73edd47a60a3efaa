//! Which attempt counter a sign-in counts against, and the rule around it (RL1, RL3).
//!
//! Untrusted clients count per identifier (the address or username as typed), keyed with a
//! secret so the table holds no guessable hash of the addresses people tried; an identifier
//! with no account locks exactly as one with an account, so the answers tell nothing. A
//! browser or client holding the account's device cookie counts on its own, so a stranger's
//! flood never locks out a client its owner signed in from before. Every attempt is counted
//! before its password is checked, so concurrent guesses cannot pass the threshold.

use crate::{
    db::{login_throttle, login_throttle::Attempt, users::User},
    error::{ApiError, ApiResult},
    mail::templates,
    state::AppState,
};
use console_api::UserId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub struct Throttle {
    key: [u8; 32],
}

impl Throttle {
    pub fn new(server_secret: &[u8]) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(server_secret).expect("HMAC takes any key");
        mac.update(b"msgsg sign-in identifiers v1");
        Throttle {
            key: mac.finalize().into_bytes().into(),
        }
    }

    /// The counter of untrusted attempts for an identifier (normalised as the lookup is).
    pub fn identifier_key(&self, identifier: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(identifier.as_bytes());
        format!("i:{}", hex::encode(mac.finalize().into_bytes()))
    }
}

/// The counter of a trusted browser.
pub fn device_key(device_id: &str) -> String {
    format!("d:{device_id}")
}

/// The counter of a signed-in person confirming their password (kept apart, so a stolen
/// session cannot lock its owner out of signing in).
pub fn reauth_key(user_id: &UserId) -> String {
    format!("r:{user_id}")
}

/// The counter of an account's second factor: wrong codes lock it on their own, so wrong
/// passwords (which anyone can send) never lock the second factor of a signed-in owner.
pub fn second_factor_key(user_id: &UserId) -> String {
    format!("f:{user_id}")
}

/// The counter of codes typed by a signed-in person to confirm an action (turning two-factor
/// off, new recovery codes, deleting the account): a stolen session cannot use it to lock
/// the owner's sign-in.
pub fn second_factor_confirm_key(user_id: &UserId) -> String {
    format!("fc:{user_id}")
}

/// Counts an attempt; a locked key answers ACCOUNT_LOCKED at once. Returns whether this
/// attempt took the last try and locked the key.
pub async fn begin(state: &AppState, key: &str) -> ApiResult<bool> {
    let now = state.clock.now();
    let window = state.config.lockout_duration.as_secs() as i64;
    match login_throttle::attempt(
        &state.db.pool,
        key,
        i64::from(state.config.lockout_threshold),
        window,
        window,
        now,
    )
    .await?
    {
        Attempt::Allowed { locked_now } => Ok(locked_now),
        Attempt::Locked { until } => Err(ApiError::AccountLocked {
            retry_after: std::time::Duration::from_secs((until - now).max(1) as u64),
        }),
    }
}

/// The password was right: the attempts of this counter are forgotten.
pub async fn succeeded(state: &AppState, key: &str) -> ApiResult<()> {
    login_throttle::clear(&state.db.pool, key).await?;
    Ok(())
}

/// Tells the owner their account is locked for untrusted clients. Sent after the answer, so
/// the attempt that locks a real account answers as fast as one for an unknown identifier;
/// at most once per lock, since only the attempt that locks calls this.
pub fn notify_owner(state: &AppState, user: &User) {
    tracing::warn!(user = %user.id, "account locked for untrusted clients");
    let notice = templates::sign_in_attempts(
        state.config.lockout_duration.as_secs().div_ceil(60),
        &state.config.link("/forgot-password"),
    );
    mail_owner(state, user, notice);
}

/// Queues `notice` to the owner after the answer (capped per address like every notice).
pub fn mail_owner(state: &AppState, user: &User, notice: templates::Mail) {
    let (state, email) = (state.clone(), user.email.clone());
    tokio::spawn(async move {
        let now = state.clock.now();
        let queued = async {
            let mut tx = state.db.pool.begin().await?;
            if crate::auth::links::queue_capped(&mut tx, &state, &email, &notice, now).await? {
                tx.commit().await?;
                state.mailer.wake();
            }
            Ok::<_, sqlx::Error>(())
        };
        if let Err(e) = queued.await {
            tracing::error!(error = %e, "could not queue a lockout notice");
        }
    });
}

/// After an account recovery, its owner starts afresh from every client.
pub async fn forget_account(state: &AppState, user: &User) -> ApiResult<()> {
    for identifier in [user.email.as_str(), user.username.as_str()] {
        login_throttle::clear(&state.db.pool, &state.throttle.identifier_key(identifier)).await?;
    }
    Ok(())
}
