//! One-time links and the mail that carries them, shared by the flows that send them.

use crate::{
    auth::{random, ratelimit::Action},
    db::{outbox, tokens, tokens::Purpose, users},
    error::{ApiError, TokenProblem},
    mail::{templates, templates::Mail},
    state::AppState,
    validate,
};
use console_api::{TokenState, UserId};
use sqlx::AnyConnection;

/// The links the console mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    VerifyEmail,
    ResetPassword,
}

impl Link {
    pub fn purpose(self) -> Purpose {
        match self {
            Link::VerifyEmail => Purpose::VerifyEmail,
            Link::ResetPassword => Purpose::ResetPassword,
        }
    }
}

/// What a verification link carries from the signup that sent it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pending<'a> {
    /// The password the link activates; none makes a verified account without one.
    pub password_hash: Option<&'a str>,
    /// The username the link claims, if still free.
    pub username: Option<&'a str>,
}

/// Creates a token for the account and returns it; only its hash is stored. A verification
/// link carries what its signup chose (`pending`); other links carry nothing.
pub async fn issue_token(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &UserId,
    link: Link,
    pending: Pending<'_>,
    now: i64,
) -> Result<String, sqlx::Error> {
    let pending = if link == Link::VerifyEmail {
        pending
    } else {
        Pending::default()
    };
    let ttl = match link {
        Link::VerifyEmail => state.config.verify_token_ttl,
        Link::ResetPassword => state.config.reset_token_ttl,
    };
    let purpose = link.purpose();
    let token = random::one_time_token();
    tokens::insert(
        &mut *conn,
        &tokens::NewToken {
            token_hash: &random::token_hash(&token),
            user_id,
            purpose,
            now,
            expires_at: now + ttl.as_secs() as i64,
            password_hash: pending.password_hash,
            username: pending.username,
            new_email: None,
        },
    )
    .await?;
    Ok(token)
}

/// Queues a mail unless the address already received its hourly share; returns whether it
/// was queued. Counting in the database holds across replicas.
pub async fn queue_capped(
    conn: &mut AnyConnection,
    state: &AppState,
    to: &str,
    mail: &Mail,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let cap = i64::from(state.config.mail_per_address_per_hour);
    outbox::one_writer_per_recipient(&mut *conn, state.db.dialect, to).await?;
    let queued = state
        .mailer
        .queue(&mut *conn, to, mail, now, Some(cap))
        .await?;
    if !queued {
        tracing::warn!(kind = %mail.kind, "hourly mail cap reached for an address; mail dropped");
    }
    Ok(queued)
}

pub fn verify_link(state: &AppState, token: &str) -> String {
    state.config.link(&format!("/verify-email?token={token}"))
}

pub fn reset_link(state: &AppState, token: &str) -> String {
    state.config.link(&format!("/reset-password?token={token}"))
}

pub fn verify_hours(state: &AppState) -> u64 {
    state.config.verify_token_ttl.as_secs().div_ceil(3600)
}

pub fn reset_minutes(state: &AppState) -> u64 {
    state.config.reset_token_ttl.as_secs().div_ceil(60)
}

/// What a mailed token is worth now, and the account it belongs to when it is known.
/// A token of another purpose is `Invalid`: a verification token never resets a password.
pub async fn token_state(
    state: &AppState,
    token: &str,
    purpose: Purpose,
) -> Result<(TokenState, Option<UserId>), sqlx::Error> {
    if !validate::token_shape(token) {
        return Ok((TokenState::Invalid, None));
    }
    let Some(row) = tokens::find(&state.db.pool, &random::token_hash(token), purpose).await? else {
        return Ok((TokenState::Invalid, None));
    };
    let Some(user) = users::by_id(&state.db.pool, &row.user_id).await? else {
        return Ok((TokenState::Invalid, None));
    };
    let token_state = if row.used_at.is_some() {
        TokenState::Used
    } else if purpose == Purpose::VerifyEmail && user.is_verified() {
        // Other links of the same address stop at "already verified" once one was used.
        TokenState::AlreadyVerified
    } else if row.expires_at <= state.clock.now() {
        TokenState::Expired
    } else if user.disabled_at.is_some() {
        TokenState::Invalid
    } else {
        TokenState::Valid
    };
    Ok((token_state, Some(user.id)))
}

/// The error for a token that cannot be spent.
pub fn token_error(token_state: TokenState) -> ApiError {
    match token_state {
        TokenState::Expired => ApiError::Token(TokenProblem::Expired),
        TokenState::Used => ApiError::Token(TokenProblem::Used),
        TokenState::AlreadyVerified => ApiError::AlreadyVerified,
        TokenState::Invalid | TokenState::Valid => ApiError::Token(TokenProblem::Invalid),
    }
}

/// A link asked for by address (resend verification, forgot password): limited per client
/// and per address, then looked up and mailed after the answer, so the answer and its
/// timing are the same whether or not the address has an account (EN3).
pub fn request_link(
    state: &AppState,
    ip: std::net::IpAddr,
    email: &str,
    link: Link,
) -> Result<(), ApiError> {
    state.limits.check_ip(Action::Mail, ip)?;
    let email = validate::email(email)?;
    state.limits.check_address(&email)?;
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = send_link(&state, &email, link).await {
            tracing::error!(error = %e, "could not queue an account mail");
        }
    });
    Ok(())
}

/// Mails a fresh link when the address has an account that can use it.
async fn send_link(state: &AppState, email: &str, link: Link) -> Result<(), sqlx::Error> {
    let Some(user) = users::by_email(&state.db.pool, email).await? else {
        return Ok(());
    };
    let wanted = match link {
        Link::VerifyEmail => !user.is_verified() && user.disabled_at.is_none(),
        Link::ResetPassword => user.disabled_at.is_none(),
    };
    if !wanted {
        return Ok(());
    }
    let now = state.clock.now();
    let mut tx = state.db.pool.begin().await?;
    // A new verification link carries the account's pending password, read inside this
    // transaction: none once several signups used the address.
    let pending = match link {
        Link::VerifyEmail => match users::pending_password(&mut *tx, &user.id, now).await? {
            Some(hash) => hash,
            None => return Ok(()),
        },
        Link::ResetPassword => None,
    };
    let carried = Pending {
        password_hash: pending.as_deref(),
        username: None,
    };
    let token = issue_token(&mut tx, state, &user.id, link, carried, now).await?;
    let mail = match link {
        Link::VerifyEmail => {
            templates::verify_email(&verify_link(state, &token), verify_hours(state))
        }
        Link::ResetPassword => {
            templates::reset_password(&reset_link(state, &token), reset_minutes(state))
        }
    };
    if queue_capped(&mut tx, state, &user.email, &mail, now).await? {
        tx.commit().await?;
        state.mailer.wake();
    }
    Ok(())
}
