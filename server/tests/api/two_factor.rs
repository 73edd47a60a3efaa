//! Two-factor sign-in: enrol, sign in with a code, challenges that die, codes that never
//! work twice, recovery codes, disabling. Codes are computed here from the secret, at the
//! server's clock, as an authenticator app would.

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{Backend, Options, PASSWORD, TestApp, backend_tests, email, totp_code};

backend_tests!(
    enrol_sign_in_with_codes_and_disable,
    a_second_factor_survives_a_reset_and_guards_its_own_lock,
);

fn app(backend: Backend) -> Options {
    Options::new(backend)
}

/// Turns two-factor sign-in on for a signed-in account; returns the secret and the
/// recovery codes.
async fn enrol(app: &TestApp, token: &str) -> (String, Vec<String>) {
    // Even a fresh session needs the password: a stolen one must not tie the account to
    // somebody else's app.
    app.post_auth("/api/auth/2fa/setup", token, json!({}))
        .await
        .assert_error(403, "REAUTH_REQUIRED");
    app.post_auth(
        "/api/auth/2fa/setup",
        token,
        json!({"password": "wrong wrong wrong wrong"}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    let setup = app
        .post_auth("/api/auth/2fa/setup", token, json!({"password": PASSWORD}))
        .await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    let secret = setup.json["data"]["secret"].as_str().unwrap().to_owned();
    let uri = setup.json["data"]["otpauthUri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/msgsg:"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")));
    assert!(
        setup.json["data"]["qrSvg"]
            .as_str()
            .unwrap()
            .contains("<svg")
    );
    // Until a first code is confirmed, nothing is asked at sign-in.
    let status = app.get_auth("/api/auth/2fa", token).await;
    assert_eq!(status.json["data"]["enabled"], false);

    app.post_auth("/api/auth/2fa/enable", token, json!({"code": "000000"}))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    let code = totp_code(&secret, app.clock.now());
    let enabled = app
        .post_auth("/api/auth/2fa/enable", token, json!({"code": code}))
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    let codes: Vec<String> = enabled.json["data"]["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    // The secret rests sealed, the recovery codes as hashes.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM totp_factors WHERE secret_sealed LIKE '%{secret}%'"
        ))
        .await,
        0
    );
    for code in &codes {
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM recovery_codes WHERE code_hash = '{code}'"
            ))
            .await,
            0
        );
    }
    (secret, codes)
}

/// Signs in with the password; returns the challenge.
async fn password_step(app: &TestApp, address: &str) -> String {
    password_step_with(app, address, PASSWORD).await
}

async fn password_step_with(app: &TestApp, address: &str, password: &str) -> String {
    let reply = app.login(address, password).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.json["data"]["twoFactorRequired"], true,
        "{}",
        reply.body
    );
    assert!(reply.json["data"].get("token").is_none());
    assert!(
        reply.headers.get("set-cookie").is_none(),
        "no session before the second factor"
    );
    reply.json["data"]["challenge"].as_str().unwrap().to_owned()
}

async fn answer(app: &TestApp, challenge: &str, body: Value) -> testkit::Reply {
    let mut body = body;
    body["challenge"] = json!(challenge);
    app.post("/api/auth/2fa/verify", body).await
}

async fn enrol_sign_in_with_codes_and_disable(backend: Backend) {
    let app = TestApp::spawn(app(backend)).await;
    let address = email("twofactor");
    let token = app.signed_in(&address).await;
    let other = app.login(&address, PASSWORD).await.json["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (secret, recovery) = enrol(&app, &token).await;

    // Turning it on signed out every other session, and told the owner.
    app.get_auth("/api/auth/me", &other)
        .await
        .assert_error(401, "UNAUTHORIZED");
    assert_eq!(
        app.get_auth("/api/auth/me", &token).await.status,
        StatusCode::OK
    );
    let mails = app.mails(&address, 2).await;
    assert_eq!(mails[1].subject, "Two-factor sign-in was turned on");
    // A second set-up cannot replace the enabled app.
    app.post_auth("/api/auth/2fa/setup", &token, json!({"password": PASSWORD}))
        .await
        .assert_error(409, "VALIDATION_ERROR");

    // Five wrong codes kill the challenge: even the right code is refused then.
    app.clock.advance(30);
    // Eight at once: exactly five are weighed, the rest find the challenge dead.
    let challenge = password_step(&app, &address).await;
    let tries = (0..8).map(|_| answer(&app, &challenge, json!({"code": "000000"})));
    let codes: Vec<String> = futures_util::future::join_all(tries)
        .await
        .iter()
        .map(|r| r.code().to_owned())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| *c == "VALIDATION_ERROR").count(),
        5,
        "{codes:?}"
    );
    assert_eq!(codes.iter().filter(|c| *c == "UNAUTHORIZED").count(), 3);
    let now_code = totp_code(&secret, app.clock.now());
    answer(&app, &challenge, json!({"code": now_code}))
        .await
        .assert_error(401, "UNAUTHORIZED");
    answer(&app, "not-a-challenge", json!({"code": now_code}))
        .await
        .assert_error(401, "UNAUTHORIZED");

    // The right code on a fresh challenge signs in, once.
    let challenge = password_step(&app, &address).await;
    let signed = answer(&app, &challenge, json!({"code": now_code})).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    let session = signed.json["data"]["token"].as_str().unwrap().to_owned();
    assert_eq!(signed.json["data"]["user"]["email"], address);
    assert!(
        signed
            .headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("msgsg_session="))
    );
    assert_eq!(
        app.get_auth("/api/auth/me", &session).await.status,
        StatusCode::OK
    );
    answer(&app, &challenge, json!({"code": now_code}))
        .await
        .assert_error(401, "UNAUTHORIZED");
    // The same code never works twice, even on a new challenge.
    let challenge = password_step(&app, &address).await;
    answer(&app, &challenge, json!({"code": now_code}))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    // Neither does a code of an earlier step.
    let earlier = totp_code(&secret, app.clock.now() - 30);
    answer(&app, &challenge, json!({"code": earlier}))
        .await
        .assert_error(400, "VALIDATION_ERROR");

    // A recovery code works once, typed any way.
    let typed = recovery[0].to_uppercase().replace('-', " ");
    let signed = answer(&app, &challenge, json!({"recoveryCode": typed})).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    let challenge = password_step(&app, &address).await;
    answer(&app, &challenge, json!({"recoveryCode": recovery[0]}))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    answer(&app, &challenge, json!({}))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    let status = app.get_auth("/api/auth/2fa", &session).await;
    assert_eq!(
        status.json["data"],
        json!({"enabled": true, "recoveryCodesLeft": 9})
    );

    // Regenerating replaces every code.
    let fresh = app
        .post_auth(
            "/api/auth/2fa/recovery-codes",
            &session,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    assert_eq!(
        app.mails(&address, 3).await[2].subject,
        "New recovery codes were made"
    );
    answer(&app, &challenge, json!({"recoveryCode": recovery[1]}))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    let new_code = fresh.json["data"]["recoveryCodes"][0].as_str().unwrap();
    assert_eq!(
        answer(&app, &challenge, json!({"recoveryCode": new_code}))
            .await
            .status,
        StatusCode::OK
    );

    // Turning it off needs the password (or a code), always.
    app.post_auth("/api/auth/2fa/disable", &session, json!({}))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.post_auth(
        "/api/auth/2fa/disable",
        &session,
        json!({"password": "wrong password, long enough"}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    let off = app
        .post_auth(
            "/api/auth/2fa/disable",
            &session,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(
        app.mails(&address, 4).await[3].subject,
        "Two-factor sign-in was turned off"
    );
    let plain = app.login(&address, PASSWORD).await;
    assert!(plain.json["data"]["token"].is_string(), "{}", plain.body);
    // API keys cannot turn it on or off.
    app.post_auth("/api/auth/2fa/setup", "msgsg_not_a_key", json!({}))
        .await
        .assert_error(401, "UNAUTHORIZED");
}

async fn a_second_factor_survives_a_reset_and_guards_its_own_lock(backend: Backend) {
    let app = TestApp::spawn(app(backend).set("LOCKOUT_THRESHOLD", 3)).await;
    let address = email("tfreset");
    let token = app.signed_in(&address).await;
    let (secret, _) = enrol(&app, &token).await;

    // A reset changes the password, not the second factor (TK5).
    app.post("/api/auth/forgot-password", json!({"email": address}))
        .await;
    let reset = app.token_from_mail(&address, 2, "/reset-password").await;
    let new_password = "another correct horse battery";
    let done = app
        .post(
            "/api/auth/reset-password",
            json!({"token": reset, "password": new_password}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let first = password_step_with(&app, &address, new_password).await;
    let second = password_step_with(&app, &address, new_password).await;

    // Wrong passwords lock the password counter, never the second factor of the owner.
    app.clock.advance(30);
    for _ in 0..3 {
        app.login(&address, "wrong password, long enough").await;
    }
    app.login(&address, new_password)
        .await
        .assert_error(423, "ACCOUNT_LOCKED");
    let signed = answer(
        &app,
        &first,
        json!({"code": totp_code(&secret, app.clock.now())}),
    )
    .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);

    // Wrong codes have a counter of their own: after the threshold even a right code waits.
    app.clock.advance(30);
    for _ in 0..3 {
        answer(&app, &second, json!({"code": "000000"}))
            .await
            .assert_error(400, "VALIDATION_ERROR");
    }
    answer(
        &app,
        &second,
        json!({"code": totp_code(&secret, app.clock.now())}),
    )
    .await
    .assert_error(423, "ACCOUNT_LOCKED");
}
