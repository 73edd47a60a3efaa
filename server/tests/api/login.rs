//! Signing in: error order, identical answers for unknown accounts (EN1), lockout, hash upgrades, usernames.

use reqwest::StatusCode;
use serde_json::json;
use testkit::{Backend, Options, PASSWORD, Reply, TestApp, backend_tests, email};

backend_tests!(
    login_errors_come_in_the_right_order,
    unknown_user_and_wrong_password_answer_identically,
    lockout_after_repeated_failures,
    old_password_hashes_are_upgraded_at_login,
    login_by_username_and_derived_usernames,
);

fn app(backend: Backend) -> Options {
    Options::new(backend)
}

async fn login_errors_come_in_the_right_order(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("order");
    app.signup(&address, PASSWORD).await;
    // Wrong password on an unverified account: nothing about verification is revealed.
    app.login(&address, "not the right password at all")
        .await
        .assert_error(401, "UNAUTHORIZED");
    let reply = app.login(&address, PASSWORD).await;
    reply.assert_error(403, "EMAIL_NOT_VERIFIED");
    assert_eq!(reply.json["error"]["message"], "Email not verified");
    // Resend from the login screen works and brings a new link that verifies.
    let resend = app
        .post("/api/auth/resend-verification", json!({"email": address}))
        .await;
    assert_eq!(resend.json, json!({"data": {"success": true}}));
    let token = app.token_from_mail(&address, 1, "/verify-email").await;
    app.post("/api/auth/verify-email", json!({"token": token}))
        .await;
    assert_eq!(app.login(&address, PASSWORD).await.status, StatusCode::OK);
}

async fn unknown_user_and_wrong_password_answer_identically(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("known");
    app.verified_account(&address).await;
    let unknown = email("nobody");
    let wrong = app.login(&address, "wrong password, long enough").await;
    let missing = app.login(&unknown, "wrong password, long enough").await;
    assert_eq!(wrong.status, missing.status);
    assert_eq!(wrong.body, missing.body, "byte-identical bodies");
    let names = |r: &Reply| {
        let mut h: Vec<_> = r.headers.keys().map(|k| k.to_string()).collect();
        h.sort();
        h
    };
    assert_eq!(names(&wrong), names(&missing));

    // Unknown accounts cost the same Argon2 work as known ones (counted, not timed, so a
    // busy machine cannot blur it).
    let hasher = &app.state.hasher;
    for _ in 0..3 {
        let before = hasher.work_done();
        app.login(&address, "wrong password, long enough").await;
        let known = hasher.work_done() - before;
        let before = hasher.work_done();
        app.login(&unknown, "wrong password, long enough").await;
        let missing = hasher.work_done() - before;
        assert!(known > 0);
        assert_eq!(
            known, missing,
            "an unknown account costs what a known one does"
        );
    }
}

async fn lockout_after_repeated_failures(backend: Backend) {
    let app = TestApp::spawn(
        app(backend)
            .set("LOCKOUT_THRESHOLD", 3)
            .set("LOCKOUT_SECONDS", 600),
    )
    .await;
    let address = email("lock");
    app.verified_account(&address).await;
    for _ in 0..3 {
        app.login(&address, "wrong password, long enough")
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    // Locked: even the right password is refused, with a Retry-After.
    let reply = app.login(&address, PASSWORD).await;
    reply.assert_error(423, "ACCOUNT_LOCKED");
    let retry: u64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry));
    app.clock.advance(601);
    assert_eq!(app.login(&address, PASSWORD).await.status, StatusCode::OK);
}

async fn old_password_hashes_are_upgraded_at_login(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("upgrade");
    app.verified_account(&address).await;
    let old = server::auth::password::hash_with_params(PASSWORD, 4096, 1, 1);
    app.sql(&format!(
        "UPDATE users SET password_hash = '{old}' WHERE email = '{address}'"
    ))
    .await;
    assert_eq!(app.login(&address, PASSWORD).await.status, StatusCode::OK);
    let user = server::db::users::by_email(&app.state.db.pool, &address)
        .await
        .unwrap()
        .unwrap();
    let hash = user.password_hash.unwrap();
    assert_ne!(hash, old);
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert_eq!(app.login(&address, PASSWORD).await.status, StatusCode::OK);
}

async fn login_by_username_and_derived_usernames(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let named = email("named");
    let reply = app
        .post(
            "/api/auth/signup",
            json!({"email": named, "password": PASSWORD, "username": "Alice_01"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    // The name is claimed when the address is verified.
    let token = app.token_from_mail(&named, 0, "/verify-email").await;
    app.post("/api/auth/verify-email", json!({"token": token}))
        .await;
    // Taken usernames are refused (usernames are public; emails are not).
    let reply = app
        .post(
            "/api/auth/signup",
            json!({"email": email("other"), "password": PASSWORD, "username": "alice_01"}),
        )
        .await;
    reply.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(
        reply.json["error"]["fields"]["username"],
        "This username is taken"
    );

    // Two addresses with the same local part get distinct usernames.
    let a = "sam@one.example.com";
    let b = "sam@two.example.com";
    app.verified_account(a).await;
    app.verified_account(b).await;
    let name_a = app.login(a, PASSWORD).await.json["data"]["user"]["username"].clone();
    let name_b = app.login(b, PASSWORD).await.json["data"]["user"]["username"].clone();
    assert_eq!(name_a, "sam");
    assert_ne!(name_a, name_b);
    let reply = app
        .post(
            "/api/auth/login",
            json!({"username": "SAM", "password": PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["data"]["user"]["email"], a);
}
