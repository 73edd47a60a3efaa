//! The `state` of each provider sign-in attempt, stored as a SHA-256 hash so that it can be
//! spent exactly once (OA1), on any replica.

use sqlx::{Any, Executor};

/// Records a new attempt, and forgets attempts that ran out.
pub async fn insert<'c>(
    ex: impl Executor<'c, Database = Any> + Copy,
    state_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1")
        .bind(now)
        .execute(ex)
        .await?;
    sqlx::query("INSERT INTO oauth_states (state_hash, expires_at) VALUES ($1, $2)")
        .bind(state_hash)
        .bind(expires_at)
        .execute(ex)
        .await?;
    Ok(())
}

/// Spends the state: true once, for an attempt that has not expired; false ever after.
pub async fn spend<'c>(
    ex: impl Executor<'c, Database = Any>,
    state_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM oauth_states WHERE state_hash = $1 AND expires_at > $2")
        .bind(state_hash)
        .bind(now)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}
