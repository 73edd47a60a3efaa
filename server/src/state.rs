//! What every handler shares.

use crate::{
    auth::{
        device::DeviceCookies, jwt::Jwt, oidc::Provider, password::Hasher, ratelimit::Limits,
        session_cache::SessionCache, throttle::Throttle, totp::TotpKeys,
    },
    clock::Clock,
    config::Config,
    db::Db,
    mail::Mailer,
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::{ops::Deref, sync::Arc};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub hasher: Hasher,
    pub jwt: Jwt,
    /// Signs and reads the cookies of browsers an account signed in from.
    pub devices: DeviceCookies,
    /// Names the sign-in attempt counters.
    pub throttle: Throttle,
    /// Seals two-factor secrets and hashes recovery codes.
    pub totp: TotpKeys,
    pub limits: Limits,
    pub sessions: SessionCache,
    pub mailer: Arc<Mailer>,
    /// Google sign-in, when configured.
    pub google: Option<Arc<Provider>>,
    pub clock: Clock,
    pub leptos: LeptosOptions,
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        AppState(Arc::new(inner))
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
