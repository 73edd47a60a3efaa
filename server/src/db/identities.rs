//! Accounts at an OpenID Connect provider, linked by (issuer, subject) — never by email (OA4).

use console_api::UserId;
use sqlx::{Any, Executor, Row};

/// The account this provider identity is linked to.
pub async fn user_id<'c>(
    ex: impl Executor<'c, Database = Any>,
    issuer: &str,
    subject: &str,
) -> Result<Option<UserId>, sqlx::Error> {
    let row = sqlx::query("SELECT user_id FROM identities WHERE issuer = $1 AND subject = $2")
        .bind(issuer)
        .bind(subject)
        .fetch_optional(ex)
        .await?;
    row.map(|row| row.try_get::<String, _>("user_id").map(UserId::from))
        .transpose()
}

pub struct NewIdentity<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub user_id: &'a UserId,
    pub email: &'a str,
    pub now: i64,
}

/// Links the identity unless it is linked already; returns whether a row was added.
pub async fn insert<'c>(
    ex: impl Executor<'c, Database = Any>,
    identity: &NewIdentity<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO identities (issuer, subject, user_id, email, created_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (issuer, subject) DO NOTHING",
    )
    .bind(identity.issuer)
    .bind(identity.subject)
    .bind(identity.user_id.as_str())
    .bind(identity.email)
    .bind(identity.now)
    .bind(identity.now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn touch<'c>(
    ex: impl Executor<'c, Database = Any>,
    issuer: &str,
    subject: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE identities SET last_used_at = $1 WHERE issuer = $2 AND subject = $3")
        .bind(now)
        .bind(issuer)
        .bind(subject)
        .execute(ex)
        .await?;
    Ok(())
}
