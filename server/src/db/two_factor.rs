//! Two-factor sign-in: the account's TOTP factor, its recovery codes, and the challenges a
//! correct first factor opens. Every check-and-spend is one statement, so two replicas (or
//! two requests) can never both accept the same code, recovery code or challenge.

use console_api::UserId;
use sqlx::{Any, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct Factor {
    pub secret_sealed: String,
    pub enabled_at: Option<i64>,
}

/// The account's factor, enabled or still being set up.
pub async fn factor<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
) -> Result<Option<Factor>, sqlx::Error> {
    sqlx::query_as("SELECT secret_sealed, enabled_at FROM totp_factors WHERE user_id = $1")
        .bind(user_id.as_str())
        .fetch_optional(ex)
        .await
}

pub async fn is_enabled<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
) -> Result<bool, sqlx::Error> {
    Ok(factor(ex, user_id)
        .await?
        .is_some_and(|f| f.enabled_at.is_some()))
}

/// Starts (or restarts) setting up a factor; an enabled one is never replaced here.
/// Returns false when the account already has an enabled factor.
pub async fn begin_setup<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    secret_sealed: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO totp_factors (user_id, secret_sealed, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret_sealed = $4, created_at = $5, \
           last_step = NULL WHERE totp_factors.enabled_at IS NULL",
    )
    .bind(user_id.as_str())
    .bind(secret_sealed)
    .bind(now)
    .bind(secret_sealed)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that a code of time step `step` was accepted, unless this or a later step was
/// accepted before: the one place that makes a code single use.
pub async fn accept_step<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE totp_factors SET last_step = $1 \
         WHERE user_id = $2 AND (last_step IS NULL OR last_step < $3)",
    )
    .bind(step)
    .bind(user_id.as_str())
    .bind(step)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the factor being set up as enabled, if it is still the one whose code was checked
/// (`secret_sealed`: a set-up started meanwhile replaced it); false otherwise.
pub async fn enable<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    secret_sealed: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE totp_factors SET enabled_at = $1 \
         WHERE user_id = $2 AND secret_sealed = $3 AND enabled_at IS NULL",
    )
    .bind(now)
    .bind(user_id.as_str())
    .bind(secret_sealed)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the factor, its recovery codes and its open challenges.
pub async fn remove(conn: &mut sqlx::AnyConnection, user_id: &UserId) -> Result<(), sqlx::Error> {
    for table in ["totp_factors", "recovery_codes", "two_factor_challenges"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE user_id = $1"
        )))
        .bind(user_id.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Replaces every recovery code of the account with these (keyed hashes).
pub async fn replace_recovery_codes(
    conn: &mut sqlx::AnyConnection,
    user_id: &UserId,
    hashes: &[String],
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id.as_str())
        .execute(&mut *conn)
        .await?;
    for hash in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (code_hash, user_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(hash.as_str())
        .bind(user_id.as_str())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Spends a recovery code of the account; false if it is not one or was used.
pub async fn spend_recovery_code<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 \
         WHERE code_hash = $2 AND user_id = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(hash)
    .bind(user_id.as_str())
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id.as_str())
        .fetch_one(ex)
        .await
}

/// What a challenge stands on: the first factor, checked again when the session opens.
pub struct NewChallenge<'a> {
    pub token_hash: &'a str,
    pub user_id: &'a UserId,
    pub password_hash: Option<&'a str>,
    pub provider_started_at: Option<i64>,
    pub now: i64,
    pub expires_at: i64,
}

pub async fn insert_challenge<'c>(
    ex: impl Executor<'c, Database = Any>,
    c: &NewChallenge<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO two_factor_challenges \
           (token_hash, user_id, password_hash, provider_started_at, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(c.token_hash)
    .bind(c.user_id.as_str())
    .bind(c.password_hash)
    .bind(c.provider_started_at)
    .bind(c.now)
    .bind(c.expires_at)
    .execute(ex)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct Challenge {
    #[sqlx(try_from = "String")]
    pub user_id: UserId,
    pub password_hash: Option<String>,
    pub provider_started_at: Option<i64>,
}

/// Takes one attempt of a live challenge (unspent, unexpired, attempts left), in one
/// statement; the challenge's account and first factor, or `None` when it is dead.
pub async fn take_attempt<'c>(
    ex: impl Executor<'c, Database = Any>,
    token_hash: &str,
    max_attempts: i64,
    now: i64,
) -> Result<Option<Challenge>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE two_factor_challenges SET failures = failures + 1 \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 AND failures < $3 \
         RETURNING user_id, password_hash, provider_started_at",
    )
    .bind(token_hash)
    .bind(now)
    .bind(max_attempts)
    .fetch_optional(ex)
    .await
}

/// Spends a challenge whose attempt was just taken; false when another request spent it
/// (or it expired) first.
pub async fn spend_challenge<'c>(
    ex: impl Executor<'c, Database = Any>,
    token_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE two_factor_challenges SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(now)
    .bind(token_hash)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}
