//! Server-side sessions: every JWT names one, and a revoked session ends its JWT at once.

use super::users::User;
use sqlx::{Any, Executor};

pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub now: i64,
    pub expires_at: i64,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
}

pub async fn insert<'c>(
    ex: impl Executor<'c, Database = Any>,
    s: &NewSession<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at, user_agent, ip) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(s.id)
    .bind(s.user_id)
    .bind(s.now)
    .bind(s.expires_at)
    .bind(s.user_agent)
    .bind(s.ip)
    .execute(ex)
    .await?;
    Ok(())
}

const LIVE_USER_SQL: &str = concat!(
    "SELECT ",
    crate::user_columns!(),
    " FROM sessions s JOIN users u ON u.id = s.user_id \
     WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3"
);

/// The user of a live session: not revoked, not expired, and belonging to `user_id`.
pub async fn live_user<'c>(
    ex: impl Executor<'c, Database = Any>,
    session_id: &str,
    user_id: &str,
    now: i64,
) -> Result<Option<User>, sqlx::Error> {
    let row = sqlx::query(LIVE_USER_SQL)
        .bind(session_id)
        .bind(user_id)
        .bind(now)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(User::from_row).transpose()
}

pub async fn revoke<'c>(
    ex: impl Executor<'c, Database = Any>,
    session_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(session_id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn revoke_all<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}
