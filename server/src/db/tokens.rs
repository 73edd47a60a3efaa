//! One-time tokens (verification and reset links, Google hand-offs). Only the SHA-256 of a
//! token is stored.

use console_api::UserId;
use sqlx::{Any, Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    /// The id of a Google hand-off token: spent when the browser swaps it for a session.
    GoogleHandoff,
    /// A change of address, mailed to the new address; carries it.
    ChangeEmail,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::GoogleHandoff => "google_handoff",
            Purpose::ChangeEmail => "change_email",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    #[sqlx(try_from = "String")]
    pub user_id: UserId,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub struct NewToken<'a> {
    pub token_hash: &'a str,
    pub user_id: &'a UserId,
    pub purpose: Purpose,
    pub now: i64,
    pub expires_at: i64,
    /// For a verification link: the password hash it activates (that of the signup which
    /// sent it), so that nobody else's pending password is ever activated by it.
    pub password_hash: Option<&'a str>,
    /// For a verification link: the username asked for at that signup, claimed when the
    /// address is verified (so a signup's answer never depends on the address).
    pub username: Option<&'a str>,
    /// For an address change: the new address.
    pub new_email: Option<&'a str>,
}

pub async fn insert<'c>(
    ex: impl Executor<'c, Database = Any>,
    token: &NewToken<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO one_time_tokens \
           (token_hash, user_id, purpose, created_at, expires_at, password_hash, username, \
            new_email) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(token.token_hash)
    .bind(token.user_id.as_str())
    .bind(token.purpose.as_str())
    .bind(token.now)
    .bind(token.expires_at)
    .bind(token.password_hash)
    .bind(token.username)
    .bind(token.new_email)
    .execute(ex)
    .await?;
    Ok(())
}

/// The token with this hash and purpose; a token of another purpose is not found.
pub async fn find<'c>(
    ex: impl Executor<'c, Database = Any>,
    token_hash: &str,
    purpose: Purpose,
) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, expires_at, used_at FROM one_time_tokens \
         WHERE token_hash = $1 AND purpose = $2",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(ex)
    .await
}

/// A token just spent.
#[derive(sqlx::FromRow)]
pub struct Spent {
    #[sqlx(try_from = "String")]
    pub user_id: UserId,
    /// The password a verification link activates; none when several signups used the
    /// address.
    pub password_hash: Option<String>,
    /// The username a verification link claims, if any.
    pub username: Option<String>,
    /// The address an address-change link moves the account to.
    pub new_email: Option<String>,
}

/// Spends the token if it is unused and unexpired, in one statement so that two concurrent
/// requests cannot both spend it. Returns the account it belongs to.
pub async fn consume<'c>(
    ex: impl Executor<'c, Database = Any>,
    token_hash: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<Spent>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE one_time_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $4 \
         RETURNING user_id, password_hash, username, new_email",
    )
    .bind(now)
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(ex)
    .await
}

/// Several signups used one unverified address: no pending link activates a password any
/// more, whoever set it (PH1). The links still verify the address.
pub async fn forget_pending_passwords<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE one_time_tokens SET password_hash = NULL \
         WHERE user_id = $1 AND purpose = 'verify_email' AND used_at IS NULL",
    )
    .bind(user_id.as_str())
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// Marks the account's outstanding tokens of one purpose as used (a newer one replaces them).
pub async fn spend_purpose<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    purpose: Purpose,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE one_time_tokens SET used_at = $1 \
         WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id.as_str())
    .bind(purpose.as_str())
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// Marks every outstanding token of the account as used, whatever its purpose: an account
/// recovery stops every pending link and hand-off.
pub async fn spend_every_purpose<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE one_time_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id.as_str())
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}
