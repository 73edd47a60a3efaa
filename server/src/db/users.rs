//! Accounts.

use console_api::{Identifier, UserId};
use sqlx::{Any, Executor, Row};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    #[sqlx(try_from = "String")]
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub password_hash: Option<String>,
    #[sqlx(try_from = "String")]
    pub role: console_api::Role,
    pub email_verified_at: Option<i64>,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    /// The last account recovery (password reset): browsers trusted before it are not.
    pub credentials_reset_at: Option<i64>,
    /// How many provider identities (Google) are linked to the account.
    #[sqlx(rename = "identity_count")]
    pub linked_identities: i64,
}

impl User {
    pub fn is_verified(&self) -> bool {
        self.email_verified_at.is_some()
    }

    pub fn info(&self) -> console_api::UserInfo {
        console_api::UserInfo {
            id: self.id.clone(),
            username: self.username.clone(),
            email: self.email.clone(),
            role: self.role,
            email_verified: self.is_verified(),
            authenticated: true,
            sign_in_methods: self.sign_in_methods(),
        }
    }

    pub fn admin_view(&self) -> console_api::AdminUser {
        console_api::AdminUser {
            id: self.id.clone(),
            username: self.username.clone(),
            email: self.email.clone(),
            role: self.role,
            email_verified: self.is_verified(),
            disabled: self.disabled_at.is_some(),
            created_at: self.created_at,
        }
    }

    pub fn sign_in_methods(&self) -> Vec<console_api::SignInMethod> {
        use console_api::SignInMethod;
        let mut methods = Vec::new();
        if self.password_hash.is_some() {
            methods.push(SignInMethod::Password);
        }
        if self.linked_identities > 0 {
            methods.push(SignInMethod::Google);
        }
        methods
    }
}

/// The columns a `User` is read from, from `users u`.
#[macro_export]
macro_rules! user_columns {
    () => {
        concat!(
            "u.id, u.email, u.username, u.password_hash, u.role, u.email_verified_at, ",
            "u.disabled_at, u.created_at, u.credentials_reset_at, ",
            "(SELECT COUNT(*) FROM identities i WHERE i.user_id = u.id) AS identity_count"
        )
    };
}

/// `SELECT <every column of User> FROM users u <rest>` as a static string.
macro_rules! select_users {
    ($rest:literal) => {
        concat!("SELECT ", $crate::user_columns!(), " FROM users u ", $rest)
    };
}

/// The one account `query` (a `select_users!` with one `$1`) finds for `value`.
async fn by_column<'c>(
    ex: impl Executor<'c, Database = Any>,
    query: &'static str,
    value: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(query).bind(value).fetch_optional(ex).await
}

pub async fn by_email<'c>(
    ex: impl Executor<'c, Database = Any>,
    email: &str,
) -> Result<Option<User>, sqlx::Error> {
    by_column(ex, select_users!("WHERE u.email = $1"), email).await
}

pub async fn by_username<'c>(
    ex: impl Executor<'c, Database = Any>,
    username: &str,
) -> Result<Option<User>, sqlx::Error> {
    by_column(ex, select_users!("WHERE u.username = $1"), username).await
}

pub async fn by_id<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
) -> Result<Option<User>, sqlx::Error> {
    by_column(ex, select_users!("WHERE u.id = $1"), id.as_str()).await
}

/// The account an identifier names (already normalised by the caller).
pub async fn by_login<'c>(
    ex: impl Executor<'c, Database = Any>,
    identifier: &Identifier,
) -> Result<Option<User>, sqlx::Error> {
    match identifier {
        Identifier::Email(email) => by_email(ex, email).await,
        Identifier::Username(username) => by_username(ex, username).await,
    }
}

/// Every account, oldest first.
pub async fn all<'c>(ex: impl Executor<'c, Database = Any>) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query_as(select_users!("ORDER BY u.created_at, u.id"))
        .fetch_all(ex)
        .await
}

/// Disables the account (`Some(time)`) or enables it again (`None`).
pub async fn set_disabled<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    disabled_at: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET disabled_at = $1, updated_at = $2 WHERE id = $3")
        .bind(disabled_at)
        .bind(now)
        .bind(id.as_str())
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn set_role<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    role: console_api::Role,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now)
        .bind(id.as_str())
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn username_taken<'c>(
    ex: impl Executor<'c, Database = Any>,
    username: &str,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT COUNT(*) FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(ex)
        .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

pub struct NewUser<'a> {
    pub id: &'a UserId,
    pub email: &'a str,
    pub username: &'a str,
    /// `None` for an account that signs in through a provider only.
    pub password_hash: Option<&'a str>,
    /// Set when the address is already known to belong to the user (a provider vouched).
    pub email_verified_at: Option<i64>,
    pub now: i64,
}

/// Inserts the account unless the email is taken; returns whether a row was added.
pub async fn insert<'c>(
    ex: impl Executor<'c, Database = Any>,
    user: &NewUser<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO users \
           (id, email, username, password_hash, email_verified_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (email) DO NOTHING",
    )
    .bind(user.id.as_str())
    .bind(user.email)
    .bind(user.username)
    .bind(user.password_hash)
    .bind(user.email_verified_at)
    .bind(user.now)
    .bind(user.now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_verified<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1), updated_at = $2 \
         WHERE id = $3",
    )
    .bind(now)
    .bind(now)
    .bind(id.as_str())
    .execute(ex)
    .await?;
    Ok(())
}

/// Marks the address verified and removes any password: used when a provider proves the
/// address belongs to someone signing in, since whoever set that password on the unverified
/// account may have registered another person's address (OA4).
pub async fn verify_and_remove_password<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET email_verified_at = $1, password_hash = NULL, updated_at = $2 \
         WHERE id = $3",
    )
    .bind(now)
    .bind(now)
    .bind(id.as_str())
    .execute(ex)
    .await?;
    Ok(())
}

/// A free username derived from the address: the address's own name, then a few short
/// random suffixes, then a long one. The number of lookups is bounded whatever names exist.
pub async fn unique_username<'c>(
    ex: impl Executor<'c, Database = Any> + Copy,
    email: &str,
) -> Result<String, sqlx::Error> {
    const SHORT_TRIES: usize = 4;
    let base = crate::validate::username_from_email(email);
    if !username_taken(ex, &base).await? {
        return Ok(base);
    }
    for _ in 0..SHORT_TRIES {
        let suffix = u16::from_le_bytes(crate::auth::random::bytes::<2>()) % 10_000;
        let candidate = format!("{base}-{suffix:04}");
        if !username_taken(ex, &candidate).await? {
            return Ok(candidate);
        }
    }
    // 48 random bits: taken only by a collision no one can arrange. The insert's unique
    // constraint still guards the impossible case.
    let short: String = base.chars().take(19).collect();
    Ok(format!("{short}-{}", crate::auth::random::hex_token(6)))
}

/// Several signups used this unverified address: its pending password is dropped. False
/// when the address was verified meanwhile.
pub async fn forget_pending_password<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET password_hash = NULL, updated_at = $1 \
         WHERE id = $2 AND email_verified_at IS NULL",
    )
    .bind(now)
    .bind(id.as_str())
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The password a new verification link for this unverified account carries: `None` (no
/// row) once it was verified, `Some(None)` when several signups used the address. Read with
/// a write, so a signup that drops the pending password cannot slip between read and link.
pub async fn pending_password<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    now: i64,
) -> Result<Option<Option<String>>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE users SET updated_at = $1 WHERE id = $2 AND email_verified_at IS NULL \
         RETURNING password_hash",
    )
    .bind(now)
    .bind(id.as_str())
    .fetch_optional(ex)
    .await?;
    row.map(|row| row.try_get("password_hash")).transpose()
}

/// Claims a username asked for at signup, if nobody has it; false otherwise.
pub async fn claim_username<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    username: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET username = $1, updated_at = $2 WHERE id = $3 \
         AND NOT EXISTS (SELECT 1 FROM users other WHERE other.username = $4)",
    )
    .bind(username)
    .bind(now)
    .bind(id.as_str())
    .bind(username)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Verifies the address through a mailed link and makes the password that link carries the
/// account's (none, for a link that carries none). Returns false when the address was
/// already verified: a link then changes nothing.
pub async fn verify_with_link<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    password_hash: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET email_verified_at = $1, \
         password_hash = $2, updated_at = $3 \
         WHERE id = $4 AND email_verified_at IS NULL",
    )
    .bind(now)
    .bind(password_hash)
    .bind(now)
    .bind(id.as_str())
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a new password hash.
pub async fn set_password<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(id.as_str())
        .execute(ex)
        .await?;
    Ok(())
}

/// Moves the account to a new address (verified: its link was opened there), unless another
/// account has it by now; false then.
pub async fn set_email<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    email: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET email = $1, email_verified_at = $2, updated_at = $3 \
         WHERE id = $4 AND NOT EXISTS (SELECT 1 FROM users WHERE email = $5)",
    )
    .bind(email)
    .bind(now)
    .bind(now)
    .bind(id.as_str())
    .bind(email)
    .execute(ex)
    .await;
    match done {
        Ok(done) => Ok(done.rows_affected() == 1),
        // Two accounts confirming one address at once: the unique index decides.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Removes the account and, through the schema's cascades, everything of it (sessions,
/// links, keys, identities, two-factor); only its id and dates stay, in `deleted_accounts`.
pub async fn delete(
    conn: &mut sqlx::AnyConnection,
    user: &User,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO deleted_accounts (user_id, created_at, deleted_at) VALUES ($1, $2, $3)",
    )
    .bind(user.id.as_str())
    .bind(user.created_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user.id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Locks the account's row for the rest of the transaction on PostgreSQL (SQLite already
/// runs one writer at a time), so that changes to its credentials take turns.
pub async fn lock(
    conn: &mut sqlx::AnyConnection,
    dialect: super::Dialect,
    id: &UserId,
) -> Result<(), sqlx::Error> {
    if dialect == super::Dialect::Postgres {
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(id.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Replaces a hash with a stronger one of the same password, unless it changed meanwhile.
pub async fn upgrade_hash<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    old: &str,
    new: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND password_hash = $4",
    )
    .bind(new)
    .bind(now)
    .bind(id.as_str())
    .bind(old)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records an account recovery: browsers trusted before it are trusted no more.
pub async fn mark_credentials_reset<'c>(
    ex: impl Executor<'c, Database = Any>,
    id: &UserId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET credentials_reset_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id.as_str())
        .execute(ex)
        .await?;
    Ok(())
}
