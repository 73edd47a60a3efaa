//! The mail outbox: mail is written here in the same transaction as the change that causes
//! it, and a worker delivers it later, so no mail is lost while SMTP is down.
//! The body is stored sealed (encrypted), because it carries one-time links.

use super::Dialect;
use sqlx::{Any, AnyConnection, Executor};

/// Inside a transaction, makes the mails to `to` queue one transaction at a time, so a cap
/// counted before inserting holds: under READ COMMITTED two PostgreSQL transactions could
/// otherwise both count below it (SQLite already has one writer).
pub async fn one_writer_per_recipient(
    conn: &mut AnyConnection,
    dialect: Dialect,
    to: &str,
) -> Result<(), sqlx::Error> {
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(to)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub to_addr: String,
    pub kind: String,
    pub subject: String,
    pub sealed: Option<Vec<u8>>,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
}

/// `SELECT <every column of OutboxRow> FROM outbox <rest>` as a static string.
macro_rules! select_outbox {
    ($rest:literal) => {
        concat!(
            "SELECT id, to_addr, kind, subject, sealed, created_at, attempts, next_attempt_at, ",
            "sent_at FROM outbox ",
            $rest
        )
    };
}

pub struct NewMail<'a> {
    pub id: &'a str,
    pub to_addr: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub sealed: &'a [u8],
    pub now: i64,
}

/// Queues a mail. With `hourly_cap`, only if the address received fewer mails than that in
/// the past hour, checked in the same statement; returns whether the mail was queued.
pub async fn insert<'c>(
    ex: impl Executor<'c, Database = Any>,
    mail: &NewMail<'_>,
    hourly_cap: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let query = match hourly_cap {
        None => sqlx::query(
            "INSERT INTO outbox (id, to_addr, kind, subject, sealed, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ),
        Some(_) => sqlx::query(
            "INSERT INTO outbox (id, to_addr, kind, subject, sealed, created_at, next_attempt_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7 WHERE \
             (SELECT COUNT(*) FROM outbox WHERE to_addr = $8 AND created_at > $9) < $10",
        ),
    };
    let mut query = query
        .bind(mail.id)
        .bind(mail.to_addr)
        .bind(mail.kind)
        .bind(mail.subject)
        .bind(mail.sealed.to_vec())
        .bind(mail.now)
        .bind(mail.now);
    if let Some(cap) = hourly_cap {
        query = query.bind(mail.to_addr).bind(mail.now - 3600).bind(cap);
    }
    Ok(query.execute(ex).await?.rows_affected() == 1)
}

/// Mails due for delivery, oldest first.
pub async fn due<'c>(
    ex: impl Executor<'c, Database = Any>,
    now: i64,
    limit: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let sql = select_outbox!(
        "WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at, created_at LIMIT $2"
    );
    sqlx::query_as(sql)
        .bind(now)
        .bind(limit)
        .fetch_all(ex)
        .await
}

/// Takes a due mail for one delivery attempt by pushing its next attempt to `lease_until`;
/// false when another worker took it first.
pub async fn claim<'c>(
    ex: impl Executor<'c, Database = Any>,
    row: &OutboxRow,
    lease_until: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 \
         WHERE id = $2 AND next_attempt_at = $3 AND sent_at IS NULL",
    )
    .bind(lease_until)
    .bind(&row.id)
    .bind(row.next_attempt_at)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a delivery. `keep_body` keeps the sealed body (the dev mailbox shows it);
/// otherwise it is dropped, so delivered links leave the database.
pub async fn mark_sent<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &str,
    now: i64,
    keep_body: bool,
) -> Result<(), sqlx::Error> {
    let sql = if keep_body {
        "UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2"
    } else {
        "UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL, sealed = NULL \
         WHERE id = $2"
    };
    sqlx::query(sql).bind(now).bind(id).execute(ex).await?;
    Ok(())
}

pub async fn mark_failed<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &str,
    next_attempt_at: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 \
         WHERE id = $3",
    )
    .bind(next_attempt_at)
    .bind(error)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(())
}

/// The newest mails, for the dev mailbox.
pub async fn recent<'c>(
    ex: impl Executor<'c, Database = Any>,
    limit: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let sql = select_outbox!("ORDER BY created_at DESC, id LIMIT $1");
    sqlx::query_as(sql).bind(limit).fetch_all(ex).await
}
