//! Serving: security headers on pages and API, and configuration errors at start.

use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use testkit::{Backend, Options, TestApp, email};

#[tokio::test]
async fn pages_and_api_carry_security_headers() {
    let app = TestApp::spawn(Options::new(Backend::Sqlite)).await;
    for path in ["/", "/api/auth/me", "/healthz"] {
        let reply = app.get(path).await;
        assert_eq!(reply.headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(reply.headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(reply.headers["cross-origin-opener-policy"], "same-origin");
        assert!(reply.headers.contains_key("permissions-policy"));
    }
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Your accounts, on your own server"));
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"));
}

#[tokio::test]
async fn request_ids_are_made_kept_or_replaced_and_echoed() {
    let app = TestApp::spawn(Options::new(Backend::Sqlite)).await;
    let id_of = |headers: Option<&str>| {
        let mut request = app.http.get(app.url("/api/auth/me"));
        if let Some(id) = headers {
            request = request.header("x-request-id", id);
        }
        async move {
            let response = request.send().await.unwrap();
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    let made = id_of(None).await;
    assert_eq!(made.len(), 36, "a UUID: {made}");
    assert_ne!(made, id_of(None).await, "one id per request");
    assert_eq!(id_of(Some("lb-7f3a.42")).await, "lb-7f3a.42");
    for unusable in [
        "x".repeat(65),
        "two words".to_owned(),
        "a\"quote".to_owned(),
    ] {
        let replaced = id_of(Some(&unusable)).await;
        assert_eq!(replaced.len(), 36, "{unusable:?} became {replaced}");
    }
}

#[test]
fn bad_configuration_stops_the_server_with_one_line() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env("LOG_FORMAT", "yaml")
        .env("DATA_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "error: LOG_FORMAT must be text or json, not \"yaml\""
    );

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env("PUBLIC_URL", "not a url")
        .env("DATA_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: PUBLIC_URL"), "{stderr}");
}

/// `LOG_FORMAT=json`: every line a JSON object, and an auth event carries the id of the
/// request it happened in; the password sent never appears.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_follow_a_request_by_its_id() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("DATA_DIR", dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/console.db?mode=rwc", dir.path().display()),
        )
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTOS_SITE_ROOT", dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (lines, received) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut seen: Vec<serde_json::Value> = Vec::new();
    let next = |what: &str, seen: &mut Vec<serde_json::Value>| loop {
        let line = received
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no log line with {what:?}"));
        let parsed: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: not JSON: {line}"));
        seen.push(parsed.clone());
        if line.contains(what) {
            break parsed;
        }
    };
    let listening = next("console listening on", &mut seen);
    let message = listening["fields"]["message"].as_str().unwrap();
    let addr = message
        .strip_prefix("console listening on http://")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    let secret = "a passphrase that must never be logged";
    let reply = reqwest::Client::new()
        .post(format!("http://{addr}/api/auth/signup"))
        .header("x-request-id", "follow-me-42")
        .json(&json!({"email": email("logged"), "password": secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let created = next("account created", &mut seen);
    assert_eq!(created["span"]["id"], "follow-me-42", "{created}");
    assert_eq!(created["span"]["path"], "/api/auth/signup", "{created}");
    let _ = child.kill();
    let _ = child.wait();
    for line in &seen {
        assert!(!line.to_string().contains(secret), "{line}");
    }
}

/// The pages state the server's own rules: its password length and how long its links
/// work, written into every page for the browser to read.
#[tokio::test]
async fn the_server_rules_reach_the_pages() {
    let app = TestApp::spawn(
        Options::new(Backend::Sqlite)
            .set("PASSWORD_MIN_LENGTH", 12)
            .set("RESET_TOKEN_TTL_SECONDS", 1800),
    )
    .await;
    let signup = app.get("/signup").await;
    assert!(
        signup.body.contains("At least 12 characters"),
        "{}",
        signup.body
    );
    assert!(!signup.body.contains("At least 15 characters"));
    let meta = signup
        .body
        .split(r#"<meta name="console-rules" content=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no rules in the page: {}", signup.body))
        .replace("&quot;", "\"");
    assert_eq!(
        meta,
        r#"{"passwordMinLength":12,"verifyLinkMinutes":1440,"resetLinkMinutes":30}"#
    );
}
