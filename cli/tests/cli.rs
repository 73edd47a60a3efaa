//! `msgsg` against the real server: login, whoami, logout, and the token file.

use std::{
    io::Write,
    os::unix::fs::PermissionsExt,
    path::Path,
    process::{Command, Output, Stdio},
};
use testkit::{Backend, Options, PASSWORD, TestApp};

/// The console for these tests: SQLite, mail through maildev, locked after three failures.
async fn console() -> TestApp {
    TestApp::spawn(Options::new(Backend::Sqlite).set("LOCKOUT_THRESHOLD", 3)).await
}

/// Creates a verified account `name@example.com` (username `name`) through the API and the
/// mailed link.
async fn account(console: &TestApp, name: &str) {
    let email = format!("{name}@example.com");
    let reply = console
        .post(
            "/api/auth/signup",
            serde_json::json!({"email": email, "password": PASSWORD, "username": name}),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let token = console.token_from_mail(&email, 0, "/verify-email").await;
    let reply = console
        .post(
            "/api/auth/verify-email",
            serde_json::json!({"token": token}),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
}

/// Runs `msgsg` with its own HOME; `stdin` is typed in.
async fn msgsg(console: &TestApp, home: &Path, args: &[&str], stdin: &str) -> Output {
    msgsg_with(&console.base, home, args, stdin, None).await
}

/// Runs `msgsg` against `base` with `MSGSG_API_KEY` set to `api_key` (when given).
async fn msgsg_with(
    base: &str,
    home: &Path,
    args: &[&str],
    stdin: &str,
    api_key: Option<&str>,
) -> Output {
    let (base, home, stdin) = (base.to_owned(), home.to_owned(), stdin.to_owned());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let api_key = api_key.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_msgsg"));
        command.env_remove("MSGSG_API_KEY");
        if let Some(key) = api_key {
            command.env("MSGSG_API_KEY", key);
        }
        let mut child = command
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
    let me = console.get_auth("/api/auth/me", &token).await;
    assert_eq!(me.status, 401);

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
async fn a_machine_that_signed_in_before_is_not_locked_out_by_strangers() {
    let console = console().await;
    account(&console, "carol").await;
    let home = tempfile::tempdir().unwrap();
    let login = |home: std::path::PathBuf| {
        let console = &console;
        async move {
            msgsg(
                console,
                &home,
                &["login", "carol", "--password-stdin"],
                &format!("{PASSWORD}\n"),
            )
            .await
        }
    };
    assert_eq!(login(home.path().to_owned()).await.status.code(), Some(0));
    let device = home.path().join(".msgsg_device");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&device).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A stranger floods the account with wrong passwords until it locks.
    for _ in 0..3 {
        console
            .post(
                "/api/auth/login",
                serde_json::json!({"username": "carol", "password": "a stranger's guess here"}),
            )
            .await;
    }
    let stranger = tempfile::tempdir().unwrap();
    let out = login(stranger.path().to_owned()).await;
    assert!(
        text(&out.stderr).contains("locked"),
        "{}",
        text(&out.stderr)
    );
    // This machine signed in before: it still can.
    let out = login(home.path().to_owned()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_names_the_url() {
    let home = tempfile::tempdir().unwrap();
    let out = msgsg_with(
        "http://127.0.0.1:9",
        home.path(),
        &["login", "carol", "--password-stdin"],
        "whatever password\n",
        None,
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

/// A fresh HOME signed in as `name`.
async fn signed_in(console: &TestApp, name: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let out = msgsg(
        console,
        home.path(),
        &["login", name, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    home
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_lifecycle() {
    let console = console().await;
    account(&console, "erin").await;
    let home = signed_in(&console, "erin").await;
    let nowhere = tempfile::tempdir().unwrap();

    let out = msgsg(
        &console,
        home.path(),
        &[
            "apikey",
            "create",
            "--name",
            "Backup Script",
            "--expires",
            "90d",
        ],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("Created API key \"Backup Script\""),
        "{shown}"
    );
    assert!(shown.contains("not shown again"), "{shown}");
    let key = shown
        .lines()
        .find(|l| l.starts_with("msgsg_"))
        .expect("the key on a line of its own")
        .to_owned();
    assert_eq!(key.len(), "msgsg_".len() + 64);

    let created = json(
        &msgsg(
            &console,
            home.path(),
            &[
                "apikey",
                "create",
                "--name",
                "Short",
                "--expires",
                "1d",
                "--json",
            ],
            "",
        )
        .await,
    );
    let short_key = created["key"].as_str().unwrap().to_owned();
    let lifetime = created["expiresAt"].as_i64().unwrap() - created["createdAt"].as_i64().unwrap();
    assert_eq!(lifetime, 86_400);

    // Lists show names and prefixes, never a key.
    let out = msgsg(&console, home.path(), &["apikey", "list"], "").await;
    let listed = text(&out.stdout);
    assert!(
        listed.contains("Backup Script") && listed.contains(&key[..14]),
        "{listed}"
    );
    assert!(!listed.contains(&key) && !listed.contains(&short_key));
    let keys = json(&msgsg(&console, home.path(), &["apikey", "list", "--json"], "").await);
    assert_eq!(keys.as_array().unwrap().len(), 2);
    assert!(keys[0].get("key").is_none());
    let backup_id = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "Backup Script")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The key works without any token file, as its owner.
    let me = json(&msgsg_with(&console.base, nowhere.path(), &["whoami"], "", Some(&key)).await);
    assert_eq!(me["username"], "erin");
    assert_eq!(me["role"], "user");

    // A key cannot manage keys (credentials).
    let out = msgsg_with(
        &console.base,
        nowhere.path(),
        &["apikey", "create", "--name", "Sneaky"],
        "",
        Some(&key),
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("permission denied"),
        "{}",
        text(&out.stderr)
    );

    // Revoked: refused at once.
    let out = msgsg(&console, home.path(), &["apikey", "revoke", &backup_id], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("Revoked API key {backup_id}.\n"));
    let out = msgsg_with(&console.base, nowhere.path(), &["whoami"], "", Some(&key)).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("unauthorized"),
        "{}",
        text(&out.stderr)
    );
    let out = msgsg(&console, home.path(), &["apikey", "revoke", &backup_id], "").await;
    assert_eq!(out.status.code(), Some(1));

    // Expired: refused once its day is over.
    let out = msgsg_with(
        &console.base,
        nowhere.path(),
        &["whoami"],
        "",
        Some(&short_key),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    console.state.clock.advance(86_401);
    let out = msgsg_with(
        &console.base,
        nowhere.path(),
        &["whoami"],
        "",
        Some(&short_key),
    )
    .await;
    assert_eq!(out.status.code(), Some(3));

    // Usage errors are exit code 2.
    let out = msgsg(
        &console,
        home.path(),
        &["apikey", "create", "--name", "x", "--expires", "5y"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
}

async fn promote(console: &TestApp, who: &str, role: &str) {
    let args = vec!["promote".to_owned(), who.to_owned(), role.to_owned()];
    let done = server::operator::run(&args, &console.state.config)
        .await
        .expect("an operator command")
        .expect("promoted");
    assert!(done.contains(&format!("is now {role}")), "{done}");
    // The running console trusts a checked session for up to a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_gate_the_admin_commands() {
    let console = console().await;
    for name in ["root", "adam", "uma"] {
        account(&console, name).await;
    }
    promote(&console, "root", "super_admin").await;
    let (root, adam, uma) = (
        signed_in(&console, "root").await,
        signed_in(&console, "adam").await,
        signed_in(&console, "uma").await,
    );

    // A plain user is told which role is needed.
    let out = msgsg(&console, uma.path(), &["user", "list"], "").await;
    assert_eq!(out.status.code(), Some(3));
    let said = text(&out.stderr);
    assert!(
        said.contains("permission denied") && said.contains("admin role"),
        "{said}"
    );

    // Only a super_admin hands out roles.
    let out = msgsg(
        &console,
        root.path(),
        &["user", "role", "adam", "admin"],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "adam is now admin.\n");
    let out = msgsg(&console, adam.path(), &["user", "role", "uma", "admin"], "").await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("super_admin role"),
        "{}",
        text(&out.stderr)
    );

    // An admin lists, disables and enables users, but not peers or superiors.
    let users = json(&msgsg(&console, adam.path(), &["user", "list", "--json"], "").await);
    let roles: Vec<(String, String)> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["username"].as_str().unwrap().into(),
                u["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        roles.contains(&("root".into(), "super_admin".into())),
        "{roles:?}"
    );
    assert!(
        roles.contains(&("adam".into(), "admin".into())),
        "{roles:?}"
    );
    assert!(roles.contains(&("uma".into(), "user".into())), "{roles:?}");
    let out = msgsg(&console, adam.path(), &["user", "list"], "").await;
    assert!(
        text(&out.stdout).starts_with("USERNAME"),
        "{}",
        text(&out.stdout)
    );

    let out = msgsg(&console, adam.path(), &["user", "disable", "uma"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Their session ended, and they cannot sign in again.
    let out = msgsg(&console, uma.path(), &["whoami"], "").await;
    assert_eq!(out.status.code(), Some(3));
    let out = msgsg(
        &console,
        uma.path(),
        &["login", "uma", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("disabled"),
        "{}",
        text(&out.stderr)
    );
    let out = msgsg(
        &console,
        adam.path(),
        &["user", "enable", "uma@example.com"],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    signed_in(&console, "uma").await;

    for target in ["root", "adam"] {
        let out = msgsg(&console, adam.path(), &["user", "disable", target], "").await;
        assert_eq!(out.status.code(), Some(3), "{target}");
    }
    let out = msgsg(&console, root.path(), &["user", "disable", "nobody"], "").await;
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_asks_for_the_second_factor() {
    let console = console().await;
    account(&console, "gwen").await;
    let token = console.login("gwen", PASSWORD).await.json["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (secret, recovery) = console.enable_two_factor(&token).await;

    // Scripts pass the code with --code.
    let home = tempfile::tempdir().unwrap();
    let code = testkit::totp_code(&secret, console.clock.now());
    let out = msgsg(
        &console,
        home.path(),
        &["login", "gwen", "--password-stdin", "--code", &code],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Authenticated as gwen"));
    let status = msgsg(&console, home.path(), &["2fa", "status"], "").await;
    assert!(
        text(&status.stdout).contains("on (10 recovery codes left)"),
        "{}",
        text(&status.stdout)
    );

    // The same code again is refused, with the reason.
    let other = tempfile::tempdir().unwrap();
    let out = msgsg(
        &console,
        other.path(),
        &["login", "gwen", "--password-stdin", "--code", &code],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Wrong code"),
        "{}",
        text(&out.stderr)
    );
    assert!(!other.path().join(".msgsg_token").exists());

    // At a terminal it is asked for after the password; a recovery code works too.
    console.clock.advance(30);
    let (base, home_path) = (console.base.clone(), other.path().to_owned());
    let code = testkit::totp_code(&secret, console.clock.now());
    tokio::task::spawn_blocking(move || {
        for answer in [code, recovery[0].clone()] {
            let mut command = Command::new(env!("CARGO_BIN_EXE_msgsg"));
            command
                .args(["login", "gwen"])
                .env("HOME", &home_path)
                .env("MSGSG_API_URL", &base);
            let mut session = rexpect::session::spawn_command(command, Some(15_000)).unwrap();
            session.exp_string("Password: ").unwrap();
            session.send_line(PASSWORD).unwrap();
            session.exp_string("2FA code: ").unwrap();
            session.send_line(&answer).unwrap();
            session.exp_string("Authenticated as gwen").unwrap();
            session.exp_eof().unwrap();
        }
    })
    .await
    .unwrap();
    assert!(other.path().join(".msgsg_token").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_listed_and_ended() {
    let console = console().await;
    account(&console, "hana").await;
    let laptop = signed_in(&console, "hana").await;
    let server = signed_in(&console, "hana").await;

    let listed = json(&msgsg(&console, laptop.path(), &["--json", "sessions"], "").await);
    let sessions = listed.as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{listed}");
    assert!(sessions.iter().all(|s| s["device"] == "msgsg command line"));
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let table = msgsg(&console, laptop.path(), &["sessions"], "").await;
    assert!(
        text(&table.stdout).contains("(this one)"),
        "{}",
        text(&table.stdout)
    );

    let out = msgsg(&console, laptop.path(), &["sessions", "revoke", &other], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = msgsg(&console, server.path(), &["whoami"], "").await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));

    let again = signed_in(&console, "hana").await;
    let out = msgsg(&console, laptop.path(), &["sessions", "revoke-others"], "").await;
    assert!(
        text(&out.stdout).contains("Ended 1 other sessions."),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        msgsg(&console, again.path(), &["whoami"], "")
            .await
            .status
            .code(),
        Some(3)
    );
    assert!(
        msgsg(&console, laptop.path(), &["whoami"], "")
            .await
            .status
            .success()
    );
}
