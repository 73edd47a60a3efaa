//! The auth API end to end: the real server on a free port, a fresh SQLite file or
//! PostgreSQL database per test, mail through a real SMTP server.

mod support;
#[path = "api/takeover.rs"]
mod takeover;

use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use support::{Backend, Options, PASSWORD, PUBLIC_URL, TestApp, email};

backend_tests!(
    signup_verify_login_me_logout,
    signup_answers_exactly_and_never_signs_in,
    signup_with_an_existing_address_looks_new_and_mails_the_owner,
    login_errors_come_in_the_right_order,
    unknown_user_and_wrong_password_answer_identically,
    verification_token_states,
    links_of_one_purpose_never_work_for_another,
    tokens_are_stored_hashed_and_mail_sealed,
    resend_and_forgot_answer_the_same_for_unknown_addresses,
    password_reset_flow,
    reset_refuses_a_weak_password_without_spending_the_link,
    reset_verifies_an_unverified_address,
    lockout_after_repeated_failures,
    rate_limits_answer_429_with_retry_after,
    mail_cap_per_address,
    old_password_hashes_are_upgraded_at_login,
    disabled_accounts_lose_their_sessions,
    login_by_username_and_derived_usernames,
    password_policy,
    bad_input_is_a_validation_error,
    forged_and_foreign_tokens_are_refused,
    cookie_sessions_need_the_console_origin_for_writes,
    secret_and_sessions_survive_a_restart,
    mail_survives_an_smtp_outage,
    hash_queue_sheds_load,
);

fn app(backend: Backend) -> Options {
    Options::new(backend)
}

async fn signup_verify_login_me_logout(backend: Backend) {
    let app = spawn!(app(backend));
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
    let app = spawn!(app(backend));
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
    let app = spawn!(app(backend));
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

async fn login_errors_come_in_the_right_order(backend: Backend) {
    let app = spawn!(app(backend));
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
    let app = spawn!(app(backend));
    let address = email("known");
    app.verified_account(&address).await;
    let unknown = email("nobody");
    let wrong = app.login(&address, "wrong password, long enough").await;
    let missing = app.login(&unknown, "wrong password, long enough").await;
    assert_eq!(wrong.status, missing.status);
    assert_eq!(wrong.body, missing.body, "byte-identical bodies");
    let names = |r: &support::Reply| {
        let mut h: Vec<_> = r.headers.keys().map(|k| k.to_string()).collect();
        h.sort();
        h
    };
    assert_eq!(names(&wrong), names(&missing));

    // Unknown accounts cost an Argon2 verification too: compare medians.
    async fn median(app: &TestApp, login: &str) -> Duration {
        let mut times = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            app.login(login, "wrong password, long enough").await;
            times.push(start.elapsed());
        }
        times.sort();
        times[2]
    }
    let known_time = median(&app, &address).await;
    let unknown_time = median(&app, &unknown).await;
    let ratio = unknown_time.as_secs_f64() / known_time.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown {unknown_time:?} vs known {known_time:?}"
    );
}

async fn verification_token_states(backend: Backend) {
    let app = spawn!(app(backend));
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
    let app = spawn!(app(backend));
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
    let app = spawn!(app(backend));
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
    let app = spawn!(app(backend));
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

async fn password_reset_flow(backend: Backend) {
    let app = spawn!(app(backend));
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
    let app = spawn!(app(backend));
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
    let app = spawn!(app(backend));
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

async fn lockout_after_repeated_failures(backend: Backend) {
    let app = spawn!(
        app(backend)
            .set("LOCKOUT_THRESHOLD", 3)
            .set("LOCKOUT_SECONDS", 600)
    );
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

async fn rate_limits_answer_429_with_retry_after(backend: Backend) {
    let app = spawn!(app(backend).set("RATE_LIMIT_PER_MINUTE", 3));
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
    let app = spawn!(app(backend).set("MAIL_PER_ADDRESS_PER_HOUR", 2));
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

async fn old_password_hashes_are_upgraded_at_login(backend: Backend) {
    let app = spawn!(app(backend));
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

async fn disabled_accounts_lose_their_sessions(backend: Backend) {
    let app = spawn!(app(backend));
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

async fn login_by_username_and_derived_usernames(backend: Backend) {
    let app = spawn!(app(backend));
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

async fn password_policy(backend: Backend) {
    let app = spawn!(app(backend));
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
    let app = spawn!(app(backend));
    let send = |body: &'static str, content_type: &'static str| {
        let app = &app;
        async move {
            support::Reply::read(
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

async fn forged_and_foreign_tokens_are_refused(backend: Backend) {
    let app = spawn!(app(backend));
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
        &claims_user,
        "sid",
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
    let app = spawn!(app(backend));
    let address = email("cookie");
    app.verified_account(&address).await;
    let login = app.login(&address, PASSWORD).await;
    let cookie = login.headers["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["msgsg_session=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http in tests");
    let pair = cookie.split(';').next().unwrap().to_owned();
    let me = support::Reply::read(
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
            support::Reply::read(request.send().await.unwrap()).await
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
    let app = spawn!(app(backend));
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

async fn mail_survives_an_smtp_outage(backend: Backend) {
    let app = spawn!(app(backend));
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

async fn hash_queue_sheds_load(backend: Backend) {
    let app = spawn!(
        app(backend)
            .set("PASSWORD_HASH_CONCURRENCY", 1)
            .set("PASSWORD_HASH_QUEUE", 1)
    );
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

// Tests that do not depend on the database.

#[tokio::test]
async fn forwarded_for_is_trusted_only_from_trusted_proxies() {
    /// Four requests, each with a different address where a client could write one; the
    /// proxy (this test) appends `real` as the address it saw.
    async fn limited(app: &TestApp, real: &dyn Fn(u8) -> String) -> bool {
        let mut limited = false;
        for i in 0..4u8 {
            let reply = support::Reply::read(
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
    let direct = spawn!(
        Options::new(Backend::Sqlite)
            .dev_mailbox()
            .set("RATE_LIMIT_PER_MINUTE", 2)
    );
    assert!(
        limited(&direct, &distinct).await,
        "without trusted proxies the header changes nothing"
    );
    let proxied = spawn!(
        Options::new(Backend::Sqlite)
            .dev_mailbox()
            .set("RATE_LIMIT_PER_MINUTE", 2)
            .set("TRUSTED_PROXIES", "127.0.0.1/32")
    );
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

#[tokio::test]
async fn dev_mailbox_shows_mail_with_clickable_links() {
    let app = spawn!(Options::new(Backend::Sqlite).dev_mailbox());
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
    let app = spawn!(Options::new(Backend::Sqlite));
    let reply = app.http.get(app.url("/dev/mailbox")).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_and_api_carry_security_headers() {
    let app = spawn!(Options::new(Backend::Sqlite));
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

#[test]
fn bad_configuration_stops_the_server_with_one_line() {
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
