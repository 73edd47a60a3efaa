//! `GET /dev/mailbox`: with no SMTP server configured, the mail the console sent, newest
//! first, with clickable links. Only routed in that mode.

use crate::{
    db::outbox,
    error::{ApiError, ApiResult},
    mail,
    state::AppState,
};
use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, header},
    response::{Html, IntoResponse, Response},
};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use std::fmt::Write;
use std::net::SocketAddr;

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
    let mut page = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Dev mailbox</title><link rel=\"stylesheet\" href=\"/pkg/console.css\"></head>\
         <body class=\"mailbox\"><main class=\"content\"><h1>Dev mailbox</h1>\
         <p class=\"lead\">No SMTP server is configured (<code>SMTP_URL</code>), so the console \
         keeps its mail here. Newest first.</p>",
    );
    if rows.is_empty() {
        page.push_str("<p>No mail yet.</p>");
    }
    for row in rows {
        let Some(message) = row.sealed.as_deref().and_then(|s| state.mailer.open(s)) else {
            continue;
        };
        let status = if row.sent_at.is_some() {
            "delivered"
        } else {
            "queued"
        };
        let _ = write!(
            page,
            "<article class=\"card mail\"><h2>{}</h2><p class=\"meta\">To {} · {}</p><ul class=\"links\">",
            text(&message.subject),
            text(&row.to_addr),
            status,
        );
        for link in mail::links(&message.text) {
            let _ = write!(
                page,
                "<li><a href=\"{}\">{}</a></li>",
                attr(link),
                text(link)
            );
        }
        let _ = write!(page, "</ul><pre>{}</pre></article>", text(&message.text));
    }
    page.push_str("</main></body></html>");
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
