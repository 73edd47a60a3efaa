//! Mailed links: token states, one purpose per link, hashed tokens and sealed mail, and answers that tell nothing about unknown addresses.

use reqwest::StatusCode;
use serde_json::json;
use testkit::{Backend, Options, PASSWORD, TestApp, backend_tests, email};

backend_tests!(
    verification_token_states,
    links_of_one_purpose_never_work_for_another,
    tokens_are_stored_hashed_and_mail_sealed,
    resend_and_forgot_answer_the_same_for_unknown_addresses,
);

fn app(backend: Backend) -> Options {
    Options::new(backend)
}

async fn verification_token_states(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let state = |token: String| {
        let app = &app;
        async move {
            let reply = app
                .get(&format!("/api/auth/verify-email/validate?token={token}"))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            reply.json["data"]["state"].as_str().unwrap().to_owned()
        }
    };
    let verify = |token: String| {
        let app = &app;
        async move {
            app.post("/api/auth/verify-email", json!({"token": token}))
                .await
        }
    };

    // invalid: unknown, malformed, empty.
    assert_eq!(state("f".repeat(64)).await, "invalid");
    assert_eq!(state("not-a-token".into()).await, "invalid");
    assert_eq!(state(String::new()).await, "invalid");
    verify("f".repeat(64))
        .await
        .assert_error(400, "TOKEN_INVALID");

    // used: the same link twice.
    let address = email("states");
    app.signup(&address, PASSWORD).await;
    let first = app.token_from_mail(&address, 0, "/verify-email").await;
    // A second link, sent before the first is used.
    app.post("/api/auth/resend-verification", json!({"email": address}))
        .await;
    let second = app.token_from_mail(&address, 1, "/verify-email").await;
    assert_eq!(
        state(second.clone()).await,
        "valid",
        "a resend keeps older links valid"
    );
    assert_eq!(verify(first.clone()).await.status, StatusCode::OK);
    assert_eq!(state(first.clone()).await, "used");
    verify(first).await.assert_error(410, "TOKEN_USED");
    // already_verified: the other link of a verified address.
    assert_eq!(state(second.clone()).await, "already_verified");
    verify(second).await.assert_error(409, "ALREADY_VERIFIED");

    // expired: 24 hours later.
    let late = email("late");
    app.signup(&late, PASSWORD).await;
    let token = app.token_from_mail(&late, 0, "/verify-email").await;
    app.clock.advance(24 * 3600 + 1);
    assert_eq!(state(token.clone()).await, "expired");
    verify(token).await.assert_error(410, "TOKEN_EXPIRED");
    app.login(&late, PASSWORD)
        .await
        .assert_error(403, "EMAIL_NOT_VERIFIED");
}

async fn links_of_one_purpose_never_work_for_another(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("purpose");
    app.signup(&address, PASSWORD).await;
    let verify_token = app.token_from_mail(&address, 0, "/verify-email").await;
    let state = app
        .get(&format!(
            "/api/auth/reset-password/validate?token={verify_token}"
        ))
        .await;
    assert_eq!(state.json["data"]["state"], "invalid");
    app.post(
        "/api/auth/reset-password",
        json!({"token": verify_token, "password": "a brand new passphrase"}),
    )
    .await
    .assert_error(400, "TOKEN_INVALID");

    app.post("/api/auth/forgot-password", json!({"email": address}))
        .await;
    let reset_token = app.token_from_mail(&address, 1, "/reset-password").await;
    app.post("/api/auth/verify-email", json!({"token": reset_token}))
        .await
        .assert_error(400, "TOKEN_INVALID");
}

async fn tokens_are_stored_hashed_and_mail_sealed(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("hashed");
    app.signup(&address, PASSWORD).await;
    let token = app.token_from_mail(&address, 0, "/verify-email").await;
    assert_eq!(token.len(), 64, "256-bit tokens");

    use sqlx::Row;
    let rows = sqlx::query("SELECT token_hash FROM one_time_tokens")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    let hashes: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert!(!hashes.contains(&token));
    assert!(hashes.contains(&server::auth::random::token_hash(&token)));
    // Delivered mail leaves no body behind.
    let rows = sqlx::query("SELECT sealed, sent_at FROM outbox")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    for row in &rows {
        let sealed: Option<Vec<u8>> = row.get(0);
        let sent: Option<i64> = row.get(1);
        assert!(sent.is_some());
        assert!(sealed.is_none());
    }
    if backend == Backend::Sqlite {
        // Nowhere in the database files, raw.
        for entry in std::fs::read_dir(app.dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
            assert!(!bytes.windows(64).any(|w| w == token.as_bytes()));
        }
    }
}

async fn resend_and_forgot_answer_the_same_for_unknown_addresses(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let known = email("known");
    app.signup(&known, PASSWORD).await;
    let verified = email("verified");
    app.verified_account(&verified).await;
    let unknown = email("unknown");
    for path in ["/api/auth/resend-verification", "/api/auth/forgot-password"] {
        let replies = [
            app.post(path, json!({"email": known})).await,
            app.post(path, json!({"email": unknown})).await,
            app.post(path, json!({"email": verified})).await,
        ];
        for reply in &replies {
            assert_eq!(reply.status, StatusCode::OK);
            assert_eq!(reply.body, replies[0].body);
        }
    }
    // The known addresses got their mail; the verified one no verification link.
    let mails = app.mails(&known, 3).await;
    assert!(mails.iter().any(|m| m.subject == "Reset your password"));
    let mails = app.mails(&verified, 2).await;
    assert_eq!(mails.len(), 2, "verification mail + reset mail only");
    assert_eq!(mails[1].subject, "Reset your password");
    assert_eq!(app.mail.as_ref().unwrap().count(&unknown).await, 0);
}
