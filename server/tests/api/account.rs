//! A person's own account: their sessions (listed, ended one by one or all but this one,
//! ended when idle), a new password, a new address, deletion.

use reqwest::StatusCode;
use serde_json::json;
use testkit::{Backend, Options, PASSWORD, TestApp, backend_tests, email};

backend_tests!(
    sessions_are_listed_and_ended_from_another_client,
    idle_sessions_end,
    changing_the_password_needs_the_current_one_and_ends_other_sessions,
    an_address_changes_only_through_the_new_mailbox,
    deleting_an_account_ends_everything_and_keeps_no_personal_data,
);

const NEW_PASSWORD: &str = "a brand new passphrase for this";

fn app(backend: Backend) -> Options {
    Options::new(backend)
}

async fn token_of(app: &TestApp, address: &str, password: &str) -> String {
    let reply = app.login(address, password).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json["data"]["token"].as_str().unwrap().to_owned()
}

async fn me_status(app: &TestApp, token: &str) -> StatusCode {
    app.get_auth("/api/auth/me", token).await.status
}

async fn sessions_are_listed_and_ended_from_another_client(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("sessions");
    let laptop = app.signed_in(&address).await;
    let phone = app
        .http
        .post(app.url("/api/auth/login"))
        .header(
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        )
        .json(&json!({"email": address, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let third = token_of(&app, &address, PASSWORD).await;

    let list = app.get_auth("/api/sessions", &laptop).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let sessions = list.json["data"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 3, "{}", list.body);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let firefox = sessions
        .iter()
        .find(|s| s["device"] == "Firefox on Linux")
        .expect("the phone's session, by its user agent");
    assert_eq!(firefox["ip"], "127.0.0.1");
    assert!(firefox["lastSeenAt"].as_i64().unwrap() >= firefox["createdAt"].as_i64().unwrap());

    // The laptop ends the phone's session: it stops at once.
    let id = firefox["id"].as_str().unwrap();
    let gone = app
        .delete_auth(&format!("/api/sessions/{id}"), &laptop)
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.body);
    assert_eq!(me_status(&app, &phone).await, StatusCode::UNAUTHORIZED);
    app.delete_auth(&format!("/api/sessions/{id}"), &laptop)
        .await
        .assert_error(404, "NOT_FOUND");

    // Another account's session is not found, whatever its id.
    let stranger = app.signed_in(&email("stranger")).await;
    let theirs = app.get_auth("/api/sessions", &stranger).await.json["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.delete_auth(&format!("/api/sessions/{theirs}"), &laptop)
        .await
        .assert_error(404, "NOT_FOUND");
    assert_eq!(me_status(&app, &stranger).await, StatusCode::OK);

    // Everywhere else at once; this one stays.
    let others = app
        .post_auth("/api/sessions/revoke-others", &laptop, json!({}))
        .await;
    assert_eq!(others.json, json!({"data": {"revoked": 1}}));
    assert_eq!(me_status(&app, &third).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me_status(&app, &laptop).await, StatusCode::OK);
    let list = app.get_auth("/api/sessions", &laptop).await;
    assert_eq!(list.json["data"].as_array().unwrap().len(), 1);
}

async fn idle_sessions_end(backend: Backend) {
    let app = TestApp::spawn(app(backend).set("SESSION_IDLE_SECONDS", 3600)).await;
    let address = email("idle");
    let busy = app.signed_in(&address).await;
    let idle = token_of(&app, &address, PASSWORD).await;

    // One is used every 50 minutes, the other never again.
    for _ in 0..3 {
        app.clock.advance(50 * 60);
        assert_eq!(me_status(&app, &busy).await, StatusCode::OK);
    }
    assert_eq!(me_status(&app, &idle).await, StatusCode::UNAUTHORIZED);
    let list = app.get_auth("/api/sessions", &busy).await;
    assert_eq!(
        list.json["data"].as_array().unwrap().len(),
        1,
        "{}",
        list.body
    );
    // Use is written at most once a minute.
    let seen = list.json["data"][0]["lastSeenAt"].as_i64().unwrap();
    app.clock.advance(20);
    app.get_auth("/api/auth/me", &busy).await;
    let list = app.get_auth("/api/sessions", &busy).await;
    assert_eq!(list.json["data"][0]["lastSeenAt"].as_i64().unwrap(), seen);
}

async fn changing_the_password_needs_the_current_one_and_ends_other_sessions(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("change");
    let here = app.signed_in(&address).await;
    let elsewhere = token_of(&app, &address, PASSWORD).await;
    let change = |current: &str, new: &str| json!({"currentPassword": current, "newPassword": new});

    app.post_auth(
        "/api/auth/change-password",
        &here,
        change("not the password at all", NEW_PASSWORD),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    let weak = app
        .post_auth(
            "/api/auth/change-password",
            &here,
            change(PASSWORD, "short"),
        )
        .await;
    weak.assert_error(400, "VALIDATION_ERROR");
    assert!(
        weak.json["error"]["fields"]["newPassword"].is_string(),
        "{}",
        weak.body
    );

    let done = app
        .post_auth(
            "/api/auth/change-password",
            &here,
            change(PASSWORD, NEW_PASSWORD),
        )
        .await;
    assert_eq!(done.json, json!({"data": {"revoked": 1}}), "{}", done.body);
    assert_eq!(me_status(&app, &here).await, StatusCode::OK);
    assert_eq!(me_status(&app, &elsewhere).await, StatusCode::UNAUTHORIZED);
    app.login(&address, PASSWORD)
        .await
        .assert_error(401, "UNAUTHORIZED");
    token_of(&app, &address, NEW_PASSWORD).await;
    let mails = app.mails(&address, 2).await;
    assert_eq!(mails[1].subject, "Your password was changed");
    // An API key cannot change it.
    app.post_auth(
        "/api/auth/change-password",
        "msgsg_0000000000000000000000000000000000000000000000000000000000000000",
        change(NEW_PASSWORD, PASSWORD),
    )
    .await
    .assert_error(401, "UNAUTHORIZED");
}

async fn an_address_changes_only_through_the_new_mailbox(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let old = email("old");
    let new = email("new");
    let token = app.signed_in(&old).await;
    let ask = |to: &str, password: &str| json!({"newEmail": to, "currentPassword": password});

    app.post_auth(
        "/api/auth/change-email",
        &token,
        ask(&new, "wrong wrong wrong wrong"),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    app.post_auth("/api/auth/change-email", &token, ask(&old, PASSWORD))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    let asked = app
        .post_auth("/api/auth/change-email", &token, ask(&new, PASSWORD))
        .await;
    assert_eq!(
        asked.json,
        json!({"data": {"success": true}}),
        "{}",
        asked.body
    );

    // The old address is told at once; nothing changed yet.
    let mails = app.mails(&old, 2).await;
    assert_eq!(
        mails[1].subject,
        "A change of your email address was asked for"
    );
    assert!(mails[1].text.contains(&new));
    assert_eq!(
        app.get_auth("/api/auth/me", &token).await.json["data"]["email"],
        old
    );

    // Whoever reads the old mailbox holds a reset link of it…
    app.post("/api/auth/forgot-password", json!({"email": old}))
        .await;
    let stale_reset = app.token_from_mail(&old, 2, "/reset-password").await;

    // Opening the link does not spend it; confirming does, once.
    let link = app.token_from_mail(&new, 0, "/confirm-email").await;
    let state = app
        .get(&format!("/api/auth/change-email/validate?token={link}"))
        .await;
    assert_eq!(state.json, json!({"data": {"state": "valid"}}));
    let done = app
        .post("/api/auth/change-email/confirm", json!({"token": link}))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json["data"]["email"], new);
    app.post("/api/auth/change-email/confirm", json!({"token": link}))
        .await
        .assert_error(410, "TOKEN_USED");
    assert_eq!(
        app.get_auth("/api/auth/me", &token).await.json["data"]["email"],
        new
    );
    assert_eq!(
        app.mails(&old, 4).await[3].subject,
        "Your email address was changed"
    );
    // …which stopped when the account moved away.
    let state = app
        .get(&format!(
            "/api/auth/reset-password/validate?token={stale_reset}"
        ))
        .await;
    assert_eq!(state.json, json!({"data": {"state": "used"}}));
    token_of(&app, &new, PASSWORD).await;
    app.login(&old, PASSWORD)
        .await
        .assert_error(401, "UNAUTHORIZED");

    // A taken address gets a notice and no link; the answer says nothing.
    let other = email("other");
    app.verified_account(&other).await;
    let asked = app
        .post_auth("/api/auth/change-email", &token, ask(&other, PASSWORD))
        .await;
    assert_eq!(asked.json, json!({"data": {"success": true}}));
    assert_eq!(
        app.mails(&other, 2).await[1].subject,
        "This address already has an account"
    );

    // Taken between the link and the click: refused when confirmed.
    let late = email("late");
    app.post_auth("/api/auth/change-email", &token, ask(&late, PASSWORD))
        .await;
    let link = app.token_from_mail(&late, 0, "/confirm-email").await;
    assert_eq!(app.signup(&late, PASSWORD).await.status, StatusCode::OK);
    app.post("/api/auth/change-email/confirm", json!({"token": link}))
        .await
        .assert_error(400, "VALIDATION_ERROR");

    // A pending change dies with a password reset.
    let later = email("later");
    app.post_auth("/api/auth/change-email", &token, ask(&later, PASSWORD))
        .await;
    let link = app.token_from_mail(&later, 0, "/confirm-email").await;
    app.post("/api/auth/forgot-password", json!({"email": new}))
        .await;
    // To the account's address by now: the first link, three notices, then the reset.
    let reset = app.token_from_mail(&new, 4, "/reset-password").await;
    let done = app
        .post(
            "/api/auth/reset-password",
            json!({"token": reset, "password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    app.post("/api/auth/change-email/confirm", json!({"token": link}))
        .await
        .assert_error(410, "TOKEN_USED");
}

async fn deleting_an_account_ends_everything_and_keeps_no_personal_data(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("delete");
    let token = app.signed_in(&address).await;
    let elsewhere = token_of(&app, &address, PASSWORD).await;
    let key = app
        .post_auth(
            "/api/keys",
            &token,
            json!({"name": "script", "expiresInDays": 30}),
        )
        .await
        .json["data"]["key"]
        .as_str()
        .unwrap()
        .to_owned();

    app.delete_auth_with("/api/auth/account", &token, json!({}))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.delete_auth_with(
        "/api/auth/account",
        &key,
        json!({"currentPassword": PASSWORD}),
    )
    .await
    .assert_error(403, "PERMISSION_DENIED");
    let gone = app
        .delete_auth_with(
            "/api/auth/account",
            &token,
            json!({"currentPassword": PASSWORD}),
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.body);
    assert!(
        gone.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    for credential in [&token, &elsewhere, &key] {
        assert_eq!(me_status(&app, credential).await, StatusCode::UNAUTHORIZED);
    }
    app.login(&address, PASSWORD)
        .await
        .assert_error(401, "UNAUTHORIZED");
    assert_eq!(
        app.mails(&address, 2).await[1].subject,
        "Your account was deleted"
    );
    // Only the id and the dates stay.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE email = '{address}'"
        ))
        .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM deleted_accounts").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 0);
    // The address is free again.
    assert_eq!(app.signup(&address, PASSWORD).await.status, StatusCode::OK);
}
