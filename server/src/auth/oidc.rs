//! The OpenID Connect relying party behind "Continue with Google": discovery, the
//! authorization URL (state, nonce, PKCE S256), the code exchange and the ID token check
//! (signature against the provider's published keys, iss, aud, exp, nonce), all through the
//! `openidconnect` crate.
//!
//! Discovery runs at start; while the provider cannot be reached the rest of the console
//! serves as usual and each sign-in attempt tries again.

use super::seal::Sealer;
use crate::config::GoogleConfig;
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
    core::{CoreAuthPrompt, CoreClient, CoreIdTokenClaims, CoreProviderMetadata, CoreResponseType},
    reqwest,
};
use secrecy::ExposeSecret;
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::{Mutex, RwLock};

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Fetching the provider's keys again is allowed this often: a new signing key (rotation)
/// is picked up at the first token that uses it, and garbage tokens cannot make us hammer
/// the provider.
const REDISCOVER_EVERY: Duration = Duration::from_secs(60);
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// A sign-in attempt as the browser carries it between the start and the callback.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Attempt {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// What the provider vouches for, from a verified ID token.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
}

/// Why a sign-in attempt failed, for the log (the user only sees `oauth_failed`).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the provider cannot be reached or is misconfigured: {0}")]
    Discovery(String),
    #[error("the code exchange failed: {0}")]
    Exchange(String),
    #[error("the provider returned no ID token")]
    NoIdToken,
    #[error("the ID token was refused: {0}")]
    IdToken(String),
}

pub struct Provider {
    config: GoogleConfig,
    redirect_url: RedirectUrl,
    http: reqwest::Client,
    client: RwLock<Option<(Arc<Client>, Instant)>>,
    /// One discovery at a time.
    discovering: Mutex<()>,
    /// Seals the attempt into the browser's cookie: the browser keeps the PKCE verifier and
    /// nonce, and cannot read or change them.
    sealer: Sealer,
}

impl Provider {
    pub fn new(
        config: GoogleConfig,
        redirect_url: String,
        server_secret: &[u8],
    ) -> Result<Provider, String> {
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer send us anywhere (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build the HTTP client for Google sign-in: {e}"))?;
        let redirect_url = RedirectUrl::new(redirect_url)
            .map_err(|e| format!("the Google callback URL is invalid: {e}"))?;
        Ok(Provider {
            config,
            redirect_url,
            http,
            client: RwLock::new(None),
            discovering: Mutex::new(()),
            sealer: Sealer::new(server_secret, b"msgsg oidc attempt v1"),
        })
    }

    /// The attempt as a cookie value.
    pub fn seal(&self, attempt: &Attempt) -> String {
        let json = serde_json::to_vec(attempt).expect("an attempt serializes");
        hex::encode(self.sealer.seal(&json))
    }

    /// The attempt from a cookie value; `None` if it was altered or sealed by another server.
    pub fn open(&self, cookie: &str) -> Option<Attempt> {
        let sealed = hex::decode(cookie).ok()?;
        serde_json::from_slice(&self.sealer.open(&sealed)?).ok()
    }

    pub fn issuer(&self) -> &str {
        &self.config.issuer_url
    }

    /// Reads the provider's metadata and keys. `force` fetches them again even when known
    /// (at most once per `REDISCOVER_EVERY`).
    pub async fn discover(&self, force: bool) -> Result<Arc<Client>, OidcError> {
        let _one_at_a_time = self.discovering.lock().await;
        if let Some((client, at)) = self.client.read().await.as_ref()
            && (!force || at.elapsed() < REDISCOVER_EVERY)
        {
            return Ok(client.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer_url.clone())
            .map_err(|e| OidcError::Discovery(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Discovery(error_chain(&e)))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(self.redirect_url.clone());
        let client = Arc::new(client);
        *self.client.write().await = Some((client.clone(), Instant::now()));
        Ok(client)
    }

    /// Discovers at start, and keeps trying in the background until it works.
    pub fn spawn_discovery(self: Arc<Self>) {
        tokio::spawn(async move {
            let mut delay = Duration::from_secs(5);
            loop {
                match self.discover(false).await {
                    Ok(_) => {
                        tracing::info!(issuer = %self.issuer(), "Google sign-in ready");
                        return;
                    }
                    Err(e) => tracing::error!(
                        issuer = %self.issuer(),
                        retry_in_seconds = delay.as_secs(),
                        "Google sign-in unavailable: {e}"
                    ),
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(300));
            }
        });
    }

    /// The provider's authorization URL for a new attempt, and the attempt to keep.
    pub async fn begin(&self) -> Result<(String, Attempt), OidcError> {
        let client = self.discover(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        // 256-bit state and nonce (OA1, OA2).
        let (url, state, nonce) = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                || CsrfToken::new(super::random::hex_token(32)),
                || Nonce::new(super::random::hex_token(32)),
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .add_prompt(CoreAuthPrompt::SelectAccount)
            .set_pkce_challenge(challenge)
            .url();
        let attempt = Attempt {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        };
        Ok((url.into(), attempt))
    }

    /// Exchanges the code (with the PKCE verifier) and verifies the ID token it brings.
    pub async fn finish(
        &self,
        attempt: &Attempt,
        code: String,
    ) -> Result<VerifiedIdentity, OidcError> {
        let client = self.discover(false).await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(attempt.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Exchange(error_chain(&e)))?;
        let id_token = response.id_token().ok_or(OidcError::NoIdToken)?;
        let nonce = Nonce::new(attempt.nonce.clone());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                // Perhaps a key published after our last look: fetch the keys once more.
                let fresh = self.discover(true).await?;
                id_token
                    .claims(&fresh.id_token_verifier(), &nonce)
                    .map_err(|e| OidcError::IdToken(error_chain(&e)))?
                    .clone()
            }
            Err(e) => return Err(OidcError::IdToken(error_chain(&e))),
        };
        Ok(identity(&claims))
    }
}

fn identity(claims: &CoreIdTokenClaims) -> VerifiedIdentity {
    VerifiedIdentity {
        issuer: claims.issuer().as_str().to_owned(),
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified() == Some(true),
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
