//! "Continue with Google" end to end against a real OpenID Connect provider process, with a
//! browser simulated by hand (its cookies, the redirects it follows), on SQLite and
//! PostgreSQL.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use testkit::{
    Backend, Options, PASSWORD, PUBLIC_URL, TestApp, backend_tests, email, oidc::OidcProvider,
};

backend_tests!(
    first_google_sign_in_creates_a_verified_account,
    google_links_an_existing_verified_account,
    pre_registered_password_is_removed_when_google_proves_the_address,
    unverified_google_addresses_are_refused,
    tampered_id_tokens_are_refused,
    state_is_single_use_and_bound_to_the_browser,
    handoff_token_is_single_use_short_lived_and_browser_bound,
    disabled_accounts_cannot_sign_in_with_google,
    google_sign_in_of_a_two_factor_account_asks_for_the_code,
);

const DASHBOARD: &str = "/dashboard";
const FAILED: &str = "/login?error=oauth_failed";

/// A browser: its cookies (by name; the server reads them by name only) and the redirects
/// it follows.
#[derive(Default, Clone)]
struct Browser {
    cookies: BTreeMap<String, String>,
}

impl Browser {
    /// Loads `url` and returns where it redirects to. Console URLs (the public address)
    /// are sent to the test server.
    async fn open(&mut self, app: &TestApp, url: &str) -> String {
        let url = match url.strip_prefix(PUBLIC_URL) {
            Some(path) => app.url(path),
            None if url.starts_with('/') => app.url(url),
            None => url.to_owned(),
        };
        let mut request = app.http.get(&url);
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            request = request.header(header::COOKIE, jar.join("; "));
        }
        let response = request.send().await.unwrap();
        for set in response.headers().get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        assert!(
            status.is_redirection(),
            "{url} answered {status}: {}",
            response.text().await.unwrap_or_default()
        );
        response.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// Clicks "Continue with Google" and returns the provider's authorization URL.
    async fn start(&mut self, app: &TestApp) -> String {
        self.open(app, "/api/auth/google").await
    }

    /// Follows every redirect from `url` until the browser is back on a console page.
    async fn follow(&mut self, app: &TestApp, mut url: String) -> String {
        for _ in 0..5 {
            url = self.open(app, &url).await;
            if url == DASHBOARD || url.starts_with("/login") {
                return url;
            }
        }
        panic!("too many redirects, last {url}");
    }

    async fn sign_in_with_google(&mut self, app: &TestApp) -> String {
        let authorize = self.start(app).await;
        self.follow(app, authorize).await
    }

    fn session(&self) -> Option<&String> {
        self.cookies.get("msgsg_session")
    }

    async fn me(&self, app: &TestApp) -> Value {
        let reply = app
            .get_auth("/api/auth/me", self.session().expect("a session cookie"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json["data"].clone()
    }
}

async fn with_google(backend: Backend, smtp: bool) -> (TestApp, OidcProvider) {
    let provider = OidcProvider::start();
    let mut options = Options::new(backend).google(&provider);
    if !smtp {
        options = options.dev_mailbox();
    }
    let app = TestApp::spawn(options).await;
    (app, provider)
}

fn person(sub: &str, address: &str, verified: bool) -> Value {
    json!({"sub": sub, "email": address, "email_verified": verified, "name": "Pat Doe"})
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
        .get::<i64, _>(0)
}

async fn sessions_of(app: &TestApp, address: &str) -> i64 {
    count(
        app,
        &format!(
            "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = '{address}'"
        ),
    )
    .await
}

async fn first_google_sign_in_creates_a_verified_account(backend: Backend) {
    let (app, provider) = with_google(backend, false).await;
    let address = email("google-new");
    provider
        .set_identity(person("sub-new-1", &address, true))
        .await;

    let mut browser = Browser::default();
    let authorize = browser.start(&app).await;
    // The provider is asked with a state, a nonce and a PKCE S256 challenge.
    let url = url::Url::parse(&authorize).unwrap();
    let query: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert!(authorize.starts_with(&provider.issuer));
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(query["state"].len() >= 32 && query["nonce"].len() >= 32);
    assert_eq!(
        query["redirect_uri"],
        format!("{PUBLIC_URL}/api/auth/google/callback")
    );
    assert!(query["scope"].contains("openid") && query["scope"].contains("email"));

    assert_eq!(browser.follow(&app, authorize).await, DASHBOARD);
    let me = browser.me(&app).await;
    assert_eq!(me["email"], address.to_lowercase());
    assert_eq!(me["emailVerified"], true);
    assert_eq!(me["signInMethods"], json!(["google"]));
    let id = me["id"].clone();
    // The hand-off cookie is gone once used.
    assert!(!browser.cookies.contains_key("msgsg_handoff"));

    // No password was set, so no password opens the account.
    app.login(&address, PASSWORD)
        .await
        .assert_error(401, "UNAUTHORIZED");

    // The identity is the provider's subject, not the address: the same person signs in
    // again after changing their address at the provider.
    provider
        .set_identity(person("sub-new-1", &email("changed"), true))
        .await;
    let mut later = Browser::default();
    assert_eq!(later.sign_in_with_google(&app).await, DASHBOARD);
    assert_eq!(later.me(&app).await["id"], id);
}

async fn google_links_an_existing_verified_account(backend: Backend) {
    let (app, provider) = with_google(backend, true).await;
    let address = email("linked");
    app.verified_account(&address).await;
    provider
        .set_identity(person("sub-linked", &address.to_uppercase(), true))
        .await;

    let mut browser = Browser::default();
    assert_eq!(browser.sign_in_with_google(&app).await, DASHBOARD);
    let me = browser.me(&app).await;
    assert_eq!(me["email"], address);
    assert_eq!(me["signInMethods"], json!(["password", "google"]));
    // The owner is told a new way into the account was added.
    let mails = app.mails(&address, 2).await;
    assert_eq!(mails[1].subject, "Google sign-in was added to your account");
    assert!(
        mails[1]
            .text
            .contains(&format!("{PUBLIC_URL}/forgot-password"))
    );
    // The password still works too.
    let reply = app.login(&address, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json["data"]["user"]["id"], me["id"]);
}

/// Someone registers another person's address with a password of theirs and never verifies
/// it. When the owner signs in with Google, the account becomes the owner's: the intruder's
/// password and links stop working (OA4).
async fn pre_registered_password_is_removed_when_google_proves_the_address(backend: Backend) {
    let (app, provider) = with_google(backend, true).await;
    let address = email("victim");
    assert_eq!(app.signup(&address, PASSWORD).await.status, StatusCode::OK);
    let intruders_link = app.token_from_mail(&address, 0, "/verify-email").await;

    provider
        .set_identity(person("sub-owner", &address, true))
        .await;
    let mut owner = Browser::default();
    assert_eq!(owner.sign_in_with_google(&app).await, DASHBOARD);
    let me = owner.me(&app).await;
    assert_eq!(me["emailVerified"], true);
    assert_eq!(me["signInMethods"], json!(["google"]));

    app.login(&address, PASSWORD)
        .await
        .assert_error(401, "UNAUTHORIZED");
    let state = app
        .get(&format!(
            "/api/auth/verify-email/validate?token={intruders_link}"
        ))
        .await;
    assert_ne!(state.json["data"]["state"], "valid", "{}", state.body);
}

async fn unverified_google_addresses_are_refused(backend: Backend) {
    let (app, provider) = with_google(backend, true).await;

    // An existing account is not linked on an address the provider does not vouch for.
    let address = email("unvouched");
    app.verified_account(&address).await;
    provider
        .set_identity(person("sub-unvouched", &address, false))
        .await;
    let mut browser = Browser::default();
    assert_eq!(browser.sign_in_with_google(&app).await, FAILED);
    assert!(browser.session().is_none());
    assert_eq!(sessions_of(&app, &address).await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM identities").await,
        0,
        "nothing was linked"
    );

    // Nor is a new account made for it, nor for an identity without any address.
    let fresh = email("unvouched-new");
    provider
        .set_identity(person("sub-unvouched-new", &fresh, false))
        .await;
    assert_eq!(Browser::default().sign_in_with_google(&app).await, FAILED);
    provider.set_identity(json!({"sub": "sub-no-email"})).await;
    assert_eq!(Browser::default().sign_in_with_google(&app).await, FAILED);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM users WHERE email = '{fresh}'")
        )
        .await,
        0
    );
}

async fn tampered_id_tokens_are_refused(backend: Backend) {
    let (app, provider) = with_google(backend, false).await;
    let address = email("tampered");
    provider
        .set_identity(person("sub-tampered", &address, true))
        .await;
    let long_ago = 1_000_000_000;
    for tamper in [
        json!({"aud": "another-client"}),
        json!({"nonce": "not-the-nonce-we-sent"}),
        json!({"iss": "http://127.0.0.1:1/evil"}),
        json!({"exp": long_ago, "iat": long_ago - 60}),
    ] {
        provider.tamper(tamper.clone()).await;
        let mut browser = Browser::default();
        assert_eq!(browser.sign_in_with_google(&app).await, FAILED, "{tamper}");
        assert!(browser.session().is_none(), "{tamper}");
    }
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM users WHERE email = '{address}'")
        )
        .await,
        0
    );
    // The same identity with an honest token gets in.
    provider.tamper(json!({})).await;
    assert_eq!(
        Browser::default().sign_in_with_google(&app).await,
        DASHBOARD
    );
}

async fn state_is_single_use_and_bound_to_the_browser(backend: Backend) {
    let (app, provider) = with_google(backend, false).await;
    provider
        .set_identity(person("sub-state", &email("state"), true))
        .await;

    // Mismatched: a browser returns with the state of another browser's attempt (login CSRF).
    let mut victim = Browser::default();
    victim.start(&app).await;
    let mut attacker = Browser::default();
    let attackers_authorize = attacker.start(&app).await;
    let attackers_callback = attacker.open(&app, &attackers_authorize).await;
    assert_eq!(
        victim.follow(&app, attackers_callback.clone()).await,
        FAILED
    );
    assert!(victim.session().is_none());

    // Without any attempt cookie.
    assert_eq!(
        Browser::default()
            .follow(&app, attackers_callback.clone())
            .await,
        FAILED
    );

    // Replayed: a completed callback, sent again with the attempt cookie it had.
    let mut browser = Browser::default();
    let authorize = browser.start(&app).await;
    let callback = browser.open(&app, &authorize).await;
    let before = browser.clone();
    assert_eq!(browser.follow(&app, callback.clone()).await, DASHBOARD);
    let mut replay = before;
    assert_eq!(replay.follow(&app, callback).await, FAILED);

    // The user declines at the provider.
    let mut declined = Browser::default();
    declined.start(&app).await;
    let url = format!("{PUBLIC_URL}/api/auth/google/callback?error=access_denied");
    assert_eq!(declined.follow(&app, url).await, FAILED);
}

async fn handoff_token_is_single_use_short_lived_and_browser_bound(backend: Backend) {
    let (app, provider) = with_google(backend, false).await;
    provider
        .set_identity(person("sub-handoff", &email("handoff"), true))
        .await;

    async fn handoff_url(app: &TestApp, browser: &mut Browser) -> String {
        let authorize = browser.start(app).await;
        let callback = browser.open(app, &authorize).await;
        let handoff = browser.open(app, &callback).await;
        assert!(
            handoff.starts_with(&format!("{PUBLIC_URL}/auth/callback?token=")),
            "{handoff}"
        );
        handoff
    }

    // Another browser cannot use it; the browser that started the flow can, once.
    let mut browser = Browser::default();
    let handoff = handoff_url(&app, &mut browser).await;
    let mut elsewhere = Browser::default();
    assert_eq!(elsewhere.open(&app, &handoff).await, FAILED);
    assert!(elsewhere.session().is_none());
    let binding = browser.cookies.clone();
    assert_eq!(browser.open(&app, &handoff).await, DASHBOARD);
    let mut replay = Browser { cookies: binding };
    replay.cookies.remove("msgsg_session");
    assert_eq!(replay.open(&app, &handoff).await, FAILED);
    assert!(replay.session().is_none());

    // It lives a minute at most.
    let mut slow = Browser::default();
    let handoff = handoff_url(&app, &mut slow).await;
    app.clock.advance(61);
    assert_eq!(slow.open(&app, &handoff).await, FAILED);
    assert!(slow.session().is_none());

    // A session token is not a hand-off token, nor is garbage.
    let mut browser = Browser::default();
    assert_eq!(browser.sign_in_with_google(&app).await, DASHBOARD);
    let session = browser.session().unwrap().clone();
    let mut other = Browser::default();
    let url = format!("/auth/callback?token={session}");
    assert_eq!(other.open(&app, &url).await, FAILED);
    assert_eq!(other.open(&app, "/auth/callback?token=x.y.z").await, FAILED);
    assert_eq!(other.open(&app, "/auth/callback").await, FAILED);
}

async fn disabled_accounts_cannot_sign_in_with_google(backend: Backend) {
    let (app, provider) = with_google(backend, false).await;
    let address = email("disabled-google");
    provider
        .set_identity(person("sub-disabled", &address, true))
        .await;
    assert_eq!(
        Browser::default().sign_in_with_google(&app).await,
        DASHBOARD
    );
    app.sql(&format!(
        "UPDATE users SET disabled_at = 1 WHERE email = '{address}'"
    ))
    .await;
    let before = sessions_of(&app, &address).await;
    let mut browser = Browser::default();
    assert_eq!(
        browser.sign_in_with_google(&app).await,
        "/login?error=account_disabled"
    );
    assert!(browser.session().is_none());
    assert_eq!(sessions_of(&app, &address).await, before);
}

#[tokio::test]
async fn google_is_offered_only_when_configured() {
    let plain = TestApp::spawn(Options::new(Backend::Sqlite).dev_mailbox()).await;
    plain
        .get("/api/auth/google")
        .await
        .assert_error(404, "GOOGLE_NOT_CONFIGURED");
    let providers = plain.get("/api/auth/providers").await;
    assert_eq!(
        providers.json["data"],
        json!({"password": true, "google": false})
    );
    let login = plain.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(!login.body.contains("Continue with Google"));

    let (app, _provider) = with_google(Backend::Sqlite, false).await;
    assert_eq!(
        app.get("/api/auth/providers").await.json["data"]["google"],
        true
    );
    for page in ["/login", "/signup"] {
        let body = app.get(page).await.body;
        assert!(body.contains("Continue with Google"), "{page}");
        assert!(body.contains(r#"href="/api/auth/google""#), "{page}");
    }
}

/// The provider is down at start: the console serves, says so in the log, and sends
/// would-be Google users back to the sign-in page with an error.
#[tokio::test]
async fn unreachable_provider_leaves_the_console_serving() {
    let port = testkit::maildev::free_port();
    let app = TestApp::spawn(
        Options::new(Backend::Sqlite)
            .dev_mailbox()
            .set("GOOGLE_CLIENT_ID", "id")
            .set("GOOGLE_CLIENT_SECRET", "secret")
            .set("GOOGLE_ISSUER_URL", format!("http://127.0.0.1:{port}")),
    )
    .await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let mut browser = Browser::default();
    assert_eq!(browser.start(&app).await, format!("{PUBLIC_URL}{FAILED}"));
    assert!(browser.cookies.is_empty());
}

/// Too many attempts from one address: the browser lands on the sign-in page with a
/// message, not on a JSON error.
#[tokio::test]
async fn rate_limited_attempts_land_on_the_sign_in_page() {
    let provider = OidcProvider::start();
    let app = TestApp::spawn(
        Options::new(Backend::Sqlite)
            .dev_mailbox()
            .google(&provider)
            .set("RATE_LIMIT_PER_MINUTE", 2),
    )
    .await;
    let mut browser = Browser::default();
    for _ in 0..2 {
        assert!(browser.start(&app).await.starts_with(&provider.issuer));
    }
    assert_eq!(
        browser.start(&app).await,
        format!("{PUBLIC_URL}/login?error=rate_limited")
    );
    // Another site can make a browser send these GETs: they never spend its sign-in budget.
    let login = app
        .login("someone@example.com", "a wrong password, long enough")
        .await;
    login.assert_error(401, "UNAUTHORIZED");
}

async fn google_sign_in_of_a_two_factor_account_asks_for_the_code(backend: Backend) {
    let (app, provider) = with_google(backend, true).await;
    let address = email("google-2fa");
    let token = app.signed_in(&address).await;
    let (secret, _) = app.enable_two_factor(&token).await;
    provider
        .set_identity(person("sub-2fa", &address, true))
        .await;

    // No session: the sign-in page's second step, with the challenge in the fragment.
    let mut browser = Browser::default();
    let landed = browser.sign_in_with_google(&app).await;
    let challenge = landed
        .strip_prefix("/login#two-factor=")
        .unwrap_or_else(|| panic!("landed on {landed}"))
        .to_owned();
    assert!(browser.session().is_none());

    app.post(
        "/api/auth/2fa/verify",
        json!({"challenge": challenge, "code": "000000"}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    let code = testkit::totp_code(&secret, app.clock.now());
    let signed = app
        .post(
            "/api/auth/2fa/verify",
            json!({"challenge": challenge, "code": code}),
        )
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert_eq!(signed.json["data"]["user"]["email"], address);
}
