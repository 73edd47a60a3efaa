//! The console's HTTP API as the CLI uses it, with errors turned into what to do next.

use crate::{Failure, UNAUTHORIZED};
use console_api::{Data, ErrorCode, ErrorEnvelope};
use serde::{Serialize, de::DeserializeOwned};
use std::time::Duration;

/// The console's device cookie; over https its name has the `__Secure-` prefix.
const DEVICE_COOKIE: &str = "msgsg_device";

#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
}

/// A failed call: an API error code, or none when the server could not be reached.
pub struct CallError {
    pub code: Option<ErrorCode>,
    message: String,
    retry_after: Option<u64>,
}

impl Client {
    pub fn new(base: &str) -> Self {
        Client {
            base: base.trim_end_matches('/').to_owned(),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(30))
                // How the console's session list names this client.
                .user_agent(concat!("msgsg/", env!("CARGO_PKG_VERSION")))
                .build(),
        }
    }

    pub fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> Result<T, CallError> {
        let request = self.authorize(self.agent.get(&format!("{}{path}", self.base)), token);
        self.read(request.call())
    }

    pub fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> Result<T, CallError> {
        let request = self.authorize(self.agent.post(&format!("{}{path}", self.base)), token);
        self.read(request.send_json(body))
    }

    pub fn delete<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> Result<T, CallError> {
        let request = self.authorize(self.agent.delete(&format!("{}{path}", self.base)), token);
        self.read(request.call())
    }

    /// Signs in, presenting the device cookie this machine got at its last sign-in; returns
    /// the session (or a two-factor challenge) and the device cookie to keep for next time.
    pub fn login(
        &self,
        request: &console_api::LoginRequest,
        device: Option<&str>,
    ) -> Result<(console_api::LoginOutcome, Option<String>), CallError> {
        self.sign_in(console_api::paths::LOGIN, request, device)
    }

    /// Answers a two-factor challenge: the session, and the device cookie.
    pub fn verify_two_factor(
        &self,
        request: &console_api::TwoFactorVerifyRequest,
        device: Option<&str>,
    ) -> Result<(console_api::LoginOutcome, Option<String>), CallError> {
        self.sign_in(console_api::paths::TWO_FACTOR_VERIFY, request, device)
    }

    fn sign_in<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        request: &B,
        device: Option<&str>,
    ) -> Result<(T, Option<String>), CallError> {
        let mut call = self.agent.post(&format!("{}{path}", self.base));
        if let Some(device) = device {
            call = call.set(
                "Cookie",
                &format!("{DEVICE_COOKIE}={device}; __Secure-{DEVICE_COOKIE}={device}"),
            );
        }
        match call.send_json(request) {
            Ok(response) => {
                let device = response
                    .all("set-cookie")
                    .into_iter()
                    .map(|c| c.strip_prefix("__Secure-").unwrap_or(c))
                    .filter_map(|c| c.strip_prefix(DEVICE_COOKIE)?.strip_prefix('='))
                    .filter_map(|c| c.split(';').next())
                    .find(|v| !v.is_empty())
                    .map(str::to_owned);
                Ok((self.read(Ok(response))?, device))
            }
            Err(e) => self.read(Err(e)),
        }
    }

    fn authorize(&self, request: ureq::Request, token: Option<&str>) -> ureq::Request {
        match token {
            Some(token) => request.set("Authorization", &format!("Bearer {token}")),
            None => request,
        }
    }

    fn read<T: DeserializeOwned>(
        &self,
        result: Result<ureq::Response, ureq::Error>,
    ) -> Result<T, CallError> {
        match result {
            Ok(response) => response
                .into_json::<Data<T>>()
                .map(|d| d.data)
                .map_err(|e| CallError {
                    code: None,
                    message: format!("unexpected answer from {}: {e}", self.base),
                    retry_after: None,
                }),
            Err(ureq::Error::Status(_, response)) => {
                let retry_after = response.header("retry-after").and_then(|v| v.parse().ok());
                match response.into_json::<ErrorEnvelope>() {
                    Ok(envelope) => Err(CallError {
                        code: Some(envelope.error.code),
                        message: envelope.error.message,
                        retry_after,
                    }),
                    Err(_) => Err(CallError {
                        code: None,
                        message: format!("unexpected answer from {}", self.base),
                        retry_after,
                    }),
                }
            }
            Err(ureq::Error::Transport(e)) => Err(CallError {
                code: None,
                message: format!("cannot reach {}: {e}", self.base),
                retry_after: None,
            }),
        }
    }
}

impl CallError {
    /// What the user should read, following the troubleshooting guide.
    pub fn explain(self, action: &str) -> Failure {
        let minutes = self.retry_after.map_or(1, |s| s.div_ceil(60));
        match self.code {
            Some(ErrorCode::Unauthorized) if action == "login" => Failure::new(
                UNAUTHORIZED,
                "authentication failed: wrong username or password",
            ),
            Some(ErrorCode::Unauthorized) => Failure::new(
                UNAUTHORIZED,
                "unauthorized — your session has expired or ended; run msgsg login",
            ),
            Some(ErrorCode::EmailNotVerified) => Failure::new(
                UNAUTHORIZED,
                "your email address is not verified: open the link we mailed you, then log in again",
            ),
            Some(ErrorCode::AccountLocked) => Failure::new(
                UNAUTHORIZED,
                format!(
                    "the account is locked after too many failed attempts; try again in {minutes} minutes"
                ),
            ),
            Some(ErrorCode::AccountDisabled) => {
                Failure::new(UNAUTHORIZED, "this account is disabled")
            }
            Some(ErrorCode::PermissionDenied) => Failure::new(
                UNAUTHORIZED,
                format!(
                    "permission denied: {} (check your role with msgsg whoami)",
                    self.message
                ),
            ),
            Some(ErrorCode::RateLimited) => Failure::new(
                1,
                format!(
                    "too many attempts; try again in {} seconds",
                    self.retry_after.unwrap_or(60)
                ),
            ),
            _ => Failure::new(1, format!("{action} failed: {}", self.message)),
        }
    }
}
