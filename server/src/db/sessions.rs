//! Server-side sessions: every JWT names one, and a revoked session ends its JWT at once.

use super::users::User;
use console_api::{SessionId, UserId};
use sqlx::{Any, Executor, FromRow};

pub struct NewSession<'a> {
    pub id: &'a SessionId,
    pub user_id: &'a UserId,
    pub now: i64,
    pub expires_at: i64,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
}

/// What a new session stands on, checked again as it is inserted.
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    /// The password hash the password was verified against: a reset that committed since
    /// changed it.
    Password(&'a str),
    /// A provider sign-in that started at this time: a reset since ends it.
    Provider { started_at: i64 },
}

/// Inserts the session if its proof still holds. On PostgreSQL the check waits for (and
/// then sees) a reset in progress on the account's row, so a sign-in racing a reset either
/// ends before it (and is revoked by it) or is refused.
pub async fn insert_if(
    db: &super::Db,
    s: &NewSession<'_>,
    proof: Proof<'_>,
) -> Result<bool, sqlx::Error> {
    let share = if db.dialect == super::Dialect::Postgres {
        " FOR SHARE"
    } else {
        ""
    };
    let (condition, value): (&str, ProofValue) = match proof {
        Proof::Password(hash) => ("password_hash = $8", ProofValue::Text(hash)),
        Proof::Provider { started_at } => (
            "(credentials_reset_at IS NULL OR credentials_reset_at < $8)",
            ProofValue::Time(started_at),
        ),
    };
    let sql = format!(
        "INSERT INTO sessions (id, user_id, created_at, expires_at, user_agent, ip) \
         SELECT $1, $2, $3, $4, $5, $6 \
         WHERE EXISTS (SELECT 1 FROM users WHERE id = $7 AND {condition}{share})"
    );
    let query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(s.id.as_str())
        .bind(s.user_id.as_str())
        .bind(s.now)
        .bind(s.expires_at)
        .bind(s.user_agent)
        .bind(s.ip)
        .bind(s.user_id.as_str());
    let query = match value {
        ProofValue::Text(text) => query.bind(text),
        ProofValue::Time(time) => query.bind(time),
    };
    Ok(query.execute(&db.pool).await?.rows_affected() == 1)
}

enum ProofValue<'a> {
    Text(&'a str),
    Time(i64),
}

const LIVE_USER_SQL: &str = concat!(
    "SELECT ",
    crate::user_columns!(),
    " FROM sessions s JOIN users u ON u.id = s.user_id \
     WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3 \
       AND COALESCE(s.last_seen_at, s.created_at) > $4"
);

/// The user of a live session: not revoked, not expired, used since `idle_since`, and
/// belonging to `user_id`.
pub async fn live_user<'c>(
    ex: impl Executor<'c, Database = Any>,
    session_id: &SessionId,
    user_id: &UserId,
    now: i64,
    idle_since: i64,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(LIVE_USER_SQL)
        .bind(session_id.as_str())
        .bind(user_id.as_str())
        .bind(now)
        .bind(idle_since)
        .fetch_optional(ex)
        .await
}

pub async fn revoke<'c>(
    ex: impl Executor<'c, Database = Any>,
    session_id: &SessionId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(session_id.as_str())
        .execute(ex)
        .await?;
    Ok(())
}

/// Ends every session of the account but `keep` (the one asking); returns how many.
pub async fn revoke_others<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    keep: &SessionId,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 \
         WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id.as_str())
    .bind(keep.as_str())
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

pub async fn revoke_all<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id.as_str())
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// A live session as its owner's list shows it.
#[derive(Debug, Clone, FromRow)]
pub struct Listed {
    #[sqlx(try_from = "String")]
    pub id: SessionId,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The account's live sessions (not revoked, not expired, used since `idle_since`), most
/// recently used first.
pub async fn live_of<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    now: i64,
    idle_since: i64,
) -> Result<Vec<Listed>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions \
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
           AND COALESCE(last_seen_at, created_at) > $3 \
         ORDER BY COALESCE(last_seen_at, created_at) DESC, id",
    )
    .bind(user_id.as_str())
    .bind(now)
    .bind(idle_since)
    .fetch_all(ex)
    .await
}

/// Ends one session of the account; false when it has no such live session.
pub async fn revoke_of<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    id: &SessionId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 \
         WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL AND expires_at > $4",
    )
    .bind(now)
    .bind(id.as_str())
    .bind(user_id.as_str())
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that the session was used now, unless that was recorded in the last minute.
pub async fn touch<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &SessionId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sessions SET last_seen_at = $1 \
         WHERE id = $2 AND (last_seen_at IS NULL OR last_seen_at < $3)",
    )
    .bind(now)
    .bind(id.as_str())
    .bind(now - TOUCH_EVERY_SECONDS)
    .execute(ex)
    .await?;
    Ok(())
}

/// How often a session's last use is written at most.
pub const TOUCH_EVERY_SECONDS: i64 = 60;
