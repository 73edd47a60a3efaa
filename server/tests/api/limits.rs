//! Limits: rate limits with Retry-After, the mail cap per address, the hashing queue, forwarded addresses.

use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use testkit::{Backend, Options, PASSWORD, Reply, TestApp, backend_tests, email};

backend_tests!(
    rate_limits_answer_429_with_retry_after,
    mail_cap_per_address,
    hash_queue_sheds_load,
);

fn app(backend: Backend) -> Options {
    Options::new(backend)
}

async fn rate_limits_answer_429_with_retry_after(backend: Backend) {
    let app = TestApp::spawn(app(backend).set("RATE_LIMIT_PER_MINUTE", 3)).await;
    for _ in 0..3 {
        app.login(&email("x"), "wrong password, long enough")
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    let reply = app.login(&email("x"), "wrong password, long enough").await;
    reply.assert_error(429, "RATE_LIMITED");
    assert!(
        reply.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // Another kind of action has its own budget.
    assert_eq!(
        app.signup(&email("y"), PASSWORD).await.status,
        StatusCode::OK
    );
    for path in [
        "/api/auth/verify-email/validate?token=x",
        "/api/auth/reset-password/validate?token=x",
    ] {
        let _ = app.get(path).await;
    }
    let mut limited = false;
    for _ in 0..3 {
        limited |= app
            .get("/api/auth/verify-email/validate?token=x")
            .await
            .status
            == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(limited, "token checks are limited too");
}

async fn mail_cap_per_address(backend: Backend) {
    let app = TestApp::spawn(app(backend).set("MAIL_PER_ADDRESS_PER_HOUR", 2)).await;
    let known = email("capped");
    app.signup(&known, PASSWORD).await;
    let unknown = email("capped-unknown");
    for address in [&known, &unknown] {
        for _ in 0..2 {
            let reply = app
                .post("/api/auth/resend-verification", json!({"email": address}))
                .await;
            assert_eq!(reply.status, StatusCode::OK);
        }
        let reply = app
            .post("/api/auth/resend-verification", json!({"email": address}))
            .await;
        reply.assert_error(429, "RATE_LIMITED");
        assert!(reply.headers.contains_key("retry-after"));
    }
    // Signup mail + one resend: the outbox never holds more than the hourly cap.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.mails(&known, 2).await.len(), 2);
}

async fn hash_queue_sheds_load(backend: Backend) {
    let app = TestApp::spawn(
        app(backend)
            .set("PASSWORD_HASH_CONCURRENCY", 1)
            .set("PASSWORD_HASH_QUEUE", 1),
    )
    .await;
    let attempts = (0..12).map(|_| app.login("someone@example.com", "wrong password, long enough"));
    let replies = futures_util::future::join_all(attempts).await;
    let shed = replies
        .iter()
        .filter(|r| r.status == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert!(shed > 0, "some logins are shed");
    for reply in replies
        .iter()
        .filter(|r| r.status == StatusCode::SERVICE_UNAVAILABLE)
    {
        reply.assert_error(503, "OVERLOADED");
        assert!(reply.headers.contains_key("retry-after"));
    }
    assert!(
        replies
            .iter()
            .all(|r| r.status != StatusCode::INTERNAL_SERVER_ERROR)
    );
}

#[tokio::test]
async fn forwarded_for_is_trusted_only_from_trusted_proxies() {
    /// Four requests, each with a different address where a client could write one; the
    /// proxy (this test) appends `real` as the address it saw.
    async fn limited(app: &TestApp, real: &dyn Fn(u8) -> String) -> bool {
        let mut limited = false;
        for i in 0..4u8 {
            let reply = Reply::read(
                app.http
                    .get(app.url("/api/auth/verify-email/validate?token=x"))
                    .header("x-forwarded-for", format!("198.51.100.{i}"))
                    .header("x-forwarded-for", real(i))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            limited |= reply.status == StatusCode::TOO_MANY_REQUESTS;
        }
        limited
    }
    let same = |_: u8| "203.0.113.7".to_owned();
    let distinct = |i: u8| format!("203.0.113.{i}");
    let direct = TestApp::spawn(
        Options::new(Backend::Sqlite)
            .dev_mailbox()
            .set("RATE_LIMIT_PER_MINUTE", 2),
    )
    .await;
    assert!(
        limited(&direct, &distinct).await,
        "without trusted proxies the header changes nothing"
    );
    let proxied = TestApp::spawn(
        Options::new(Backend::Sqlite)
            .dev_mailbox()
            .set("RATE_LIMIT_PER_MINUTE", 2)
            .set("TRUSTED_PROXIES", "127.0.0.1/32"),
    )
    .await;
    assert!(
        limited(&proxied, &same).await,
        "the client's own left-most entries are not believed"
    );
    let proxied = proxied.restart().await;
    assert!(
        !limited(&proxied, &distinct).await,
        "each client the proxy saw has its own budget"
    );
    // IPv6 clients are limited per /64: rotating the interface id buys nothing.
    let proxied = proxied.restart().await;
    let same_64 = |i: u8| format!("2001:db8:5:6::{i}");
    assert!(limited(&proxied, &same_64).await, "one /64, one budget");
    let proxied = proxied.restart().await;
    let other_64s = |i: u8| format!("2001:db8:5:{i}::1");
    assert!(!limited(&proxied, &other_64s).await);
}
