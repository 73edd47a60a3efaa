//! Mail delivery: the durable outbox through an SMTP outage, and the dev mailbox.

use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use testkit::{Backend, Options, PASSWORD, PUBLIC_URL, TestApp, backend_tests, email};

backend_tests!(mail_survives_an_smtp_outage,);

fn app(backend: Backend) -> Options {
    Options::new(backend)
}

async fn mail_survives_an_smtp_outage(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let mail = app.mail.clone().unwrap();
    mail.stop();
    let address = email("outage");
    let reply = app.signup(&address, PASSWORD).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "signup works while SMTP is down"
    );
    // A delivery attempt fails and is scheduled again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    use sqlx::Row;
    let row = sqlx::query("SELECT attempts, sent_at FROM outbox")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(row.get::<i64, _>(0) >= 1);
    assert!(row.get::<Option<i64>, _>(1).is_none());
    mail.launch().await;
    let token = app.token_from_mail(&address, 0, "/verify-email").await;
    assert_eq!(
        app.post("/api/auth/verify-email", json!({"token": token}))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn dev_mailbox_shows_mail_with_clickable_links() {
    let app = TestApp::spawn(Options::new(Backend::Sqlite).dev_mailbox()).await;
    let address = email("dev");
    app.signup(&address, PASSWORD).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page = app.http.get(app.url("/dev/mailbox")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let csp = page.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        assert_eq!(page.headers()["cache-control"], "no-store");
        let html = page.text().await.unwrap();
        if html.contains(&address) && html.contains("delivered") {
            assert!(html.contains(&format!("<a href=\"{PUBLIC_URL}/verify-email?token=")));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no mail in the dev mailbox: {html}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn dev_mailbox_is_absent_with_smtp() {
    let app = TestApp::spawn(Options::new(Backend::Sqlite)).await;
    let reply = app.http.get(app.url("/dev/mailbox")).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::NOT_FOUND);
}
