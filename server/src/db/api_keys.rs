//! API keys: only the SHA-256 of a key is stored, with a short prefix to recognise it by.

use super::users::User;
use console_api::{ApiKeyInfo, KeyId, SessionId, UserId};
use sqlx::{Any, Executor, FromRow, Row};

/// A key as lists show it: the wire type, read through a row type of its own.
#[derive(FromRow)]
struct KeyRow {
    #[sqlx(try_from = "String")]
    id: KeyId,
    name: String,
    prefix: String,
    created_at: i64,
    expires_at: i64,
    last_used_at: Option<i64>,
}

impl From<KeyRow> for ApiKeyInfo {
    fn from(row: KeyRow) -> ApiKeyInfo {
        ApiKeyInfo {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
        }
    }
}

pub struct NewApiKey<'a> {
    pub id: &'a KeyId,
    pub user_id: &'a UserId,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

/// What `insert_within_cap` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Insert {
    Created,
    /// The account already has `cap` live keys.
    CapReached,
    /// The session asking was revoked (a reset, a logout) while the request ran.
    SessionEnded,
}

/// Adds the key unless the account already has `cap` live keys or the session asking for
/// it has ended. The checks and the insert are one statement; on PostgreSQL the account's
/// row is locked first, so key creations take turns with each other (under READ COMMITTED two
/// could both count below the cap) and with a password reset, which revokes sessions and
/// keys while holding the same row: a key is either revoked by the reset or refused.
pub async fn insert_within_cap(
    db: &super::Db,
    key: &NewApiKey<'_>,
    session_id: &SessionId,
    cap: i64,
) -> Result<Insert, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    super::users::lock(&mut tx, db.dialect, key.user_id).await?;
    let done = sqlx::query(
        "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at, expires_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7 \
         WHERE (SELECT COUNT(*) FROM api_keys \
                WHERE user_id = $8 AND revoked_at IS NULL AND expires_at > $9) < $10 \
           AND EXISTS (SELECT 1 FROM sessions WHERE id = $11 AND revoked_at IS NULL)",
    )
    .bind(key.id.as_str())
    .bind(key.user_id.as_str())
    .bind(key.name)
    .bind(key.prefix)
    .bind(key.key_hash)
    .bind(key.now)
    .bind(key.expires_at)
    .bind(key.user_id.as_str())
    .bind(key.now)
    .bind(cap)
    .bind(session_id.as_str())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 1 {
        tx.commit().await?;
        return Ok(Insert::Created);
    }
    let live: i64 =
        sqlx::query("SELECT COUNT(*) FROM sessions WHERE id = $1 AND revoked_at IS NULL")
            .bind(session_id.as_str())
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
    Ok(if live == 0 {
        Insert::SessionEnded
    } else {
        Insert::CapReached
    })
}

/// The account's keys that still work, newest first.
pub async fn live_of<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    now: i64,
) -> Result<Vec<ApiKeyInfo>, sqlx::Error> {
    let rows: Vec<KeyRow> = sqlx::query_as(
        "SELECT id, name, prefix, created_at, expires_at, last_used_at FROM api_keys \
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
         ORDER BY created_at DESC, id",
    )
    .bind(user_id.as_str())
    .bind(now)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(ApiKeyInfo::from).collect())
}

/// Revokes one of the account's keys; false when it has no such live key.
pub async fn revoke<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    id: &KeyId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 \
         WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id.as_str())
    .bind(user_id.as_str())
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every live key of the account; returns how many.
pub async fn revoke_all<'c>(
    ex: impl Executor<'c, Database = Any>,
    user_id: &UserId,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 \
         WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(now)
    .bind(user_id.as_str())
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// The owner of a live key (not revoked, not expired) and the key's id.
pub async fn live_user<'c>(
    ex: impl Executor<'c, Database = Any>,
    key_hash: &str,
    now: i64,
) -> Result<Option<(User, KeyId)>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT ",
        crate::user_columns!(),
        ", k.id AS key_id FROM api_keys k JOIN users u ON u.id = k.user_id \
         WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND k.expires_at > $2"
    ))
    .bind(key_hash)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    row.map(|row| {
        let id: String = row.try_get("key_id")?;
        Ok((User::from_row(&row)?, KeyId::from(id)))
    })
    .transpose()
}

/// Records use, at most once a minute per key (a write per request would cost more than
/// the request).
pub async fn touch<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &KeyId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE api_keys SET last_used_at = $1 \
         WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(id.as_str())
    .bind(now - 60)
    .execute(ex)
    .await?;
    Ok(())
}
