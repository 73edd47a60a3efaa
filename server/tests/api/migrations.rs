//! The schema: SQL files applied by sqlx, and databases made before them upgrading in place
//! with every account kept.

use reqwest::StatusCode;
use sqlx::Executor;
use testkit::{Backend, Options, PASSWORD, TestApp};

/// Made by the release whose migrations lived in Rust: one verified account,
/// `keeper@example.com` (username `keeper`) with the kit's password, and one signup left
/// unverified, `pending@example.com`.
const LEGACY_SQLITE: &[u8] = include_bytes!("../fixtures/legacy-runner.sqlite3");

/// How many migrations the schema has: every one must be applied after an upgrade.
fn migration_files() -> i64 {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("sql".as_ref()))
        .count() as i64
}

async fn assert_upgraded(app: &TestApp) {
    assert!(migration_files() >= 6);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .await,
        migration_files()
    );
    let legacy = match app.backend {
        Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migrations'",
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        }
    };
    assert_eq!(app.count(legacy).await, 0, "the old table is gone");
    let reply = app.login("keeper@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = app.login("keeper", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_file_of_the_previous_release_keeps_its_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("console.db");
    std::fs::write(&file, LEGACY_SQLITE).unwrap();
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let app = TestApp::spawn(Options::new(Backend::Sqlite).set("DATABASE_URL", &url)).await;
    assert_upgraded(&app).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);

    // A restart finds every file applied, with matching checksums, and applies nothing.
    let app = app.restart().await;
    assert_upgraded(&app).await;
}

/// PostgreSQL as the previous release left it: the same SQL, its versions in
/// `schema_migrations`, and an account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(skip_postgres, ignore = "SKIP_POSTGRES=1")]
async fn a_postgres_database_of_the_previous_release_keeps_its_accounts() {
    let url = testkit::postgres::fresh_database().await;
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    for file in [
        include_str!("../../migrations/postgres/0001_accounts_tokens_sessions_outbox.sql"),
        include_str!("../../migrations/postgres/0002_openid_identities.sql"),
        include_str!("../../migrations/postgres/0003_api_keys.sql"),
        include_str!("../../migrations/postgres/0004_takeover_defences.sql"),
    ] {
        pool.execute(file).await.unwrap();
    }
    pool.execute(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL);
         INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0), (4, 0);",
    )
    .await
    .unwrap();
    let hash = server::auth::password::Worker::default().hash(PASSWORD);
    sqlx::query(
        "INSERT INTO users (id, email, username, password_hash, role, email_verified_at, created_at, updated_at) \
         VALUES ('legacy-keeper', 'keeper@example.com', 'keeper', $1, 'user', 1, 1, 1)",
    )
    .bind(hash)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let app = TestApp::spawn(Options::new(Backend::Postgres).set("DATABASE_URL", &url)).await;
    assert_upgraded(&app).await;
    let app = app.restart().await;
    assert_upgraded(&app).await;
}
