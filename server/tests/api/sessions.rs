//! Sessions: disabled accounts, forged tokens, cookie writes from other origins, restarts.

use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use testkit::{Backend, Options, PASSWORD, Reply, TestApp, backend_tests, email};

backend_tests!(
    disabled_accounts_lose_their_sessions,
    forged_and_foreign_tokens_are_refused,
    cookie_sessions_need_the_console_origin_for_writes,
    secret_and_sessions_survive_a_restart,
);

fn app(backend: Backend) -> Options {
    Options::new(backend)
}

async fn disabled_accounts_lose_their_sessions(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("disabled");
    let token = app.signed_in(&address).await;
    assert_eq!(
        app.get_auth("/api/auth/me", &token).await.status,
        StatusCode::OK
    );
    // An operator disables the account directly in the database: the session ends within
    // the session cache's lifetime (1 s by default).
    app.sql(&format!(
        "UPDATE users SET disabled_at = 1 WHERE email = '{address}'"
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.get_auth("/api/auth/me", &token)
        .await
        .assert_error(403, "ACCOUNT_DISABLED");
    app.login(&address, PASSWORD)
        .await
        .assert_error(403, "ACCOUNT_DISABLED");
    // With a wrong password it is just a failed login.
    app.login(&address, "wrong password, long enough")
        .await
        .assert_error(401, "UNAUTHORIZED");
}

async fn forged_and_foreign_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let token = app.signed_in(&email("forge")).await;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let tampered = {
        let mut sig = parts[2].clone().into_bytes();
        sig[0] = if sig[0] == b'A' { b'B' } else { b'A' };
        format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            String::from_utf8(sig).unwrap()
        )
    };
    parts[0] = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0".into(); // {"alg":"none","typ":"JWT"}
    let none = format!("{}.{}.", parts[0], parts[1]);
    let other_server = server::auth::jwt::Jwt::new(&[7u8; 32]);
    let claims_user = app.get_auth("/api/auth/me", &token).await.json["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = other_server.issue(
        server::auth::jwt::Kind::Session,
        &claims_user.into(),
        &"sid".into(),
        app.clock.now(),
        600,
    );
    for bad in [tampered, none, foreign, String::new(), "garbage".into()] {
        app.get_auth("/api/auth/me", &bad)
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    app.get("/api/auth/me")
        .await
        .assert_error(401, "UNAUTHORIZED");
    // Sessions expire with their JWT.
    app.clock.advance(7 * 24 * 3600 + 120);
    app.get_auth("/api/auth/me", &token)
        .await
        .assert_error(401, "UNAUTHORIZED");
}

async fn cookie_sessions_need_the_console_origin_for_writes(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("cookie");
    app.verified_account(&address).await;
    let login = app.login(&address, PASSWORD).await;
    let cookie = login
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("msgsg_session="))
        .expect("a session cookie")
        .to_owned();
    for attribute in ["msgsg_session=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http in tests");
    let pair = cookie.split(';').next().unwrap().to_owned();
    let me = Reply::read(
        app.http
            .get(app.url("/api/auth/me"))
            .header("cookie", &pair)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me.status, StatusCode::OK);
    let logout = |origin: Option<&'static str>| {
        let app = &app;
        let pair = pair.clone();
        async move {
            let mut request = app
                .http
                .post(app.url("/api/auth/logout"))
                .header("cookie", pair)
                .json(&json!({}));
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            Reply::read(request.send().await.unwrap()).await
        }
    };
    logout(None).await.assert_error(403, "FORBIDDEN");
    logout(Some("http://evil.example"))
        .await
        .assert_error(403, "FORBIDDEN");
    let reply = logout(Some("http://console.test:8080")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
}

async fn secret_and_sessions_survive_a_restart(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("restart");
    let token = app.signed_in(&address).await;
    if backend == Backend::Sqlite {
        // Generated once and kept (PostgreSQL refuses to start without a configured one).
        let secret = app.dir.path().join("jwt-secret");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(std::fs::read_to_string(&secret).unwrap().len() >= 64);
    }
    let app = app.restart().await;
    assert_eq!(
        app.get_auth("/api/auth/me", &token).await.status,
        StatusCode::OK
    );
}
