//! Sign-in attempts, counted per key in the database so that every replica sees the same
//! count: `i:<keyed hash of the identifier>` for untrusted clients (whether or not an account
//! is behind it, so the answer tells nothing), `d:<device id>` for a browser the account
//! signed in from before, `r:<account id>` for a signed-in person re-entering the password.

use sqlx::{Any, Executor, Row};

/// What one attempt was allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted; go on and check the password.
    Allowed {
        /// This attempt used the last try of the window and locked the key.
        locked_now: bool,
    },
    /// The key is locked until this time: refused before any password check.
    Locked { until: i64 },
}

/// Counts an attempt before the password is checked, in one statement, so that concurrent
/// guesses cannot pass the threshold: the `threshold`-th attempt of a `window` locks the key
/// for `lock` seconds, and every later one is refused until then.
pub async fn attempt<'c>(
    ex: impl Executor<'c, Database = Any>,
    key: &str,
    threshold: i64,
    window: i64,
    lock: i64,
    now: i64,
) -> Result<Attempt, sqlx::Error> {
    let lock_until = now + lock;
    let cutoff = now - window;
    let row = sqlx::query(
        "INSERT INTO login_throttle (key, failures, window_started_at, locked_until) \
         VALUES ($1, 1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE \
             WHEN login_throttle.locked_until > $4 THEN login_throttle.failures + 1 \
             WHEN login_throttle.window_started_at <= $5 THEN 1 \
             ELSE login_throttle.failures + 1 END, \
           locked_until = CASE \
             WHEN login_throttle.locked_until > $6 THEN login_throttle.locked_until \
             WHEN login_throttle.window_started_at <= $7 THEN $8 \
             WHEN login_throttle.failures + 1 >= $9 THEN $10 \
             ELSE NULL END, \
           window_started_at = CASE \
             WHEN login_throttle.locked_until > $11 THEN login_throttle.window_started_at \
             WHEN login_throttle.window_started_at <= $12 THEN $13 \
             ELSE login_throttle.window_started_at END \
         RETURNING failures, locked_until",
    )
    .bind(key)
    .bind(now)
    .bind((threshold <= 1).then_some(lock_until))
    .bind(now)
    .bind(cutoff)
    .bind(now)
    .bind(cutoff)
    .bind((threshold <= 1).then_some(lock_until))
    .bind(threshold)
    .bind(lock_until)
    .bind(now)
    .bind(cutoff)
    .bind(now)
    .fetch_one(ex)
    .await?;
    let attempts: i64 = row.try_get("failures")?;
    let until: Option<i64> = row.try_get("locked_until")?;
    Ok(match until {
        Some(until) if until > now && attempts > threshold => Attempt::Locked { until },
        Some(until) if until > now => Attempt::Allowed { locked_now: true },
        _ => Attempt::Allowed { locked_now: false },
    })
}

/// Forgets the attempts of `key`: the password was right.
pub async fn clear<'c>(
    ex: impl Executor<'c, Database = Any>,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
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
