//! Schema migrations: the SQL files under `server/migrations/<dialect>/`, embedded at build
//! time and applied by sqlx at start (checksums in `_sqlx_migrations`; PostgreSQL replicas
//! starting together take turns through sqlx's advisory lock). `sqlx migrate run --source
//! server/migrations/sqlite` applies the same files by hand.

use super::{Db, Dialect};
use sqlx::{
    Executor,
    migrate::{Migrate, MigrateError, Migrator},
};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

const TABLE: &str = "_sqlx_migrations";

pub async fn run(db: &Db) -> Result<(), MigrateError> {
    let migrator = match db.dialect {
        Dialect::Sqlite => &SQLITE,
        Dialect::Postgres => &POSTGRES,
    };
    adopt_legacy_runner(db, migrator).await?;
    migrator.run(&db.pool).await
}

/// Databases made before the schema lived in SQL files recorded their versions in
/// `schema_migrations`, with the very same SQL. Those versions are recorded for sqlx (with the
/// files' checksums) and the old table is dropped, in one transaction, so such a database
/// upgrades in place and nothing is applied twice (a version sqlx already records is kept).
async fn adopt_legacy_runner(db: &Db, migrator: &Migrator) -> Result<(), MigrateError> {
    let mut tx = db.pool.begin().await?;
    if db.dialect == Dialect::Postgres {
        // The lock the old runner took: replicas of either release wait for each other.
        tx.execute("SELECT pg_advisory_xact_lock(73687367)").await?;
    }
    let exists = match db.dialect {
        Dialect::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        }
        Dialect::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
        }
    };
    let legacy: i64 = sqlx::query_scalar(exists).fetch_one(&mut *tx).await?;
    if legacy == 0 {
        return Ok(());
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *tx)
        .await?;
    tx.ensure_migrations_table(TABLE).await?;
    for migration in migrator.iter().filter(|m| applied.contains(&m.version)) {
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO NOTHING",
        )
        .bind(migration.version)
        .bind(migration.description.to_string())
        .bind(true)
        .bind(migration.checksum.to_vec())
        .bind(0_i64)
        .execute(&mut *tx)
        .await?;
    }
    tx.execute("DROP TABLE schema_migrations").await?;
    tx.commit().await?;
    tracing::info!(
        versions = ?applied,
        "recorded the schema versions of an older release for sqlx"
    );
    Ok(())
}
