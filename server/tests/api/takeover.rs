//! Account takeover, tried as an attacker would: pre-hijacking an address before its owner
//! signs up, credentials that outlive a recovery, answers that tell who has an account, and
//! lockouts that keep the owner out.

use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use testkit::backend_tests;
use testkit::{Backend, Options, PASSWORD, Reply, TestApp, email};

backend_tests!(
    a_squatters_password_never_opens_the_owners_account,
    a_single_signup_keeps_its_password_and_claims_its_username_on_verification,
    a_reset_ends_every_credential,
    api_keys_need_a_recent_sign_in,
    a_taken_username_tells_nothing_about_addresses,
    locked_and_unknown_identifiers_answer_alike,
    a_flood_of_wrong_passwords_never_locks_out_a_known_browser,
    display_name_addresses_are_refused_everywhere,
    derived_usernames_take_a_bounded_number_of_tries,
    common_passwords_and_their_padded_forms_are_refused,
    the_api_key_cap_holds_under_concurrent_creates,
    only_a_session_changes_roles,
);

const SQUATTER_PASSWORD: &str = "the squatter's own passphrase";
const OWNER_PASSWORD: &str = "the owner's chosen passphrase";

/// Every verification token mailed to `to`, once `count` mails arrived.
async fn verify_tokens(app: &TestApp, to: &str, count: usize) -> Vec<String> {
    let mut tokens = Vec::new();
    for index in 0..count {
        tokens.push(app.token_from_mail(to, index, "/verify-email").await);
    }
    tokens
}

async fn state_of(app: &TestApp, token: &str) -> String {
    let reply = app
        .get(&format!("/api/auth/verify-email/validate?token={token}"))
        .await;
    reply.json["data"]["state"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// PH1 (classic pre-hijack): the attacker signs up with the victim's address and a password
/// of their own and asks for more links; the victim signs up too, before or after. Nobody can
/// tell which signup was the owner's, so no password chosen at signup survives: whichever
/// link the victim clicks, the address is verified, neither password opens the account, and
/// the mailbox owner is sent a link to choose one.
async fn a_squatters_password_never_opens_the_owners_account(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend)).await;
    for squatter_first in [true, false] {
        let victim = email("victim");
        let (first, second) = if squatter_first {
            (SQUATTER_PASSWORD, OWNER_PASSWORD)
        } else {
            (OWNER_PASSWORD, SQUATTER_PASSWORD)
        };
        assert_eq!(app.signup(&victim, first).await.status, StatusCode::OK);
        app.post("/api/auth/resend-verification", json!({"email": victim}))
            .await;
        app.mails(&victim, 2).await;
        // The second signup gets the same friendly answer as a new address (EN2).
        let reply = app.signup(&victim, second).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json["data"]["verificationRequired"], true);
        // And a link the attacker asks for now carries no password either.
        app.post("/api/auth/resend-verification", json!({"email": victim}))
            .await;
        let tokens = verify_tokens(&app, &victim, 4).await;
        for token in &tokens {
            assert_eq!(state_of(&app, token).await, "valid");
        }
        // Whichever one is clicked (here: each in turn, on a fresh address).
        let clicked = if squatter_first {
            &tokens[0]
        } else {
            &tokens[3]
        };
        let verified = app
            .post("/api/auth/verify-email", json!({"token": clicked}))
            .await;
        assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
        assert_eq!(verified.json["data"]["choosePassword"], true);
        for password in [SQUATTER_PASSWORD, OWNER_PASSWORD] {
            app.login(&victim, password)
                .await
                .assert_error(401, "UNAUTHORIZED");
        }
        for token in &tokens {
            if token != clicked {
                assert_eq!(state_of(&app, token).await, "already_verified");
            }
        }
        // The mailbox proved its owner: they choose the password.
        let mails = app.mails(&victim, 5).await;
        let index = mails
            .iter()
            .position(|m| m.subject == "Choose your password")
            .expect("a link to choose a password");
        let token = app.token_from_mail(&victim, index, "/reset-password").await;
        let chosen = app
            .post(
                "/api/auth/reset-password",
                json!({"token": token, "password": OWNER_PASSWORD}),
            )
            .await;
        assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.body);
        assert_eq!(
            app.login(&victim, OWNER_PASSWORD).await.status,
            StatusCode::OK
        );
    }
}

/// With a single signup, its link (or a resend) activates that signup's password and claims
/// the username it asked for; a username is claimed only at verification.
async fn a_single_signup_keeps_its_password_and_claims_its_username_on_verification(
    backend: Backend,
) {
    let app = TestApp::spawn(Options::new(backend)).await;
    let address = email("single");
    let reply = app
        .post(
            "/api/auth/signup",
            json!({"email": address, "password": OWNER_PASSWORD, "username": "claimed-name"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    app.post("/api/auth/resend-verification", json!({"email": address}))
        .await;
    let tokens = verify_tokens(&app, &address, 2).await;
    // Until then the name is free: its answer says nothing about the address.
    let probe = app
        .post(
            "/api/auth/signup",
            json!({"email": email("probe"), "password": PASSWORD, "username": "claimed-name-2"}),
        )
        .await;
    assert_eq!(probe.status, StatusCode::OK);
    let verified = app
        .post("/api/auth/verify-email", json!({"token": tokens[0]}))
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(verified.json["data"]["choosePassword"], false);
    let login = app.login(&address, OWNER_PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.json["data"]["user"]["username"], "claimed-name");
}

/// PH2: a stolen session mints a key; the owner's reset must stop the session, the key,
/// every pending link, and say so.
async fn a_reset_ends_every_credential(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend)).await;
    let address = email("recover");
    let session = app.signed_in(&address).await;
    let created = app
        .post_auth(
            "/api/keys",
            &session,
            json!({"name": "attacker", "expiresInDays": 365}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let key = created.json["data"]["key"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get_auth("/api/auth/me", &key).await.status,
        StatusCode::OK
    );

    for _ in 0..2 {
        app.post("/api/auth/forgot-password", json!({"email": address}))
            .await;
    }
    let first = app.token_from_mail(&address, 1, "/reset-password").await;
    let second = app.token_from_mail(&address, 2, "/reset-password").await;
    let reset = app
        .post(
            "/api/auth/reset-password",
            json!({"token": first, "password": "a fresh start for my account"}),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);

    app.get_auth("/api/auth/me", &session)
        .await
        .assert_error(401, "UNAUTHORIZED");
    app.get_auth("/api/auth/me", &key)
        .await
        .assert_error(401, "UNAUTHORIZED");
    app.post(
        "/api/auth/reset-password",
        json!({"token": second, "password": "another fresh start here"}),
    )
    .await
    .assert_error(410, "TOKEN_USED");
    let mails = app.mails(&address, 4).await;
    let notice = mails
        .iter()
        .find(|m| m.subject == "Your password was changed")
        .expect("a password-changed notice");
    assert!(
        notice.text.contains("1 session") && notice.text.contains("1 API key"),
        "{}",
        notice.text
    );
    assert_eq!(
        app.login(&address, "a fresh start for my account")
            .await
            .status,
        StatusCode::OK
    );
}

/// PH2: a session older than RECENT_SIGN_IN_SECONDS needs the password to mint a key.
async fn api_keys_need_a_recent_sign_in(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend).set("RECENT_SIGN_IN_SECONDS", 60)).await;
    let session = app.signed_in(&email("recent")).await;
    let body = json!({"name": "fresh", "expiresInDays": 30});
    assert_eq!(
        app.post_auth("/api/keys", &session, body).await.status,
        StatusCode::OK
    );
    app.clock.advance(61);
    let stale = json!({"name": "stale", "expiresInDays": 30});
    app.post_auth("/api/keys", &session, stale)
        .await
        .assert_error(403, "REAUTH_REQUIRED");
    let wrong = json!({"name": "stale", "expiresInDays": 30, "password": "not my password at all"});
    let reply = app.post_auth("/api/keys", &session, wrong).await;
    reply.assert_error(400, "VALIDATION_ERROR");
    assert!(reply.json["error"]["fields"]["password"].is_string());
    let confirmed = json!({"name": "stale", "expiresInDays": 30, "password": PASSWORD});
    assert_eq!(
        app.post_auth("/api/keys", &session, confirmed).await.status,
        StatusCode::OK
    );
}

/// EN2: whether the username is free is the only thing a signup answer may depend on.
async fn a_taken_username_tells_nothing_about_addresses(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend)).await;
    let owner = email("named");
    let reply = app
        .post(
            "/api/auth/signup",
            json!({"email": owner, "password": PASSWORD, "username": "taken-name"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let token = app.token_from_mail(&owner, 0, "/verify-email").await;
    app.post("/api/auth/verify-email", json!({"token": token}))
        .await;
    let attempt = |address: String, username: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/api/auth/signup",
                json!({"email": address, "password": PASSWORD, "username": username}),
            )
            .await
        }
    };
    let registered = attempt(owner.clone(), "taken-name").await;
    let unknown = attempt(email("fresh"), "taken-name").await;
    registered.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(registered.body, unknown.body);
    let registered = attempt(owner.clone(), "free-name-1").await;
    assert_eq!(registered.status, StatusCode::OK);
    let unknown = attempt(email("fresh"), "free-name-2").await;
    assert_eq!(unknown.status, StatusCode::OK);
}

/// RL3: after the threshold, a registered and an unknown address answer the same, and the
/// lock is refused before any password check for both.
async fn locked_and_unknown_identifiers_answer_alike(backend: Backend) {
    let app = TestApp::spawn(
        Options::new(backend)
            .set("LOCKOUT_THRESHOLD", 3)
            .set("LOCKOUT_SECONDS", 600),
    )
    .await;
    let known = email("known");
    app.verified_account(&known).await;
    let unknown = email("nobody");
    let mut answers = Vec::new();
    for address in [&known, &unknown] {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let reply = app.login(address, "a wrong password, long enough").await;
            seen.push((reply.status, reply.body));
        }
        let locked = app.login(address, PASSWORD).await;
        let retry: u64 = locked.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=600).contains(&retry));
        seen.push((locked.status, locked.body));
        answers.push(seen);
    }
    assert_eq!(
        answers[0], answers[1],
        "the answers tell who has an account"
    );
    assert_eq!(answers[0][3].0, StatusCode::LOCKED);
    assert_eq!(answers[0][0].0, StatusCode::UNAUTHORIZED);
    // A username locks alike, known or not.
    app.clock.advance(601);
    let me = app.login(&known, PASSWORD).await;
    let username = me.json["data"]["user"]["username"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut answers = Vec::new();
    for name in [username.as_str(), "nobody-by-this-name"] {
        let mut seen = Vec::new();
        for _ in 0..4 {
            let reply = app
                .post(
                    "/api/auth/login",
                    json!({"username": name, "password": "a wrong password, long enough"}),
                )
                .await;
            seen.push((reply.status, reply.body));
        }
        answers.push(seen);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0][3].0, StatusCode::LOCKED);
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn login_from(
    app: &TestApp,
    client: &reqwest::Client,
    address: &str,
    password: &str,
) -> Reply {
    let response = client
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": address, "password": password}))
        .send()
        .await
        .unwrap();
    Reply::read(response).await
}

/// RL3 (OWASP device cookies): a stranger's wrong passwords lock strangers out, not the
/// browser the owner signed in from before; that browser's own typos lock only itself; the
/// owner is mailed once per lock; a reset ends the trust of earlier browsers.
async fn a_flood_of_wrong_passwords_never_locks_out_a_known_browser(backend: Backend) {
    let app = TestApp::spawn(
        Options::new(backend)
            .set("LOCKOUT_THRESHOLD", 3)
            .set("LOCKOUT_SECONDS", 600),
    )
    .await;
    let address = email("owner");
    app.verified_account(&address).await;
    let owner = browser();
    let first = login_from(&app, &owner, &address, PASSWORD).await;
    assert_eq!(first.status, StatusCode::OK);
    let device = first
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("msgsg_device="))
        .expect("a device cookie")
        .to_owned();
    assert!(device.contains("HttpOnly") && device.contains("Path=/api/auth/login"));

    // The owner's browser mistypes: it locks itself, not the account for anyone else.
    for _ in 0..3 {
        login_from(&app, &owner, &address, "owner typo, long enough").await;
    }
    login_from(&app, &owner, &address, PASSWORD)
        .await
        .assert_error(423, "ACCOUNT_LOCKED");
    assert_eq!(app.login(&address, PASSWORD).await.status, StatusCode::OK);
    app.clock.advance(601);

    // A stranger floods: strangers are locked out, the owner's browser is not.
    for _ in 0..5 {
        app.login(&address, "stranger guess, long enough").await;
    }
    app.login(&address, PASSWORD)
        .await
        .assert_error(423, "ACCOUNT_LOCKED");
    assert_eq!(
        login_from(&app, &owner, &address, PASSWORD).await.status,
        StatusCode::OK
    );
    // One notice for the lock, however long the flood goes on.
    let notices = |mails: &[testkit::maildev::Mail]| {
        mails
            .iter()
            .filter(|m| m.subject == "Failed sign-in attempts on your account")
            .count()
    };
    let mails = app.mails(&address, 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails_now = app.mails(&address, mails.len()).await;
    assert_eq!(notices(&mails_now), 1, "exactly one notice per lock");

    // The owner recovers the account from another browser: the lock is forgotten, and
    // that browser is trusted from now on, while one trusted before is a stranger again.
    app.clock.advance(2);
    app.post("/api/auth/forgot-password", json!({"email": address}))
        .await;
    let count = mails_now.len() + 1;
    let mails = app.mails(&address, count).await;
    let index = mails
        .iter()
        .position(|m| m.subject == "Reset your password")
        .unwrap();
    let token = app
        .token_from_mail(&address, index, "/reset-password")
        .await;
    let recovering = browser();
    let reset = recovering
        .post(app.url("/api/auth/reset-password"))
        .json(&json!({"token": token, "password": NEW_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(
        app.login(&address, NEW_PASSWORD).await.status,
        StatusCode::OK
    );
    for _ in 0..5 {
        app.login(&address, "stranger guess, long enough").await;
    }
    login_from(&app, &owner, &address, NEW_PASSWORD)
        .await
        .assert_error(423, "ACCOUNT_LOCKED");
    assert_eq!(
        login_from(&app, &recovering, &address, NEW_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
}

const NEW_PASSWORD: &str = "my new and private passphrase";

/// A display name or comment multiplies accounts per inbox and spoofs addresses.
async fn display_name_addresses_are_refused_everywhere(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend)).await;
    for address in [
        "Victim <v@example.com>",
        "\"v@example.com\" <attacker@evil.example>",
        "v@example.com (the owner)",
    ] {
        for (path, body) in [
            (
                "/api/auth/signup",
                json!({"email": address, "password": PASSWORD}),
            ),
            (
                "/api/auth/login",
                json!({"email": address, "password": PASSWORD}),
            ),
            ("/api/auth/resend-verification", json!({"email": address})),
            ("/api/auth/forgot-password", json!({"email": address})),
        ] {
            let reply = app.post(path, body).await;
            reply.assert_error(400, "VALIDATION_ERROR");
            assert!(reply.json["error"]["fields"]["email"].is_string(), "{path}");
        }
    }
    let reply = app.signup("Owner@Example.COM", PASSWORD).await;
    assert_eq!(reply.json["data"]["email"], "owner@example.com");
}

/// No request may loop on attacker-shaped data: every derived name is taken here.
async fn derived_usernames_take_a_bounded_number_of_tries(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend)).await;
    let fill = match backend {
        Backend::Sqlite => {
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999) \
             INSERT INTO users (id, email, username, role, created_at, updated_at) \
             SELECT 'sq' || i, 'sq' || i || '@squat.example', \
                    'squat-' || substr('0000' || i, -4, 4), 'user', 0, 0 FROM n"
        }
        Backend::Postgres => {
            "INSERT INTO users (id, email, username, role, created_at, updated_at) \
             SELECT 'sq' || i, 'sq' || i || '@squat.example', \
                    'squat-' || lpad(i::text, 4, '0'), 'user', 0, 0 \
             FROM generate_series(0, 9999) AS i"
        }
    };
    app.sql(fill).await;
    app.sql(
        "INSERT INTO users (id, email, username, role, created_at, updated_at) \
         VALUES ('sqbase', 'base@squat.example', 'squat', 'user', 0, 0)",
    )
    .await;
    let signup = tokio::time::timeout(
        Duration::from_secs(30),
        app.signup("squat@example.com", PASSWORD),
    )
    .await
    .expect("signup must not loop on taken names");
    assert_eq!(signup.status, StatusCode::OK);
    let username: String =
        sqlx::query_scalar("SELECT username FROM users WHERE email = 'squat@example.com'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(username.starts_with("squat-"), "{username}");
}

/// PW2: a breach-corpus list, with padded and repeated forms.
async fn common_passwords_and_their_padded_forms_are_refused(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend)).await;
    for weak in [
        "monkey123456789",
        "passwordpassword",
        "123456789012345",
        "!!!Sunshine!!!2024",
    ] {
        let reply = app.signup(&email("weak"), weak).await;
        reply.assert_error(400, "VALIDATION_ERROR");
        assert!(
            reply.json["error"]["fields"]["password"].is_string(),
            "{weak}"
        );
    }
}

/// 49 keys, then ten concurrent creates: exactly one more may exist.
async fn the_api_key_cap_holds_under_concurrent_creates(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend)).await;
    let session = app.signed_in(&email("cap")).await;
    let me = app.get_auth("/api/auth/me", &session).await;
    let id = me.json["data"]["id"].as_str().unwrap().to_owned();
    for i in 0..49 {
        app.sql(&format!(
            "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at, expires_at) \
             VALUES ('k{i}', '{id}', 'k{i}', 'msgsg_k', 'hash{i}', 0, 99999999999)"
        ))
        .await;
    }
    let creates = (0..10).map(|i| {
        let body = json!({"name": format!("race {i}"), "expiresInDays": 30});
        let (app, session) = (&app, &session);
        async move { app.post_auth("/api/keys", session, body).await.status }
    });
    let statuses = futures_util::future::join_all(creates).await;
    let made = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(made, 1, "{statuses:?}");
}

/// A script's key acts as its owner, but granting roles takes a signed-in person.
async fn only_a_session_changes_roles(backend: Backend) {
    let app = TestApp::spawn(Options::new(backend)).await;
    let boss = email("boss");
    app.verified_account(&boss).await;
    app.sql(&format!(
        "UPDATE users SET role = 'super_admin' WHERE email = '{boss}'"
    ))
    .await;
    let other = email("other");
    app.verified_account(&other).await;
    let session = app.login(&boss, PASSWORD).await.json["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = app
        .post_auth(
            "/api/keys",
            &session,
            json!({"name": "ops", "expiresInDays": 1}),
        )
        .await
        .json["data"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/admin/users/{other}/role");
    app.post_auth(&path, &key, json!({"role": "admin"}))
        .await
        .assert_error(403, "PERMISSION_DENIED");
    assert_eq!(
        app.post_auth(&path, &session, json!({"role": "admin"}))
            .await
            .status,
        StatusCode::OK
    );
}

/// SE3: the end of the Google flow carries a hand-off token and cookies.
#[tokio::test]
async fn the_google_callback_page_is_never_cached() {
    let app = TestApp::spawn(Options::new(Backend::Sqlite)).await;
    for path in [
        "/auth/callback",
        "/auth/callback?token=x",
        "/auth/callback?error=oauth_failed",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(reply.headers["cache-control"], "no-store", "{path}");
    }
}

/// A console that only looks local (no SMTP, loopback) keeps its dev mailbox to direct
/// loopback requests: through a proxy or tunnel, every reset link would be public.
#[tokio::test]
async fn the_implicit_dev_mailbox_answers_only_direct_loopback_requests() {
    let app = TestApp::spawn(
        Options::new(Backend::Sqlite)
            .dev_mailbox()
            .set("DEV_MAILBOX", 0)
            .set("PUBLIC_URL", "http://127.0.0.1:3999"),
    )
    .await;
    assert_eq!(app.get("/dev/mailbox").await.status, StatusCode::OK);
    for header in ["x-forwarded-for", "forwarded", "x-real-ip"] {
        let reply = app
            .http
            .get(app.url("/dev/mailbox"))
            .header(header, "203.0.113.9")
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::NOT_FOUND, "{header}");
    }
}
