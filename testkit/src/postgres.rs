//! A throwaway PostgreSQL cluster for the test run (or `TEST_DATABASE_URL`), and a fresh
//! database per test.

use super::maildev::free_port;
use sqlx::{Connection, Executor};
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Mutex,
    time::{Duration, Instant},
};
use tokio::sync::OnceCell;

struct Cluster {
    admin_url: String,
    _process: Mutex<Child>,
    _dir: tempfile::TempDir,
}

static CLUSTER: OnceCell<Cluster> = OnceCell::const_new();

/// A URL to a new, empty database on the run's one cluster. Without PostgreSQL this fails:
/// install it, point `TEST_DATABASE_URL` at one, or build the tests with `SKIP_POSTGRES=1`.
pub async fn fresh_database() -> String {
    let admin_url = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => url,
        Err(_) => CLUSTER.get_or_init(start_cluster).await.admin_url.clone(),
    };
    sqlx::any::install_default_drivers();
    let name = format!("t_{}", server::auth::random::hex_token(6));
    let mut admin = sqlx::AnyConnection::connect(&admin_url)
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create a test database");
    let (base, _) = admin_url.rsplit_once('/').expect("a database URL");
    format!("{base}/{name}")
}

fn pg_bin() -> PathBuf {
    std::env::var_os("PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `initdb` refuses to run as root: run the server as `postgres` then.
fn command(program: &Path, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

async fn start_cluster() -> Cluster {
    let bin = pg_bin();
    assert!(
        bin.join("initdb").exists(),
        "PostgreSQL is missing (no {}): install postgresql-15, set PG_BIN or TEST_DATABASE_URL, \
         or run with SKIP_POSTGRES=1 to mark the PostgreSQL tests ignored",
        bin.join("initdb").display()
    );
    let root = is_root();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    if root {
        let ok = Command::new("chown")
            .args(["-R", "postgres"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown the PostgreSQL test directory");
    }
    let status = command(&bin.join("initdb"), root)
        .args(["-D"])
        .arg(&data)
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run initdb");
    assert!(status.success(), "initdb failed");
    let port = free_port();
    // The shell ends the server when the test process (and so this pipe) goes away.
    let script = format!(
        "\"{}\" -D \"{}\" -p {port} -k \"{}\" -c listen_addresses=127.0.0.1 -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
         >/dev/null 2>&1 & pid=$!; read _; kill $pid; wait",
        bin.join("postgres").display(),
        data.display(),
        dir.path().display()
    );
    let process = command(Path::new("sh"), root)
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .spawn()
        .expect("start postgres");
    let admin_url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    sqlx::any::install_default_drivers();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if sqlx::AnyConnection::connect(&admin_url).await.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "PostgreSQL did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Cluster {
        admin_url,
        _process: Mutex::new(process),
        _dir: dir,
    }
}
