//! Account mail: queued in the outbox inside the caller's transaction, delivered by a
//! background worker with retries and exponential backoff, over SMTP or into the dev mailbox.

pub mod templates;

use crate::auth::seal::Sealer;
use crate::{
    clock::Clock,
    config::Config,
    db::{Db, new_id, outbox},
};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};
use secrecy::ExposeSecret;
use sqlx::{Any, Executor};
use std::{sync::Arc, time::Duration};
use templates::Mail;
use tokio::sync::Notify;

/// How long one delivery attempt holds a mail before another worker may try it.
const LEASE_SECONDS: i64 = 120;
/// The longest wait between two attempts.
const MAX_BACKOFF_SECONDS: i64 = 15 * 60;

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// No SMTP configured: mail stays readable at `/dev/mailbox` and its links are logged.
    DevMailbox,
}

pub struct Mailer {
    db: Db,
    sealer: Sealer,
    transport: Transport,
    from: Mailbox,
    notify: Notify,
    clock: Clock,
    retry_base: Duration,
}

impl Mailer {
    pub fn new(config: &Config, db: Db, secret: &[u8], clock: Clock) -> Result<Self, String> {
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| format!("SMTP_URL cannot be used: {e}"))?
                    .timeout(Some(Duration::from_secs(15)))
                    .build(),
            ),
            None => Transport::DevMailbox,
        };
        let from = config
            .mail_from
            .parse()
            .map_err(|e| format!("MAIL_FROM cannot be used: {e}"))?;
        Ok(Mailer {
            db,
            sealer: Sealer::new(secret, b"msgsg outbox v1"),
            transport,
            from,
            notify: Notify::new(),
            clock,
            retry_base: config.mail_retry_base,
        })
    }

    pub fn is_dev_mailbox(&self) -> bool {
        matches!(self.transport, Transport::DevMailbox)
    }

    /// Adds a mail to the outbox through `ex` (the caller's transaction), within the
    /// address's hourly cap when one is given; returns whether it was queued. Call `wake`
    /// after the commit.
    pub async fn queue<'c>(
        &self,
        ex: impl Executor<'c, Database = Any>,
        to: &str,
        mail: &Mail,
        now: i64,
        hourly_cap: Option<i64>,
    ) -> Result<bool, sqlx::Error> {
        let json = serde_json::to_vec(mail).expect("a mail serializes");
        let sealed = self.sealer.seal(&json);
        outbox::insert(
            ex,
            &outbox::NewMail {
                id: &new_id::<String>(),
                to_addr: to,
                kind: &mail.kind,
                subject: &mail.subject,
                sealed: &sealed,
                now,
            },
            hourly_cap,
        )
        .await
    }

    /// Tells the worker that mail is waiting.
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    pub fn open(&self, sealed: &[u8]) -> Option<Mail> {
        serde_json::from_slice(&self.sealer.open(sealed)?).ok()
    }

    /// Delivers due mail until the process ends.
    pub fn spawn_worker(self: Arc<Self>) {
        tokio::spawn(async move {
            loop {
                match self.deliver_due().await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "mail outbox unavailable"),
                }
                tokio::select! {
                    _ = self.notify.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                }
            }
        });
    }

    /// One pass over the due mail; returns how many were delivered.
    async fn deliver_due(&self) -> Result<usize, sqlx::Error> {
        let now = self.clock.now();
        let mut delivered = 0;
        for row in outbox::due(&self.db.pool, now, 20).await? {
            if !outbox::claim(&self.db.pool, &row, now + LEASE_SECONDS).await? {
                continue;
            }
            let result = match row.sealed.as_deref().and_then(|s| self.open(s)) {
                Some(mail) => self.send(&row.to_addr, &mail).await,
                None => Err("the mail cannot be opened (was the server secret changed?)".into()),
            };
            match result {
                Ok(()) => {
                    outbox::mark_sent(
                        &self.db.pool,
                        &row.id,
                        self.clock.now(),
                        self.is_dev_mailbox(),
                    )
                    .await?;
                    tracing::info!(kind = %row.kind, "mail delivered");
                    delivered += 1;
                }
                Err(error) => {
                    let delay = self.backoff(row.attempts);
                    tracing::warn!(kind = %row.kind, attempts = row.attempts + 1, retry_in = delay, %error, "mail delivery failed");
                    outbox::mark_failed(&self.db.pool, &row.id, self.clock.now() + delay, &error)
                        .await?;
                }
            }
        }
        Ok(delivered)
    }

    fn backoff(&self, attempts: i64) -> i64 {
        let base = self.retry_base.as_secs().max(1) as i64;
        base.saturating_mul(1 << attempts.clamp(0, 20))
            .min(MAX_BACKOFF_SECONDS)
    }

    async fn send(&self, to: &str, mail: &Mail) -> Result<(), String> {
        match &self.transport {
            Transport::DevMailbox => {
                for link in links(&mail.text) {
                    tracing::info!(%to, subject = %mail.subject, %link, "dev mailbox");
                }
                Ok(())
            }
            Transport::Smtp(smtp) => {
                let message = Message::builder()
                    .from(self.from.clone())
                    .to(to.parse().map_err(|e| format!("bad recipient: {e}"))?)
                    .subject(&mail.subject)
                    .multipart(MultiPart::alternative_plain_html(
                        mail.text.clone(),
                        mail.html.clone(),
                    ))
                    .map_err(|e| format!("cannot build the mail: {e}"))?;
                smtp.send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// The http(s) links of a plain-text mail.
pub fn links(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
}
