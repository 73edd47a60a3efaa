//! Storage: one pool for SQLite (default) or PostgreSQL, chosen by `DATABASE_URL` at run time.
//! Queries use `$n` placeholders in ascending order, which both drivers accept.

pub mod api_keys;
pub mod identities;
pub mod login_throttle;
mod migrations;
pub mod oauth_states;
pub mod outbox;
pub mod sessions;
pub mod tokens;
pub mod two_factor;
pub mod users;

use sqlx::{
    AnyPool, Executor,
    any::{AnyPoolOptions, install_default_drivers},
};
use std::{path::Path, time::Duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
}

impl Db {
    /// Connects, creating the SQLite file and its folder when needed, and brings the schema
    /// up to date.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        };
        if dialect == Dialect::Sqlite
            && let Some(parent) = sqlite_path(url).and_then(|p| p.parent().map(Path::to_owned))
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(&parent).map_err(sqlx::Error::Io)?;
        }
        let options = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL lets readers run beside the one writer; the busy timeout makes
                        // writers wait for each other instead of failing.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            });
        let pool = options.connect(url).await?;
        let db = Db { pool, dialect };
        migrations::run(&db).await?;
        Ok(db)
    }
}

fn sqlite_path(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| Path::new(path))
}

/// A fresh random id for a row (128 bits, hex), as the id type the row needs.
pub fn new_id<Id: From<String>>() -> Id {
    Id::from(crate::auth::random::hex_token(16))
}
