//! One-time tokens (verification and reset links, Google hand-offs). Only the SHA-256 of a
//! token is stored.

use sqlx::{Any, Executor, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    /// The id of a Google hand-off token: spent when the browser swaps it for a session.
    GoogleHandoff,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::GoogleHandoff => "google_handoff",
        }
    }
}

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub user_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub async fn insert<'c>(
    ex: impl Executor<'c, Database = Any>,
    token_hash: &str,
    user_id: &str,
    purpose: Purpose,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO one_time_tokens (token_hash, user_id, purpose, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(now)
    .bind(expires_at)
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
    let row = sqlx::query(
        "SELECT user_id, expires_at, used_at FROM one_time_tokens \
         WHERE token_hash = $1 AND purpose = $2",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(ex)
    .await?;
    row.map(|row| {
        Ok(TokenRow {
            user_id: row.try_get("user_id")?,
            expires_at: row.try_get("expires_at")?,
            used_at: row.try_get("used_at")?,
        })
    })
    .transpose()
}

/// Spends the token if it is unused and unexpired, in one statement so that two concurrent
/// requests cannot both spend it. Returns the account it belongs to.
pub async fn consume<'c>(
    ex: impl Executor<'c, Database = Any>,
    token_hash: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE one_time_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $4 \
         RETURNING user_id",
    )
    .bind(now)
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(ex)
    .await?;
    row.map(|row| row.try_get("user_id")).transpose()
}

/// Marks every outstanding token of this purpose for the account as used.
pub async fn spend_all<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &str,
    purpose: Purpose,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE one_time_tokens SET used_at = $1 \
         WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(purpose.as_str())
    .execute(ex)
    .await?;
    Ok(())
}
