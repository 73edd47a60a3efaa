//! Password reset: the flow, weak passwords refused without spending the link, and resets that verify the address.

use reqwest::StatusCode;
use serde_json::json;
use testkit::{Backend, Options, PASSWORD, TestApp, backend_tests, email};

backend_tests!(
    password_reset_flow,
    reset_refuses_a_weak_password_without_spending_the_link,
    reset_verifies_an_unverified_address,
);

fn app(backend: Backend) -> Options {
    Options::new(backend)
}

async fn password_reset_flow(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("reset");
    let session = app.signed_in(&address).await;
    let other_session = app.login(&address, PASSWORD).await.json["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let reply = app
        .post("/api/auth/forgot-password", json!({"email": address}))
        .await;
    assert_eq!(reply.json, json!({"data": {"success": true}}));
    let token = app.token_from_mail(&address, 1, "/reset-password").await;
    let validate = format!("/api/auth/reset-password/validate?token={token}");
    assert_eq!(app.get(&validate).await.json["data"]["state"], "valid");
    assert_eq!(app.get(&validate).await.json["data"]["state"], "valid");

    let new_password = "a completely new passphrase";
    let reply = app
        .post(
            "/api/auth/reset-password",
            json!({"token": token, "password": new_password}),
        )
        .await;
    assert_eq!(reply.json, json!({"data": {"success": true}}));
    // A reset never signs in: the only cookie marks this browser as the owner's.
    for cookie in reply.headers.get_all("set-cookie") {
        let cookie = cookie.to_str().unwrap();
        assert!(
            cookie.starts_with("msgsg_device="),
            "a reset never signs in: {cookie}"
        );
    }

    // Every session ended; the link is spent; only the new password works.
    for token in [&session, &other_session] {
        app.get_auth("/api/auth/me", token)
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    assert_eq!(app.get(&validate).await.json["data"]["state"], "used");
    app.post(
        "/api/auth/reset-password",
        json!({"token": token, "password": "yet another new passphrase"}),
    )
    .await
    .assert_error(410, "TOKEN_USED");
    app.login(&address, PASSWORD)
        .await
        .assert_error(401, "UNAUTHORIZED");
    assert_eq!(
        app.login(&address, new_password).await.status,
        StatusCode::OK
    );
    let mails = app.mails(&address, 3).await;
    assert_eq!(mails[2].subject, "Your password was changed");

    // Reset links expire after an hour.
    app.post("/api/auth/forgot-password", json!({"email": address}))
        .await;
    let token = app.token_from_mail(&address, 3, "/reset-password").await;
    app.clock.advance(3600 + 1);
    let validate = format!("/api/auth/reset-password/validate?token={token}");
    assert_eq!(app.get(&validate).await.json["data"]["state"], "expired");
    app.post(
        "/api/auth/reset-password",
        json!({"token": token, "password": "one more new passphrase"}),
    )
    .await
    .assert_error(410, "TOKEN_EXPIRED");
}

async fn reset_refuses_a_weak_password_without_spending_the_link(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("weak");
    app.verified_account(&address).await;
    app.post("/api/auth/forgot-password", json!({"email": address}))
        .await;
    let token = app.token_from_mail(&address, 1, "/reset-password").await;
    let reply = app
        .post(
            "/api/auth/reset-password",
            json!({"token": token, "password": "short"}),
        )
        .await;
    reply.assert_error(400, "VALIDATION_ERROR");
    assert!(reply.json["error"]["fields"]["password"].is_string());
    let reply = app
        .post(
            "/api/auth/reset-password",
            json!({"token": token, "password": "a good new passphrase"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

async fn reset_verifies_an_unverified_address(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("unverified");
    app.signup(&address, PASSWORD).await;
    app.post("/api/auth/forgot-password", json!({"email": address}))
        .await;
    let token = app.token_from_mail(&address, 1, "/reset-password").await;
    app.post(
        "/api/auth/reset-password",
        json!({"token": token, "password": "a good new passphrase"}),
    )
    .await;
    let login = app.login(&address, "a good new passphrase").await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.json["data"]["user"]["emailVerified"], true);
}
