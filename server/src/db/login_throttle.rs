//! Failed sign-ins, counted per key in the database so that every replica sees the same
//! count: `u:<account id>` for untrusted clients of an account, `d:<device id>` for a browser
//! the account signed in from before, `i:<sha256 of the identifier>` for an identifier with
//! no account (so that it locks exactly as an account would, and the answer tells nothing).

use sqlx::{Any, Executor, Row};

/// The time until which `key` is locked, if it is.
pub async fn locked_until<'c>(
    ex: impl Executor<'c, Database = Any>,
    key: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query("SELECT locked_until FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(ex)
        .await?;
    let until: Option<i64> = match row {
        Some(row) => row.try_get("locked_until")?,
        None => None,
    };
    Ok(until.filter(|until| *until > now))
}

/// Counts a failure within a window of `window` seconds; at `threshold` failures the key
/// locks for `lock` seconds and the count starts again. One statement, so concurrent
/// failures are all counted. Returns true for the failure that locked the key.
pub async fn record_failure<'c>(
    ex: impl Executor<'c, Database = Any>,
    key: &str,
    threshold: i64,
    window: i64,
    lock: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let lock_until = now + lock;
    let locks_at_once = threshold <= 1;
    let row = sqlx::query(
        "INSERT INTO login_throttle (key, failures, window_started_at, locked_until) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE \
             WHEN login_throttle.window_started_at <= $5 THEN 1 \
             WHEN login_throttle.failures + 1 >= $6 THEN 0 \
             ELSE login_throttle.failures + 1 END, \
           locked_until = CASE \
             WHEN login_throttle.window_started_at > $7 AND login_throttle.failures + 1 >= $8 \
             THEN $9 ELSE login_throttle.locked_until END, \
           window_started_at = CASE \
             WHEN login_throttle.window_started_at <= $10 OR login_throttle.failures + 1 >= $11 \
             THEN $12 ELSE login_throttle.window_started_at END \
         RETURNING failures, locked_until",
    )
    .bind(key)
    .bind(if locks_at_once { 0_i64 } else { 1 })
    .bind(now)
    .bind(locks_at_once.then_some(lock_until))
    .bind(now - window)
    .bind(threshold)
    .bind(now - window)
    .bind(threshold)
    .bind(lock_until)
    .bind(now - window)
    .bind(threshold)
    .bind(now)
    .fetch_one(ex)
    .await?;
    let failures: i64 = row.try_get("failures")?;
    let until: Option<i64> = row.try_get("locked_until")?;
    Ok(failures == 0 && until == Some(lock_until))
}

/// Forgets the failures of `key` after a successful sign-in (a lock stays until it ends).
pub async fn clear<'c>(
    ex: impl Executor<'c, Database = Any>,
    key: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM login_throttle WHERE key = $1 \
         AND (locked_until IS NULL OR locked_until <= $2)",
    )
    .bind(key)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// Drops rows that no longer lock anything and whose window is over.
pub async fn prune<'c>(
    ex: impl Executor<'c, Database = Any>,
    window: i64,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM login_throttle WHERE window_started_at <= $1 \
         AND (locked_until IS NULL OR locked_until <= $2)",
    )
    .bind(now - window)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}
