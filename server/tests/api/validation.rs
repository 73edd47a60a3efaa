//! Input rules: the password policy, and bad input answered with VALIDATION_ERROR.

use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use testkit::{Backend, Options, PASSWORD, Reply, TestApp, backend_tests, email};

backend_tests!(password_policy, bad_input_is_a_validation_error,);

fn app(backend: Backend) -> Options {
    Options::new(backend)
}

async fn password_policy(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    for (password, why) in [
        ("short pass", "at least 15"),
        ("1q2w3e4r5t6y7u8i9o0p", "too common"),
        ("password12345678", "too common"),
        ("aaaaaaaaaaaaaaaaaaaa", "too few characters"),
    ] {
        let reply = app.signup(&email("policy"), password).await;
        reply.assert_error(400, "VALIDATION_ERROR");
        let field = reply.json["error"]["fields"]["password"].as_str().unwrap();
        assert!(field.contains(why), "{field}");
    }
    let address = "margaretthatcher@example.com";
    let reply = app.signup(address, "margaretthatcher2").await;
    reply.assert_error(400, "VALIDATION_ERROR");
    // 64 characters and more are fine.
    let long = "a sentence long enough to pass every rule of the console's password policy";
    assert_eq!(
        app.signup(&email("long"), long).await.status,
        StatusCode::OK
    );
}

async fn bad_input_is_a_validation_error(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let send = |body: &'static str, content_type: &'static str| {
        let app = &app;
        async move {
            Reply::read(
                app.http
                    .post(app.url("/api/auth/login"))
                    .header("content-type", content_type)
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    send("{not json", "application/json")
        .await
        .assert_error(400, "VALIDATION_ERROR");
    send(r#"{"email": 5, "password": "x"}"#, "application/json")
        .await
        .assert_error(422, "VALIDATION_ERROR");
    send(
        r#"{"email": "a@b.co", "password": "x", "admin": true}"#,
        "application/json",
    )
    .await
    .assert_error(422, "VALIDATION_ERROR");
    send(r#"{"email": "a@b.co"}"#, "application/json")
        .await
        .assert_error(422, "VALIDATION_ERROR");
    send(r#"{"email": "a@b.co", "password": "x"}"#, "text/plain")
        .await
        .assert_error(415, "VALIDATION_ERROR");
    let reply = app
        .post(
            "/api/auth/signup",
            json!({"email": "not an email", "password": PASSWORD}),
        )
        .await;
    reply.assert_error(400, "VALIDATION_ERROR");
    assert!(reply.json["error"]["fields"]["email"].is_string());

    // A 1 MB password is refused at once, before any hashing.
    let huge = "x".repeat(1 << 20);
    for path in [
        "/api/auth/signup",
        "/api/auth/login",
        "/api/auth/reset-password",
    ] {
        let start = Instant::now();
        let reply = app
            .post(path, json!({"email": email("big"), "password": huge}))
            .await;
        assert!(reply.status.is_client_error(), "{path}: {}", reply.status);
        assert_eq!(reply.code(), "VALIDATION_ERROR", "{path}");
        assert!(start.elapsed() < Duration::from_secs(2));
    }
    // Unknown routes and methods answer in the same envelope.
    app.get("/api/auth/nope")
        .await
        .assert_error(404, "NOT_FOUND");
    app.get("/api/auth/login")
        .await
        .assert_error(405, "METHOD_NOT_ALLOWED");
    app.get("/api/auth/google")
        .await
        .assert_error(404, "GOOGLE_NOT_CONFIGURED");
    // Nothing was stored by any of it.
    use sqlx::Row;
    let users: i64 = sqlx::query("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(users, 0);
}
