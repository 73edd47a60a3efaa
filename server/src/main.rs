//! `server`: serves the console; `server promote <email-or-username> <role>` sets a role.
//! Configuration is read from the environment (and `.env`); see the README for every
//! variable.

use leptos::config::LeptosOptions;
use server::{Clock, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    let _ = dotenvy::dotenv();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    // LOG_FORMAT=json: one JSON object a line, with the request's span, for log collectors.
    match std::env::var("LOG_FORMAT").as_deref() {
        Ok("json") => logs.json().with_current_span(true).init(),
        Ok("text") | Err(_) => logs.init(),
        Ok(other) => fail(&format!("LOG_FORMAT must be text or json, not {other:?}")),
    }

    let config = Config::from_env().unwrap_or_else(|e| fail(&e.to_string()));
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(outcome) = server::operator::run(&args, &config).await {
        match outcome {
            Ok(message) => println!("{message}"),
            Err(message) => fail(&message),
        }
        return;
    }
    let leptos = leptos_options(&config);
    let running = server::start(config, leptos, Clock::default())
        .await
        .unwrap_or_else(|e| fail(&e));
    tracing::info!(
        "console listening on http://{} (public URL {})",
        running.addr,
        running.state.config.public_url
    );
    let _ = running.task.await;
}

/// Where the compiled site is: cargo-leptos sets these variables; the defaults match a
/// release build run from the repository root.
fn leptos_options(config: &Config) -> LeptosOptions {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    LeptosOptions::builder()
        .output_name(var("LEPTOS_OUTPUT_NAME", "console"))
        .site_root(var("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(config.site_addr)
        .build()
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
