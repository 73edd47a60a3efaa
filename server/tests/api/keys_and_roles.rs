//! API keys (AK1, AK2) and roles through the HTTP API, on SQLite and PostgreSQL, and the
//! `server promote` operator command.

use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use testkit::{Backend, Options, PASSWORD, TestApp, backend_tests, email};

backend_tests!(
    api_keys_act_as_their_owner_until_revoked_or_expired,
    api_keys_cannot_manage_credentials,
    api_key_requests_are_validated,
    roles_gate_the_admin_endpoints,
);

async fn create_key(app: &TestApp, token: &str, name: &str, days: u32) -> (String, String) {
    let reply = app
        .post_auth(
            "/api/keys",
            token,
            json!({"name": name, "expiresInDays": days}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let data = &reply.json["data"];
    (
        data["key"].as_str().unwrap().to_owned(),
        data["id"].as_str().unwrap().to_owned(),
    )
}

async fn delete(app: &TestApp, path: &str, token: &str) -> testkit::Reply {
    testkit::Reply::read(
        app.http
            .delete(app.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn api_keys_act_as_their_owner_until_revoked_or_expired(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend)).await;
    let address = email("keys");
    let session = app.signed_in(&address).await;
    let (key, id) = create_key(&app, &session, "Backup Script", 90).await;
    // 256 random bits after a recognisable prefix.
    assert!(key.starts_with("msgsg_") && key.len() == 6 + 64, "{key}");

    // Stored hashed: the database never holds the key.
    let stored: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM api_keys")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], key);
    assert!(!stored[0].contains(&key[6..]));

    // Listed without the key.
    let list = app.get_auth("/api/keys", &session).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.json["data"][0]["name"], "Backup Script");
    assert_eq!(list.json["data"][0]["prefix"], &key[..14]);
    assert!(!list.body.contains(&key));

    // Acts as its owner, from the Authorization header only.
    let me = app.get_auth("/api/auth/me", &key).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json["data"]["email"], address);
    app.get(&format!("/api/auth/me?api_key={key}"))
        .await
        .assert_error(401, "UNAUTHORIZED");
    let used = app.get_auth("/api/keys", &session).await;
    assert!(used.json["data"][0]["lastUsedAt"].is_i64(), "{}", used.body);

    // Revoked: refused at once; revoking twice finds nothing.
    let revoked = delete(&app, &format!("/api/keys/{id}"), &session).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    app.get_auth("/api/auth/me", &key)
        .await
        .assert_error(401, "UNAUTHORIZED");
    delete(&app, &format!("/api/keys/{id}"), &session)
        .await
        .assert_error(404, "NOT_FOUND");
    assert_eq!(
        app.get_auth("/api/keys", &session).await.json["data"],
        json!([])
    );

    // Expired: refused once its lifetime is over.
    let (short, _) = create_key(&app, &session, "Nightly", 1).await;
    assert_eq!(
        app.get_auth("/api/auth/me", &short).await.status,
        StatusCode::OK
    );
    app.clock.advance(86_401);
    app.get_auth("/api/auth/me", &short)
        .await
        .assert_error(401, "UNAUTHORIZED");

    // Another account's key cannot be revoked.
    let other = app.signed_in(&email("other")).await;
    let (_, others_id) = create_key(&app, &other, "Theirs", 30).await;
    delete(&app, &format!("/api/keys/{others_id}"), &session)
        .await
        .assert_error(404, "NOT_FOUND");

    // A disabled owner's keys stop working. (A day has passed: a key now takes a fresh
    // sign-in.)
    let session = app.login(&address, PASSWORD).await.json["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (live, _) = create_key(&app, &session, "Live", 30).await;
    app.sql(&format!(
        "UPDATE users SET disabled_at = 1 WHERE email = '{address}'"
    ))
    .await;
    app.get_auth("/api/auth/me", &live)
        .await
        .assert_error(403, "ACCOUNT_DISABLED");
}

async fn api_keys_cannot_manage_credentials(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend).dev_mailbox()).await;
    let session = signed_in_without_mail(&app, "limited").await;
    let (key, id) = create_key(&app, &session, "Script", 30).await;
    app.post_auth(
        "/api/keys",
        &key,
        json!({"name": "Another", "expiresInDays": 30}),
    )
    .await
    .assert_error(403, "PERMISSION_DENIED");
    app.get_auth("/api/keys", &key)
        .await
        .assert_error(403, "PERMISSION_DENIED");
    delete(&app, &format!("/api/keys/{id}"), &key)
        .await
        .assert_error(403, "PERMISSION_DENIED");
    app.post_auth("/api/auth/logout", &key, json!({}))
        .await
        .assert_error(403, "PERMISSION_DENIED");
    // The key still works after all that.
    assert_eq!(
        app.get_auth("/api/auth/me", &key).await.status,
        StatusCode::OK
    );
}

async fn api_key_requests_are_validated(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend).dev_mailbox()).await;
    let session = signed_in_without_mail(&app, "validated").await;
    for (body, field) in [
        (json!({"name": "", "expiresInDays": 30}), "name"),
        (json!({"name": "x".repeat(65), "expiresInDays": 30}), "name"),
        (json!({"name": "ok", "expiresInDays": 0}), "expiresInDays"),
        (json!({"name": "ok", "expiresInDays": 366}), "expiresInDays"),
    ] {
        let reply = app.post_auth("/api/keys", &session, body.clone()).await;
        reply.assert_error(400, "VALIDATION_ERROR");
        assert!(
            reply.json["error"]["fields"][field].is_string(),
            "{body}: {}",
            reply.body
        );
    }
    app.post_auth("/api/keys", &session, json!({"name": "ok"}))
        .await
        .assert_error(422, "VALIDATION_ERROR");
    app.post_auth(
        "/api/keys",
        &session,
        json!({"name": "ok", "expiresInDays": -1}),
    )
    .await
    .assert_error(422, "VALIDATION_ERROR");
    app.post("/api/keys", json!({"name": "ok", "expiresInDays": 1}))
        .await
        .assert_error(401, "UNAUTHORIZED");
    app.get_auth("/api/auth/me", "msgsg_not-a-real-key")
        .await
        .assert_error(401, "UNAUTHORIZED");
}

/// A verified account made directly in the database (these tests are not about mail).
async fn signed_in_without_mail(app: &TestApp, name: &str) -> String {
    let address = email(name);
    assert_eq!(
        app.signup(&address, testkit::PASSWORD).await.status,
        StatusCode::OK
    );
    app.sql(&format!(
        "UPDATE users SET email_verified_at = 1 WHERE email = '{address}'"
    ))
    .await;
    let reply = app.login(&address, testkit::PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json["data"]["token"].as_str().unwrap().to_owned()
}

async fn set_role(app: &TestApp, token: &str, name: &str, role: &str) -> testkit::Reply {
    app.post_auth(
        &format!("/api/admin/users/{name}/role"),
        token,
        json!({"role": role}),
    )
    .await
}

async fn roles_gate_the_admin_endpoints(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend).dev_mailbox()).await;
    let root = signed_in_without_mail(&app, "root").await;
    let admin = signed_in_without_mail(&app, "admin").await;
    let user = signed_in_without_mail(&app, "user").await;
    let name_of = |token: &str| {
        let app = &app;
        let token = token.to_owned();
        async move {
            app.get_auth("/api/auth/me", &token).await.json["data"]["username"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (admin_name, user_name) = (name_of(&admin).await, name_of(&user).await);
    app.sql("UPDATE users SET role = 'super_admin' WHERE username LIKE 'root%'")
        .await;
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // Without the role: PERMISSION_DENIED, naming the role needed.
    for path in ["/api/admin/users"] {
        let reply = app.get_auth(path, &user).await;
        reply.assert_error(403, "PERMISSION_DENIED");
        assert!(reply.body.contains("admin role"), "{}", reply.body);
    }
    let reply = set_role(&app, &user, &user_name, "super_admin").await;
    reply.assert_error(403, "PERMISSION_DENIED");
    assert!(reply.body.contains("super_admin role"), "{}", reply.body);
    app.post_auth(
        &format!("/api/admin/users/{admin_name}/disable"),
        &user,
        json!({}),
    )
    .await
    .assert_error(403, "PERMISSION_DENIED");

    // A super_admin makes an admin.
    let reply = set_role(&app, &root, &admin_name, "admin").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json["data"]["role"], "admin");
    set_role(&app, &root, &admin_name, "emperor")
        .await
        .assert_error(422, "VALIDATION_ERROR");
    set_role(&app, &root, "nobody-here", "admin")
        .await
        .assert_error(404, "NOT_FOUND");

    // The admin lists accounts — also through an API key, which carries the owner's role.
    let (admin_key, _) = create_key(&app, &admin, "Admin script", 7).await;
    for credential in [&admin, &admin_key] {
        let list = app.get_auth("/api/admin/users", credential).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert_eq!(list.json["data"].as_array().unwrap().len(), 3);
        assert!(!list.body.contains("password"), "{}", list.body);
    }
    // … disables and enables a user, whose session ends at once …
    let reply = app
        .post_auth(
            &format!("/api/admin/users/{user_name}/disable"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json["data"]["disabled"], true);
    app.get_auth("/api/auth/me", &user)
        .await
        .assert_error(401, "UNAUTHORIZED");
    let reply = app
        .post_auth(
            &format!("/api/admin/users/{user_name}/enable"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(reply.json["data"]["disabled"], false, "{}", reply.body);
    // … but cannot touch peers, superiors, roles or itself.
    let root_name = name_of(&root).await;
    for target in [&root_name, &admin_name] {
        app.post_auth(
            &format!("/api/admin/users/{target}/disable"),
            &admin,
            json!({}),
        )
        .await
        .assert_error(403, "PERMISSION_DENIED");
    }
    set_role(&app, &admin, &user_name, "admin")
        .await
        .assert_error(403, "PERMISSION_DENIED");
    set_role(&app, &root, &root_name, "user")
        .await
        .assert_error(403, "PERMISSION_DENIED");
}

#[tokio::test]
async fn promote_command_sets_a_role_while_the_server_runs() {
    let app = TestApp::spawn(Options::new(Backend::Sqlite).dev_mailbox()).await;
    let token = signed_in_without_mail(&app, "operator").await;
    let me = app.get_auth("/api/auth/me", &token).await;
    let username = me.json["data"]["username"].as_str().unwrap().to_owned();
    let email = me.json["data"]["email"].as_str().unwrap().to_owned();
    let server = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("DATA_DIR", app.dir.path())
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/console.db?mode=rwc", app.dir.path().display()),
            )
            .output()
            .unwrap()
    };

    let out = server(&["promote", &email, "super_admin"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("is now super_admin"), "{stdout}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let me = app.get_auth("/api/auth/me", &token).await;
    assert_eq!(me.json["data"]["role"], "super_admin");
    assert_eq!(
        app.get_auth("/api/admin/users", &token).await.status,
        StatusCode::OK
    );

    for (args, said) in [
        (vec!["promote", "nobody@example.com", "admin"], "no account"),
        (vec!["promote", &username, "emperor"], "not a role"),
        (vec!["promote", &username], "usage"),
        (vec!["frobnicate"], "unknown command"),
    ] {
        let out = server(&args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(said), "{args:?}: {stderr}");
    }
}
