//! `msgsg` against the real server: login, whoami, logout, and the token file.

use std::{
    collections::HashMap,
    io::Write,
    os::unix::fs::PermissionsExt,
    path::Path,
    process::{Command, Output, Stdio},
};

const PASSWORD: &str = "correct horse battery staple";

struct Console {
    base: String,
    state: server::AppState,
    _dir: tempfile::TempDir,
}

async fn console() -> Console {
    let dir = tempfile::tempdir().unwrap();
    let settings: HashMap<&str, String> = HashMap::from([
        (
            "DATABASE_URL",
            format!("sqlite://{}/console.db?mode=rwc", dir.path().display()),
        ),
        ("DATA_DIR", dir.path().display().to_string()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".into()),
        ("RATE_LIMIT_PER_MINUTE", "100000".into()),
        ("LOCKOUT_THRESHOLD", "3".into()),
    ]);
    let config = server::Config::from_lookup(|k| settings.get(k).cloned()).unwrap();
    let leptos = leptos::config::LeptosOptions::builder()
        .output_name("console")
        .build();
    let running = server::start(config, leptos, server::Clock::default())
        .await
        .unwrap();
    Console {
        base: format!("http://{}", running.addr),
        state: running.state,
        _dir: dir,
    }
}

/// Creates a verified account `name@example.com` through the API and the outbox.
async fn account(console: &Console, name: &str) {
    let http = |path: &str, body: serde_json::Value| {
        let url = format!("{}{path}", console.base);
        async move {
            tokio::task::spawn_blocking(move || {
                ureq::post(&url)
                    .send_json(body)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
            .await
            .unwrap()
        }
    };
    let email = format!("{name}@example.com");
    http(
        "/api/auth/signup",
        serde_json::json!({"email": email, "password": PASSWORD, "username": name}),
    )
    .await
    .unwrap();
    // The verification link, read from the dev mailbox's outbox.
    let token = loop {
        let rows = server::db::outbox::recent(&console.state.db.pool, 10)
            .await
            .unwrap();
        let link = rows.iter().find_map(|row| {
            let mail = console.state.mailer.open(row.sealed.as_deref()?)?;
            (row.to_addr == email).then_some(mail.text)
        });
        if let Some(text) = link {
            let start = text.find("token=").unwrap() + 6;
            break text[start..start + 64].to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    http(
        "/api/auth/verify-email",
        serde_json::json!({"token": token}),
    )
    .await
    .unwrap();
}

/// Runs `msgsg` with its own HOME; `stdin` is typed in.
async fn msgsg(console: &Console, home: &Path, args: &[&str], stdin: &str) -> Output {
    let (base, home, stdin) = (console.base.clone(), home.to_owned(), stdin.to_owned());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_msgsg"))
            .args(&args)
            .env("HOME", &home)
            .env("MSGSG_API_URL", &base)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_whoami_logout() {
    let console = console().await;
    account(&console, "alice").await;
    let home = tempfile::tempdir().unwrap();

    let out = msgsg(
        &console,
        home.path(),
        &["login", "alice", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "Authenticated as alice\n");
    let file = home.path().join(".msgsg_token");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let token = std::fs::read_to_string(&file).unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT");

    let out = msgsg(&console, home.path(), &["whoami"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        shown,
        serde_json::json!({"username": "alice", "email": "alice@example.com", "role": "user", "authenticated": true})
    );

    let out = msgsg(&console, home.path(), &["logout"], "").await;
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "Session cleared.\n");
    assert!(!file.exists());
    // The session ended on the server too: the old token no longer works.
    let url = format!("{}/api/auth/me", console.base);
    let status = tokio::task::spawn_blocking(move || {
        match ureq::get(&url)
            .set("Authorization", &format!("Bearer {token}"))
            .call()
        {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(code, _)) => code,
            Err(e) => panic!("{e}"),
        }
    })
    .await
    .unwrap();
    assert_eq!(status, 401);

    let out = msgsg(&console, home.path(), &["whoami"], "").await;
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("unauthorized — run msgsg login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_prompts_for_the_username_and_explains_failures() {
    let console = console().await;
    account(&console, "bob").await;
    let home = tempfile::tempdir().unwrap();

    let out = msgsg(
        &console,
        home.path(),
        &["login", "--password-stdin"],
        "bob\nwrong password, long enough\n",
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stdout).starts_with("Username: "));
    assert!(
        text(&out.stderr).contains("wrong username or password"),
        "{}",
        text(&out.stderr)
    );
    assert!(!home.path().join(".msgsg_token").exists());

    // Locked after three failures (the test server's threshold).
    for _ in 0..2 {
        msgsg(
            &console,
            home.path(),
            &["login", "bob", "--password-stdin"],
            "wrong password, long enough\n",
        )
        .await;
    }
    let out = msgsg(
        &console,
        home.path(),
        &["login", "bob", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("locked"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_names_the_url() {
    let console = console().await;
    let home = tempfile::tempdir().unwrap();
    let dead = Console {
        base: "http://127.0.0.1:9".into(),
        state: console.state.clone(),
        _dir: tempfile::tempdir().unwrap(),
    };
    let out = msgsg(
        &dead,
        home.path(),
        &["login", "carol", "--password-stdin"],
        "whatever password\n",
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot reach http://127.0.0.1:9"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interactive_shell_hides_the_password() {
    let console = console().await;
    account(&console, "dana").await;
    let home = tempfile::tempdir().unwrap();
    let (base, home_path) = (console.base.clone(), home.path().to_owned());
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_msgsg"));
        command.env("HOME", &home_path).env("MSGSG_API_URL", &base);
        let mut shell = rexpect::session::spawn_command(command, Some(15_000)).unwrap();
        shell.exp_string("msgsg> ").unwrap();
        shell.send_line("login dana").unwrap();
        shell.exp_string("Password: ").unwrap();
        shell.send_line(PASSWORD).unwrap();
        let before = shell.exp_string("Authenticated as dana").unwrap();
        assert!(
            !before.contains(PASSWORD),
            "the password was echoed: {before:?}"
        );
        shell.exp_string("msgsg> ").unwrap();
        shell.send_line("whoami").unwrap();
        shell.exp_string("\"username\": \"dana\"").unwrap();
        shell.exp_string("msgsg> ").unwrap();
        shell.send_line("help").unwrap();
        shell.exp_string("whoami").unwrap();
        shell.exp_string("msgsg> ").unwrap();
        shell.send_line("exit").unwrap();
        shell.exp_eof().unwrap();
        let mode = std::fs::metadata(home_path.join(".msgsg_token"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    })
    .await
    .unwrap();
}
