//! The test kit: the real server on a free port, against a fresh SQLite file or a fresh
//! PostgreSQL database, with mail going to a real SMTP server (maildev) and Google sign-in
//! to a real OpenID Connect provider. PostgreSQL tests fail when PostgreSQL is missing,
//! unless `SKIP_POSTGRES=1` marks them ignored at build time.

pub mod maildev;
pub mod oidc;
pub mod postgres;

use leptos::config::LeptosOptions;
use reqwest::{StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use server::{AppState, Clock, Config};
use std::{collections::HashMap, sync::Arc, time::Duration};

pub use maildev::MailDev;

pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub state: AppState,
    pub clock: Clock,
    pub mail: Option<Arc<MailDev>>,
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    settings: HashMap<String, String>,
}

pub struct Options {
    pub backend: Backend,
    pub smtp: bool,
    pub settings: Vec<(&'static str, String)>,
}

impl Options {
    pub fn new(backend: Backend) -> Self {
        Options {
            backend,
            smtp: true,
            settings: Vec::new(),
        }
    }

    pub fn set(mut self, name: &'static str, value: impl ToString) -> Self {
        self.settings.push((name, value.to_string()));
        self
    }

    /// Mail into the dev mailbox (the test console's public address is not loopback, so it
    /// must be asked for explicitly, as an operator would).
    pub fn dev_mailbox(mut self) -> Self {
        self.smtp = false;
        self.set("DEV_MAILBOX", 1)
    }

    /// Google sign-in against this provider.
    pub fn google(self, provider: &oidc::OidcProvider) -> Self {
        self.set("GOOGLE_CLIENT_ID", "console-client-id")
            .set("GOOGLE_CLIENT_SECRET", "console-client-secret")
            .set("GOOGLE_ISSUER_URL", &provider.issuer)
    }
}

/// The public address used in tests; mailed links must start with it, whatever the Host.
pub const PUBLIC_URL: &str = "http://console.test:8080";

impl TestApp {
    pub async fn spawn(options: Options) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let given = options.settings.iter().find(|(k, _)| *k == "DATABASE_URL");
        let database_url = match (given, options.backend) {
            (Some((_, url)), _) => url.clone(),
            (None, Backend::Sqlite) => {
                format!("sqlite://{}/console.db?mode=rwc", dir.path().display())
            }
            (None, Backend::Postgres) => postgres::fresh_database().await,
        };
        // PostgreSQL means replicas: the secret must come from configuration.
        let jwt_secret = (options.backend == Backend::Postgres)
            .then(|| ("JWT_SECRET", server::auth::random::hex_token(32)));
        let mail = if options.smtp {
            Some(Arc::new(MailDev::start().await))
        } else {
            None
        };
        let mut settings: HashMap<String, String> = [
            ("DATABASE_URL", database_url),
            ("DATA_DIR", dir.path().display().to_string()),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0".into()),
            ("PUBLIC_URL", PUBLIC_URL.into()),
            ("RATE_LIMIT_PER_MINUTE", "100000".into()),
            ("MAIL_PER_ADDRESS_PER_HOUR", "1000".into()),
            ("MAIL_RETRY_BASE_SECONDS", "1".into()),
        ]
        .into_iter()
        .chain(jwt_secret)
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some(mail) = &mail {
            settings.insert("SMTP_URL".into(), mail.smtp_url());
        }
        for (k, v) in options.settings {
            settings.insert(k.to_owned(), v);
        }
        Self::start(settings, options.backend, mail, dir).await
    }

    async fn start(
        settings: HashMap<String, String>,
        backend: Backend,
        mail: Option<Arc<MailDev>>,
        dir: tempfile::TempDir,
    ) -> TestApp {
        let config = Config::from_lookup(|k| settings.get(k).cloned()).expect("test config");
        let leptos = LeptosOptions::builder()
            .output_name("console")
            .site_root(dir.path().join("site").display().to_string())
            .build();
        let clock = Clock::default();
        let running = server::start(config, leptos, clock.clone())
            .await
            .expect("server starts");
        TestApp {
            base: format!("http://{}", running.addr),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            state: running.state,
            clock,
            mail,
            backend,
            dir,
            settings,
        }
    }

    /// A second server process on the same database and data directory (a restart, or
    /// another replica).
    pub async fn restart(self) -> TestApp {
        let TestApp {
            settings,
            backend,
            mail,
            dir,
            ..
        } = self;
        Self::start(settings, backend, mail, dir).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        Reply::read(
            self.http
                .post(self.url(path))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_auth(&self, path: &str, token: &str, body: Value) -> Reply {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        Reply::read(response).await
    }

    pub async fn delete_auth(&self, path: &str, token: &str) -> Reply {
        let request = self.http.delete(self.url(path)).bearer_auth(token);
        Reply::read(request.send().await.unwrap()).await
    }

    /// A DELETE with a JSON body (deleting an account takes the password).
    pub async fn delete_auth_with(&self, path: &str, token: &str, body: Value) -> Reply {
        let request = self
            .http
            .delete(self.url(path))
            .bearer_auth(token)
            .json(&body);
        Reply::read(request.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::read(self.http.get(self.url(path)).send().await.unwrap()).await
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> Reply {
        Reply::read(
            self.http
                .get(self.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn signup(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/auth/signup",
            json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn login(&self, login: &str, password: &str) -> Reply {
        self.post(
            "/api/auth/login",
            json!({"email": login, "password": password}),
        )
        .await
    }

    /// The mails `to` received, waiting until there are at least `count`.
    pub async fn mails(&self, to: &str, count: usize) -> Vec<maildev::Mail> {
        let mail = self.mail.as_ref().expect("this app has an SMTP server");
        mail.wait_for(to, count, Duration::from_secs(15)).await
    }

    /// The token of the `index`-th link to `path` mailed to `to`.
    pub async fn token_from_mail(&self, to: &str, index: usize, path: &str) -> String {
        let mails = self.mails(to, index + 1).await;
        let prefix = format!("{PUBLIC_URL}{path}?token=");
        let text = &mails[index].text;
        let start = text
            .find(&prefix)
            .unwrap_or_else(|| panic!("no {prefix} link in mail: {text}"))
            + prefix.len();
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_hexdigit())
            .collect()
    }

    /// Signs up and verifies through the mailed link; returns nothing, the account is ready.
    pub async fn verified_account(&self, email: &str) {
        assert_eq!(self.signup(email, PASSWORD).await.status, StatusCode::OK);
        let token = self.token_from_mail(email, 0, "/verify-email").await;
        let reply = self
            .post("/api/auth/verify-email", json!({"token": token}))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    /// A verified account and a session token for it.
    pub async fn signed_in(&self, email: &str) -> String {
        self.verified_account(email).await;
        let reply = self.login(email, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json["data"]["token"].as_str().unwrap().to_owned()
    }

    /// Turns two-factor sign-in on for the session `token`; returns the secret (base32) and
    /// the recovery codes. The clock then moves to the next step, so the code used here is
    /// not the current one.
    pub async fn enable_two_factor(&self, token: &str) -> (String, Vec<String>) {
        let setup = self
            .post_auth("/api/auth/2fa/setup", token, json!({"password": PASSWORD}))
            .await;
        assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
        let secret = setup.json["data"]["secret"].as_str().unwrap().to_owned();
        let code = totp_code(&secret, self.clock.now());
        let enabled = self
            .post_auth("/api/auth/2fa/enable", token, json!({"code": code}))
            .await;
        assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
        self.clock.advance(30);
        let codes = enabled.json["data"]["recoveryCodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        (secret, codes)
    }

    /// The single number a query answers, read directly from the database.
    pub async fn count(&self, query: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(query.to_owned()))
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap()
    }

    /// Runs a statement directly on the database, as an operator would.
    pub async fn sql(&self, statement: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
            .execute(&self.state.db.pool)
            .await
            .unwrap();
    }
}

/// The code an authenticator app shows for `secret` (base32) at `time` (Unix seconds):
/// computed here, independently of the server, as a phone would.
pub fn totp_code(secret: &str, time: i64) -> String {
    let bytes = totp_rs::Secret::try_from_base32(secret).expect("a base32 secret");
    totp_rs::Builder::new()
        .with_secret(bytes)
        .build()
        .expect("a valid TOTP")
        .generate(time as u64)
        .to_string()
}

/// A unique address for one test.
pub fn email(name: &str) -> String {
    format!("{name}.{}@example.com", server::auth::random::hex_token(4))
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub json: Value,
}

impl Reply {
    pub async fn read(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            json,
        }
    }

    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }

    /// Asserts an error reply: status and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (status, code),
            "body: {}",
            self.body
        );
        assert!(
            self.json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

/// Declares each test once per backend: `sqlite::<name>` and `postgres::<name>`. With
/// `SKIP_POSTGRES=1` at build time the PostgreSQL ones are ignored, and `cargo test` says so.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(skip_postgres, ignore = "SKIP_POSTGRES=1")]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await;
                }
            )*
        }
    };
}
