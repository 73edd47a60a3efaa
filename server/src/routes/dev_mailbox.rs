//! `GET /dev/mailbox`: with no SMTP server configured, the mail the console sent, newest
//! first, with clickable links. Only routed in that mode.

use crate::{
    db::outbox,
    error::{ApiError, ApiResult},
    mail,
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, header},
    response::{Html, IntoResponse, Response},
};
use std::net::SocketAddr;

/// The page, escaped by askama's HTML escaper.
#[derive(Template)]
#[template(path = "dev_mailbox.html")]
struct Mailbox<'a> {
    mails: Vec<Shown<'a>>,
}

struct Shown<'a> {
    subject: &'a str,
    to: &'a str,
    status: &'static str,
    links: Vec<&'a str>,
    text: &'a str,
}

pub async fn mailbox(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // A console that only looks local may still sit behind a tunnel or proxy: then the
    // mailbox (every reset link) is not for whoever reaches it through them.
    let relayed = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|name| headers.contains_key(*name));
    if state.config.dev_mailbox_loopback_only && (relayed || !peer.ip().is_loopback()) {
        return Err(ApiError::NotFound);
    }
    let rows = outbox::recent(&state.db.pool, 50).await?;
    let messages: Vec<_> = rows
        .iter()
        .filter_map(|row| {
            let message = state.mailer.open(row.sealed.as_deref()?)?;
            Some((row, message))
        })
        .collect();
    let page = Mailbox {
        mails: messages
            .iter()
            .map(|(row, message)| Shown {
                subject: &message.subject,
                to: &row.to_addr,
                status: if row.sent_at.is_some() {
                    "delivered"
                } else {
                    "queued"
                },
                links: mail::links(&message.text).collect(),
                text: &message.text,
            })
            .collect(),
    }
    .render()
    .map_err(ApiError::internal)?;
    // The console's own policy (this page runs no script), and never a cached copy of links.
    let csp = app::content_security_policy(&crate::auth::random::hex_token(16));
    Ok((
        [
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Html(page),
    )
        .into_response())
}
