//! A real SMTP server for tests: the `maildev` npm package, read back through its HTTP API.

use serde_json::Value;
use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::Mutex,
    time::{Duration, Instant},
};

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct MailDev {
    pub smtp_port: u16,
    pub web_port: u16,
    child: Mutex<Option<Child>>,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn maildev_bin() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../node_modules/.bin/maildev");
    assert!(
        bin.exists(),
        "{} is missing: run `npm ci` at the repository root (make test does)",
        bin.display()
    );
    bin
}

impl MailDev {
    /// A fresh maildev on free ports. A port found free can be taken by another test before
    /// maildev binds it; then it never answers, and another pair of ports is tried.
    pub async fn start() -> MailDev {
        for _ in 0..3 {
            let dev = MailDev {
                smtp_port: free_port(),
                web_port: free_port(),
                child: Mutex::new(None),
            };
            if dev.try_launch().await {
                return dev;
            }
            dev.stop();
        }
        panic!("maildev did not start on three pairs of ports");
    }

    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// Starts the process again on the same ports (after `stop`).
    pub async fn launch(&self) {
        assert!(self.try_launch().await, "maildev did not start again");
    }

    /// Starts the process and waits until it answers; false if it does not within 20 s. It
    /// reads its stdin so that it ends with the test process: when the pipe closes, the
    /// shell kills maildev.
    async fn try_launch(&self) -> bool {
        let script = format!(
            "\"{}\" --ip 127.0.0.1 --web-ip 127.0.0.1 -s {} -w {} >/dev/null 2>&1 & pid=$!; read _; kill $pid; wait",
            maildev_bin().display(),
            self.smtp_port,
            self.web_port
        );
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .spawn()
            .expect("start maildev");
        *self.child.lock().unwrap() = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.all().await.is_some() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Stops the SMTP server (mail it already holds is lost with it).
    pub fn stop(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }

    async fn all(&self) -> Option<Vec<Mail>> {
        let url = format!("http://127.0.0.1:{}/api/email", self.web_port);
        let body: Value = reqwest::get(url).await.ok()?.json().await.ok()?;
        Some(
            body.as_array()?
                .iter()
                .map(|m| Mail {
                    to: m["to"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|t| t["address"].as_str().map(str::to_lowercase))
                                .collect()
                        })
                        .unwrap_or_default(),
                    subject: m["subject"].as_str().unwrap_or_default().to_owned(),
                    text: m["text"].as_str().unwrap_or_default().to_owned(),
                    html: m["html"].as_str().unwrap_or_default().to_owned(),
                })
                .collect(),
        )
    }

    /// Mail for `to`, oldest first, once there are at least `count`.
    pub async fn wait_for(&self, to: &str, count: usize, timeout: Duration) -> Vec<Mail> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails: Vec<Mail> = self
                .all()
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|m| m.to.iter().any(|t| t == &to.to_lowercase()))
                .collect();
            if mails.len() >= count || Instant::now() > deadline {
                assert!(
                    mails.len() >= count,
                    "expected {count} mails to {to}, got {}",
                    mails.len()
                );
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Mail for `to` right now, without waiting.
    pub async fn count(&self, to: &str) -> usize {
        self.all()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == &to.to_lowercase()))
            .count()
    }
}

impl Drop for MailDev {
    fn drop(&mut self) {
        self.stop();
    }
}
