//! Configuration from environment variables (and an optional `.env`).
//!
//! Every setting has a safe default, so the console starts with none of them set. A bad value
//! stops the server at start with one line naming the variable.

use secrecy::SecretString;
use std::{net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};
use url::Url;

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://…` or `postgres://…`; unset means `DATA_DIR/console.db`.
    /// Secret: a PostgreSQL URL may carry a password.
    pub database_url: SecretString,
    /// `DATA_DIR`: where the SQLite file and the generated secret live.
    pub data_dir: PathBuf,
    /// `PUBLIC_URL`: the console's address as users reach it; every emailed link starts here.
    pub public_url: Url,
    /// `LEPTOS_SITE_ADDR`: the address to listen on.
    pub site_addr: SocketAddr,
    /// `SMTP_URL`: `smtp://[user:pass@]host:port[?tls=required]` or `smtps://…`. Unset, mail
    /// goes to the dev mailbox at `/dev/mailbox`, which only a plainly local console (or
    /// `DEV_MAILBOX=1`) may have: it shows every reset link to whoever opens it.
    pub smtp_url: Option<SecretString>,
    /// Whether mail goes to the dev mailbox (no `SMTP_URL`, and allowed).
    pub dev_mailbox: bool,
    /// The dev mailbox exists because the console looks local (not `DEV_MAILBOX=1`): it then
    /// answers only direct loopback requests, not ones relayed by a proxy or tunnel.
    pub dev_mailbox_loopback_only: bool,
    /// `MAIL_FROM`
    pub mail_from: String,
    /// `JWT_SECRET`: at least 32 bytes; unset means generated once and kept in `DATA_DIR`.
    pub jwt_secret: Option<SecretString>,
    /// `PASSWORD_MIN_LENGTH`: 15 by default, 8 at the lowest.
    pub password_min_length: usize,
    /// `VERIFY_TOKEN_TTL_SECONDS`, `RESET_TOKEN_TTL_SECONDS`, `SESSION_TTL_SECONDS`
    pub verify_token_ttl: Duration,
    pub reset_token_ttl: Duration,
    pub session_ttl: Duration,
    /// `SESSION_IDLE_SECONDS`: a session nobody used for this long ends.
    pub session_idle: Duration,
    /// `RATE_LIMIT_PER_MINUTE`: requests per client IP and per kind of action
    /// (signup, login, mail, token).
    pub rate_limit_per_minute: u32,
    /// `MAIL_PER_ADDRESS_PER_HOUR`: account mails one address may receive in an hour.
    pub mail_per_address_per_hour: u32,
    /// `LOCKOUT_THRESHOLD` failed logins lock an account for `LOCKOUT_SECONDS`.
    pub lockout_threshold: u32,
    pub lockout_duration: Duration,
    /// `TRUSTED_PROXIES`: CIDRs of the proxies in front of the console; the client is the
    /// right-most `X-Forwarded-For` entry not in them. Empty: the header is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `RECENT_SIGN_IN_SECONDS`: how young a session must be for sensitive actions (making an
    /// API key) without entering the password again.
    pub recent_sign_in: Duration,
    /// `PASSWORD_HASH_CONCURRENCY` hashes run at once; `PASSWORD_HASH_QUEUE` more may wait.
    pub hash_concurrency: usize,
    pub hash_queue: usize,
    /// `MAIL_RETRY_BASE_SECONDS`: first delay before retrying a failed delivery (doubles each time).
    pub mail_retry_base: Duration,
    /// `SESSION_CACHE_MS`: how long a checked session is trusted without reading the database
    /// (at most `MAX_SESSION_CACHE_MS`).
    pub session_cache: Duration,
    /// `GOOGLE_CLIENT_ID`, `GOOGLE_CLIENT_SECRET`, `GOOGLE_ISSUER_URL`: Google sign-in, off
    /// without a client id.
    pub google: Option<GoogleConfig>,
}

/// An OpenID Connect provider to sign in with: Google, or any issuer that speaks the protocol.
#[derive(Clone, Debug)]
pub struct GoogleConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Exactly as the provider names itself; discovery reads
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer_url: String,
}

/// A configuration value that cannot be used; the message names the variable.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass their own.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let parse = |name: &str, default: &str| -> Result<String, ConfigError> {
            Ok(get(name).unwrap_or_else(|| default.to_owned()))
        };

        let data_dir = PathBuf::from(parse("DATA_DIR", "data")?);
        let database_url = match get("DATABASE_URL") {
            Some(url) if url.starts_with("sqlite:") || url.starts_with("postgres") => url,
            Some(url) => {
                return Err(ConfigError(format!(
                    "DATABASE_URL must start with sqlite: or postgres://, got {:?}",
                    redact_url(&url)
                )));
            }
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("console.db").display()
            ),
        };

        let public_url_text = parse("PUBLIC_URL", "http://127.0.0.1:3000")?;
        let public_url = Url::parse(public_url_text.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                ConfigError(format!(
                    "PUBLIC_URL must be an http(s) URL like https://auth.example.com, got {public_url_text:?}"
                ))
            })?;

        let site_addr = number::<SocketAddr>(&get, "LEPTOS_SITE_ADDR", "127.0.0.1:3000")?;

        let smtp_url = get("SMTP_URL");
        if let Some(url) = &smtp_url {
            let ok = Url::parse(url)
                .map(|u| matches!(u.scheme(), "smtp" | "smtps") && u.host().is_some())
                .unwrap_or(false);
            if !ok {
                return Err(ConfigError(format!(
                    "SMTP_URL must look like smtp://host:port or smtps://user:pass@host:port, got {:?}",
                    redact_url(url)
                )));
            }
        }
        let mail_from = parse("MAIL_FROM", "msgsg console <no-reply@localhost>")?;
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError(format!(
                "MAIL_FROM must be an address like \"Console <no-reply@example.com>\", got {mail_from:?}"
            )));
        }

        let dev_mailbox = smtp_url.is_none();
        let explicit = number::<u8>(&get, "DEV_MAILBOX", "0")? == 1;
        if dev_mailbox && !plainly_local(&public_url, site_addr) && !explicit {
            return Err(ConfigError(
                "SMTP_URL must be set when the console is not plainly local (PUBLIC_URL not \
                 http on a loopback host, or LEPTOS_SITE_ADDR not loopback): without it the \
                 dev mailbox would show every reset link to anyone; set DEV_MAILBOX=1 to keep \
                 it anyway"
                    .into(),
            ));
        }

        let jwt_secret = get("JWT_SECRET");
        if jwt_secret.is_none() && database_url.starts_with("postgres") {
            return Err(ConfigError(
                "JWT_SECRET must be set with a PostgreSQL DATABASE_URL: every replica must sign \
                 and seal with the same secret (e.g. `openssl rand -hex 32`)"
                    .into(),
            ));
        }
        if let Some(secret) = &jwt_secret
            && secret.len() < crate::auth::jwt::MIN_SECRET_BYTES
        {
            return Err(ConfigError(format!(
                "JWT_SECRET must be at least {} bytes of random data (e.g. `openssl rand -hex 32`)",
                crate::auth::jwt::MIN_SECRET_BYTES
            )));
        }

        let password_min_length = number::<usize>(&get, "PASSWORD_MIN_LENGTH", "15")?;
        if !(8..=64).contains(&password_min_length) {
            return Err(ConfigError(format!(
                "PASSWORD_MIN_LENGTH must be between 8 and 64, got {password_min_length}"
            )));
        }

        let google = google(&get)?;

        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Config {
            database_url: database_url.into(),
            data_dir,
            public_url,
            site_addr,
            smtp_url: smtp_url.map(SecretString::from),
            dev_mailbox,
            dev_mailbox_loopback_only: dev_mailbox && !explicit,
            mail_from,
            jwt_secret: jwt_secret.map(SecretString::from),
            password_min_length,
            verify_token_ttl: seconds(&get, "VERIFY_TOKEN_TTL_SECONDS", 24 * 3600)?,
            reset_token_ttl: seconds(&get, "RESET_TOKEN_TTL_SECONDS", 3600)?,
            session_ttl: seconds(&get, "SESSION_TTL_SECONDS", 7 * 24 * 3600)?,
            session_idle: seconds(&get, "SESSION_IDLE_SECONDS", 7 * 24 * 3600)?,
            rate_limit_per_minute: positive(&get, "RATE_LIMIT_PER_MINUTE", 20)?,
            mail_per_address_per_hour: positive(&get, "MAIL_PER_ADDRESS_PER_HOUR", 5)?,
            lockout_threshold: positive(&get, "LOCKOUT_THRESHOLD", 10)?,
            lockout_duration: seconds(&get, "LOCKOUT_SECONDS", 15 * 60)?,
            trusted_proxies: trusted_proxies(&get)?,
            recent_sign_in: seconds(&get, "RECENT_SIGN_IN_SECONDS", 15 * 60)?,
            hash_concurrency: positive(&get, "PASSWORD_HASH_CONCURRENCY", cores as u32)? as usize,
            hash_queue: number::<usize>(&get, "PASSWORD_HASH_QUEUE", "64")?,
            mail_retry_base: seconds(&get, "MAIL_RETRY_BASE_SECONDS", 2)?,
            session_cache: session_cache(&get)?,
            google,
        })
    }

    /// Whether cookies must carry `Secure` (and the `__Host-` prefix).
    pub fn https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// A link into the console, built from `PUBLIC_URL` only (never from a request).
    pub fn link(&self, path_and_query: &str) -> String {
        format!(
            "{}{}",
            self.public_url.as_str().trim_end_matches('/'),
            path_and_query
        )
    }
}

/// The longest `SESSION_CACHE_MS`: how late a revocation made elsewhere may be seen.
pub const MAX_SESSION_CACHE_MS: u64 = 10_000;

fn session_cache(get: &impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
    let ms = number::<u64>(get, "SESSION_CACHE_MS", "1000")?;
    if ms > MAX_SESSION_CACHE_MS {
        return Err(ConfigError(format!(
            "SESSION_CACHE_MS must be at most {MAX_SESSION_CACHE_MS} (a revocation made elsewhere is seen that late), got {ms}"
        )));
    }
    Ok(Duration::from_millis(ms))
}

/// A console nobody else can reach: served over http on a loopback host and bound to a
/// loopback address.
fn plainly_local(public_url: &Url, site_addr: SocketAddr) -> bool {
    let loopback_host = match public_url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(host)) => host == "localhost",
        None => false,
    };
    public_url.scheme() == "http" && loopback_host && site_addr.ip().is_loopback()
}

fn trusted_proxies(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    if get("TRUST_FORWARDED_FOR").is_some() {
        return Err(ConfigError(
            "TRUST_FORWARDED_FOR is replaced by TRUSTED_PROXIES: list your proxies' addresses \
             (CIDRs, comma-separated, e.g. 10.0.0.0/8)"
                .into(),
        ));
    }
    let Some(text) = get("TRUSTED_PROXIES") else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<ipnet::IpNet>()
                .or_else(|_| part.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ConfigError(format!(
                        "TRUSTED_PROXIES must list addresses or CIDRs like 10.0.0.0/8, got {part:?}"
                    ))
                })
        })
        .collect()
}

fn google(get: &impl Fn(&str) -> Option<String>) -> Result<Option<GoogleConfig>, ConfigError> {
    let Some(client_id) = get("GOOGLE_CLIENT_ID") else {
        return Ok(None);
    };
    let client_secret = get("GOOGLE_CLIENT_SECRET").ok_or_else(|| {
        ConfigError("GOOGLE_CLIENT_SECRET must be set along with GOOGLE_CLIENT_ID".into())
    })?;
    let text = get("GOOGLE_ISSUER_URL").unwrap_or_else(|| "https://accounts.google.com".into());
    // Plain http only on loopback, where a test or local provider runs.
    let text = text.trim().to_owned();
    Url::parse(&text)
        .ok()
        .filter(|u| match (u.scheme(), u.host()) {
            ("https", Some(_)) => true,
            ("http", Some(url::Host::Ipv4(ip))) => ip.is_loopback(),
            ("http", Some(url::Host::Ipv6(ip))) => ip.is_loopback(),
            ("http", Some(url::Host::Domain(host))) => host == "localhost",
            _ => false,
        })
        .ok_or_else(|| {
            ConfigError(format!(
                "GOOGLE_ISSUER_URL must be an https URL (http only on loopback), got {text:?}"
            ))
        })?;
    Ok(Some(GoogleConfig {
        client_id: client_id.trim().to_owned(),
        client_secret: client_secret.into(),
        issuer_url: text,
    }))
}

fn number<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: &str,
) -> Result<T, ConfigError> {
    let text = get(name).unwrap_or_else(|| default.to_owned());
    text.trim()
        .parse()
        .map_err(|_| ConfigError(format!("{name} has an invalid value: {text:?}")))
}

fn positive(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: u32,
) -> Result<u32, ConfigError> {
    let value = number::<u32>(get, name, &default.to_string())?;
    if value == 0 {
        return Err(ConfigError(format!("{name} must be at least 1")));
    }
    Ok(value)
}

fn seconds(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
) -> Result<Duration, ConfigError> {
    Ok(Duration::from_secs(positive_u64(get, name, default)?))
}

fn positive_u64(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
) -> Result<u64, ConfigError> {
    let value = number::<u64>(get, name, &default.to_string())?;
    if value == 0 {
        return Err(ConfigError(format!("{name} must be at least 1")));
    }
    Ok(value)
}

/// Hides a password in a URL before it goes into an error line.
fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn secrets_never_reach_debug_output() {
        let c = config(&[
            (
                "DATABASE_URL",
                "postgres://console:db-password-1@db/console",
            ),
            (
                "SMTP_URL",
                "smtps://mailer:smtp-password-2@mail.example.com:465",
            ),
            ("JWT_SECRET", "jwt-secret-3-jwt-secret-3-jwt-secret-3"),
            ("PUBLIC_URL", "https://auth.example.com"),
            ("LEPTOS_SITE_ADDR", "0.0.0.0:3000"),
            ("GOOGLE_CLIENT_ID", "client"),
            ("GOOGLE_CLIENT_SECRET", "client-secret-4"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        for secret in [
            "db-password-1",
            "smtp-password-2",
            "jwt-secret-3",
            "client-secret-4",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("auth.example.com"));
    }

    #[test]
    fn defaults_need_nothing() {
        let c = config(&[]).unwrap();
        assert_eq!(c.public_url.as_str(), "http://127.0.0.1:3000/");
        assert!(
            c.database_url
                .expose_secret()
                .starts_with("sqlite://data/console.db")
        );
        assert_eq!(c.password_min_length, 15);
        assert_eq!(
            c.link("/verify-email?token=x"),
            "http://127.0.0.1:3000/verify-email?token=x"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (name, value) in [
            ("PUBLIC_URL", "ftp://x"),
            ("JWT_SECRET", "short"),
            ("PASSWORD_MIN_LENGTH", "6"),
            ("DATABASE_URL", "mysql://x"),
            ("SMTP_URL", "http://x"),
            ("RATE_LIMIT_PER_MINUTE", "many"),
            ("GOOGLE_CLIENT_ID", "id-without-secret"),
            ("SESSION_CACHE_MS", "3600000"),
            ("TRUSTED_PROXIES", "10.0.0.0/33"),
            ("TRUST_FORWARDED_FOR", "true"),
        ] {
            let err = config(&[(name, value)]).unwrap_err();
            assert!(err.0.contains(name), "{err}");
        }
    }

    #[test]
    fn google_needs_a_secret_and_a_safe_issuer() {
        assert!(config(&[]).unwrap().google.is_none());
        let ok = config(&[("GOOGLE_CLIENT_ID", "id"), ("GOOGLE_CLIENT_SECRET", "s")]).unwrap();
        let google = ok.google.unwrap();
        assert_eq!(google.issuer_url, "https://accounts.google.com");
        assert!(!format!("{google:?}").contains("\"s\""));
        for issuer in ["http://idp.example.com", "ftp://127.0.0.1", "nonsense"] {
            let err = config(&[
                ("GOOGLE_CLIENT_ID", "id"),
                ("GOOGLE_CLIENT_SECRET", "s"),
                ("GOOGLE_ISSUER_URL", issuer),
            ])
            .unwrap_err();
            assert!(err.0.contains("GOOGLE_ISSUER_URL"), "{err}");
        }
        let local = config(&[
            ("GOOGLE_CLIENT_ID", "id"),
            ("GOOGLE_CLIENT_SECRET", "s"),
            ("GOOGLE_ISSUER_URL", "http://127.0.0.1:9000"),
        ]);
        assert!(local.unwrap().google.is_some());
    }

    #[test]
    fn the_dev_mailbox_is_only_for_a_plainly_local_console() {
        assert!(config(&[]).unwrap().dev_mailbox);
        for (name, value) in [
            ("PUBLIC_URL", "https://auth.example.com"),
            ("PUBLIC_URL", "http://console.example.com"),
            ("LEPTOS_SITE_ADDR", "0.0.0.0:3000"),
        ] {
            let err = config(&[(name, value)]).unwrap_err();
            assert!(err.0.contains("SMTP_URL"), "{err}");
            let explicit = config(&[(name, value), ("DEV_MAILBOX", "1")]).unwrap();
            assert!(explicit.dev_mailbox);
        }
        let smtp = config(&[
            ("PUBLIC_URL", "https://auth.example.com"),
            ("SMTP_URL", "smtp://127.0.0.1:25"),
        ])
        .unwrap();
        assert!(!smtp.dev_mailbox);
    }

    #[test]
    fn postgres_needs_an_explicit_secret() {
        let err = config(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap_err();
        assert!(err.0.contains("JWT_SECRET"), "{err}");
        let secret = "x".repeat(32);
        assert!(
            config(&[
                ("DATABASE_URL", "postgres://u@h/db"),
                ("JWT_SECRET", &secret)
            ])
            .is_ok()
        );
    }

    #[test]
    fn trusted_proxies_are_cidrs() {
        let c = config(&[("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7,::1")]).unwrap();
        assert_eq!(c.trusted_proxies.len(), 3);
        assert!(c.trusted_proxies[1].contains(&"192.0.2.7".parse::<std::net::IpAddr>().unwrap()));
    }

    #[test]
    fn smtp_password_is_not_echoed() {
        let err = config(&[("DATABASE_URL", "mysql://u:hunter2@h/db")]).unwrap_err();
        assert!(!err.0.contains("hunter2"), "{err}");
    }
}
