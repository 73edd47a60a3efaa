//! A real OpenID Connect provider for tests: `end2end/oidc-provider.mjs` (the npm package
//! `oauth2-mock-server`), a node process on loopback that signs RS256 ID tokens.

use serde_json::Value;
use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
};

pub struct OidcProvider {
    pub issuer: String,
    control: String,
    child: Child,
}

impl OidcProvider {
    pub fn start() -> OidcProvider {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        assert!(
            root.join("node_modules/oauth2-mock-server").exists(),
            "node_modules/oauth2-mock-server is missing: run `npm ci` at the repository root (make test does)"
        );
        let mut child = Command::new("node")
            .arg(root.join("end2end/oidc-provider.mjs"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node end2end/oidc-provider.mjs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the provider's address");
        let ready: Value = serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("the provider did not start: {line:?}"));
        OidcProvider {
            issuer: ready["issuer"].as_str().unwrap().to_owned(),
            control: ready["control"].as_str().unwrap().to_owned(),
            child,
        }
    }

    /// Who signs in at the provider from now on.
    pub async fn set_identity(&self, identity: Value) {
        self.put("/identity", identity).await;
    }

    /// Claims forced into the following ID tokens (`{}` stops it).
    pub async fn tamper(&self, claims: Value) {
        self.put("/tamper", claims).await;
    }

    async fn put(&self, path: &str, body: Value) {
        let response = reqwest::Client::new()
            .put(format!("{}{path}", self.control))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
