//! Signing up: exact answers, no session before verification, and addresses that already have an account.

use reqwest::StatusCode;
use serde_json::json;
use testkit::{Backend, Options, PASSWORD, PUBLIC_URL, TestApp, backend_tests, email};

backend_tests!(
    signup_verify_login_me_logout,
    signup_answers_exactly_and_never_signs_in,
    signup_with_an_existing_address_looks_new_and_mails_the_owner,
);

fn app(backend: Backend) -> Options {
    Options::new(backend)
}

async fn signup_verify_login_me_logout(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("flow");
    let reply = app.signup(&address, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // The mailed link points at the console's public address, in both parts of the mail.
    let mails = app.mails(&address, 1).await;
    assert_eq!(mails[0].subject, "Verify your email address");
    let token = app.token_from_mail(&address, 0, "/verify-email").await;
    assert!(
        mails[0]
            .html
            .contains(&format!("{PUBLIC_URL}/verify-email?token={token}"))
    );

    // Opening the link (GET) does not spend it, however often.
    for _ in 0..3 {
        let state = app
            .get(&format!("/api/auth/verify-email/validate?token={token}"))
            .await;
        assert_eq!(state.json, json!({"data": {"state": "valid"}}));
    }
    let verified = app
        .post("/api/auth/verify-email", json!({"token": token}))
        .await;
    assert_eq!(verified.status, StatusCode::OK);
    assert_eq!(verified.json["data"]["success"], true);
    assert!(
        verified.headers.get("set-cookie").is_none(),
        "verifying never signs in"
    );
    assert!(verified.json["data"].get("token").is_none());

    let login = app.login(&address, PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let token = login.json["data"]["token"].as_str().unwrap().to_owned();
    assert!(login.json["data"]["expiresAt"].as_i64().unwrap() > app.clock.now());
    assert_eq!(login.json["data"]["user"]["email"], address.as_str());

    let me = app.get_auth("/api/auth/me", &token).await;
    assert_eq!(me.status, StatusCode::OK);
    let user = &me.json["data"];
    assert_eq!(user["email"], address.as_str());
    assert_eq!(user["role"], "user");
    assert_eq!(user["emailVerified"], true);
    assert_eq!(user["authenticated"], true);
    assert!(user["username"].as_str().unwrap().starts_with("flow."));
    assert_eq!(user["id"].as_str().unwrap().len(), 32);

    let logout = app.post_auth("/api/auth/logout", &token, json!({})).await;
    assert_eq!(logout.status, StatusCode::OK);
    // The same JWT, still unexpired, no longer works anywhere.
    app.get_auth("/api/auth/me", &token)
        .await
        .assert_error(401, "UNAUTHORIZED");
}

async fn signup_answers_exactly_and_never_signs_in(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let reply = app.signup("  Jean.Doe@Example.com ", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json,
        json!({"data": {"success": true, "verificationRequired": true, "email": "jean.doe@example.com"}})
    );
    assert!(reply.headers.get("set-cookie").is_none());
    assert_eq!(reply.headers["cache-control"], "no-store");
    // Signing up does not open a session: logging in still needs the verified address.
    app.login("jean.doe@example.com", PASSWORD)
        .await
        .assert_error(403, "EMAIL_NOT_VERIFIED");
}

async fn signup_with_an_existing_address_looks_new_and_mails_the_owner(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let verified = email("owner");
    app.verified_account(&verified).await;
    let fresh = email("fresh");
    let new_reply = app.signup(&fresh, PASSWORD).await;
    let dup_reply = app.signup(&verified, "another long passphrase here").await;
    assert_eq!(dup_reply.status, new_reply.status);
    assert_eq!(
        dup_reply.body.replace(&verified, "X"),
        new_reply.body.replace(&fresh, "X")
    );
    // The owner is told, and their password is unchanged.
    let mails = app.mails(&verified, 2).await;
    assert_eq!(mails[1].subject, "You already have an account");
    assert!(mails[1].text.contains(&format!("{PUBLIC_URL}/login")));
    assert_eq!(app.login(&verified, PASSWORD).await.status, StatusCode::OK);
    app.login(&verified, "another long passphrase here")
        .await
        .assert_error(401, "UNAUTHORIZED");

    // An unverified owner gets a fresh verification link instead.
    let pending = email("pending");
    app.signup(&pending, PASSWORD).await;
    app.signup(&pending, PASSWORD).await;
    let mails = app.mails(&pending, 2).await;
    assert!(
        mails
            .iter()
            .all(|m| m.subject == "Verify your email address")
    );
}
