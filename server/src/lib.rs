//! The console server: the auth API under `/api/auth`, the server-rendered Leptos pages,
//! the mail outbox worker, and storage on SQLite or PostgreSQL.

pub mod auth;
pub mod clock;
pub mod config;
mod cookies;
pub mod db;
pub mod error;
pub mod extract;
pub mod mail;
pub mod operator;
mod pages;
mod request_trace;
mod routes;
mod security_headers;
pub mod state;
pub mod validate;

use app::{App, shell};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use secrecy::ExposeSecret;
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::net::TcpListener;

pub use clock::Clock;
pub use config::Config;
pub use state::AppState;

/// A server listening and serving in the background.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    pub task: tokio::task::JoinHandle<()>,
}

/// Connects storage, starts the mail worker and binds `config.site_addr` (port 0 picks a
/// free port). Every problem comes back as one line for the operator.
pub async fn start(config: Config, leptos: LeptosOptions, clock: Clock) -> Result<Running, String> {
    let state = build_state(config, leptos, clock).await?;
    let listener = TcpListener::bind(state.config.site_addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", state.config.site_addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let app = router(state.clone());
    let task = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await
        {
            tracing::error!(error = %e, "server stopped");
        }
    });
    Ok(Running { addr, state, task })
}

async fn build_state(
    config: Config,
    leptos: LeptosOptions,
    clock: Clock,
) -> Result<AppState, String> {
    let secret = auth::jwt::load_or_create_secret(
        config.jwt_secret.as_ref().map(ExposeSecret::expose_secret),
        &config.data_dir,
    )?;
    let db = db::Db::connect(config.database_url.expose_secret())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let mailer = Arc::new(mail::Mailer::new(
        &config,
        db.clone(),
        &secret,
        clock.clone(),
    )?);
    mailer.clone().spawn_worker();
    let limits = auth::ratelimit::Limits::new(
        config.rate_limit_per_minute,
        config.mail_per_address_per_hour,
    );
    let pruned = limits.clone();
    let (throttle_db, window) = (db.clone(), config.lockout_duration.as_secs() as i64);
    let prune_clock = clock.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            pruned.prune();
            if let Err(e) =
                db::login_throttle::prune(&throttle_db.pool, window, prune_clock.now()).await
            {
                tracing::warn!(error = %e, "could not prune sign-in failure counts");
            }
        }
    });
    let hasher = auth::password::Hasher::new(config.hash_concurrency, config.hash_queue);
    let common = auth::password::load_common_passwords();
    tracing::debug!(common, "common-password list loaded");
    let google = match &config.google {
        Some(google) => {
            let callback = config.link("/api/auth/google/callback");
            let provider = Arc::new(auth::oidc::Provider::new(
                google.clone(),
                callback,
                &secret,
            )?);
            provider.clone().spawn_discovery();
            Some(provider)
        }
        None => None,
    };
    Ok(AppState::new(state::Inner {
        jwt: auth::jwt::Jwt::new(&secret),
        devices: auth::device::DeviceCookies::new(&secret),
        totp: auth::totp::TotpKeys::new(&secret),
        throttle: auth::throttle::Throttle::new(&secret),
        hasher,
        limits,
        sessions: auth::session_cache::SessionCache::new(config.session_cache),
        mailer,
        google,
        db,
        clock,
        leptos,
        config,
    }))
}

fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let leptos = state.leptos.clone();
    let https = state.config.https();
    let router = Router::new()
        .merge(routes::api_router(&state))
        .leptos_routes(&state, routes, move || shell(leptos.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::session,
        ))
        .layer(axum::middleware::from_fn(move |req, next| {
            security_headers::add(https, req, next)
        }))
        .with_state(state);
    request_trace::layer(router)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
