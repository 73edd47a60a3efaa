//! Calls from the browser to `/api/auth/*`. On the server these are never run (event
//! handlers and effects only run after hydration), so they compile to a stub there.

use crate::api::{ErrorBody, ErrorCode};
use serde::{Serialize, de::DeserializeOwned};

/// A failed call: the API's error, or the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub code: Option<ErrorCode>,
    pub message: String,
    pub fields: Vec<(String, String)>,
    /// Seconds from `Retry-After`, for rate limits and lockouts.
    pub retry_after: Option<u64>,
}

impl Failure {
    fn network() -> Self {
        Failure {
            code: None,
            message: "The server could not be reached. Check your connection and try again.".into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == Some(code)
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, message)| message.clone())
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn from_body(body: ErrorBody, retry_after: Option<u64>) -> Self {
        Failure {
            code: Some(body.code),
            message: body.message,
            fields: body.fields.unwrap_or_default().into_iter().collect(),
            retry_after,
        }
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use crate::api::{Data, ErrorEnvelope};
    use gloo_net::http::{Request, Response};

    pub async fn send<T: DeserializeOwned>(request: Request) -> Result<T, Failure> {
        let response = request.send().await.map_err(|_| Failure::network())?;
        read(response).await
    }

    async fn read<T: DeserializeOwned>(response: Response) -> Result<T, Failure> {
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.parse().ok());
        let text = response.text().await.map_err(|_| Failure::network())?;
        if response.ok() {
            serde_json::from_str::<Data<T>>(&text)
                .map(|d| d.data)
                .map_err(|_| Failure::network())
        } else {
            match serde_json::from_str::<ErrorEnvelope>(&text) {
                Ok(envelope) => Err(Failure::from_body(envelope.error, retry_after)),
                Err(_) => Err(Failure {
                    message: "Something went wrong on our side. Try again in a moment.".into(),
                    ..Failure::network()
                }),
            }
        }
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        path: &str,
        body: &B,
    ) -> Result<T, Failure> {
        let request = Request::post(path)
            .header("accept", "application/json")
            .json(body)
            .map_err(|_| Failure::network())?;
        send(request).await
    }

    pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
        let request = Request::get(path)
            .header("accept", "application/json")
            .build()
            .map_err(|_| Failure::network())?;
        send(request).await
    }

    pub async fn delete<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
        let request = Request::delete(path)
            .header("accept", "application/json")
            .build()
            .map_err(|_| Failure::network())?;
        send(request).await
    }

    pub async fn delete_with<B: Serialize, T: DeserializeOwned>(
        path: &str,
        body: &B,
    ) -> Result<T, Failure> {
        let request = Request::delete(path)
            .header("accept", "application/json")
            .json(body)
            .map_err(|_| Failure::network())?;
        send(request).await
    }
}

/// `POST path` with a JSON body.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, Failure> {
    #[cfg(feature = "hydrate")]
    {
        browser::post(path, body).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (path, body);
        Err(Failure::network())
    }
}

/// `GET path`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    #[cfg(feature = "hydrate")]
    {
        browser::get(path).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = path;
        Err(Failure::network())
    }
}

/// `DELETE path` with a JSON body.
pub async fn delete_with<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, Failure> {
    #[cfg(feature = "hydrate")]
    {
        browser::delete_with(path, body).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (path, body);
        Err(Failure::network())
    }
}

/// `DELETE path`.
pub async fn delete<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    #[cfg(feature = "hydrate")]
    {
        browser::delete(path).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = path;
        Err(Failure::network())
    }
}

/// Asks the person to confirm `question`; true when they do.
pub fn confirm(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.confirm_with_message(question).ok())
            .unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        false
    }
}

/// A full page load of `path`: the server then renders it with the new session cookie.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Removes the query (a one-time token) from the address bar and the history entry.
pub fn forget_query() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window()
        && let Ok(history) = window.history()
        && let Ok(path) = window.location().pathname()
    {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
}

/// Takes `name=value` out of the address bar's fragment (where a sign-in hand-off leaves a
/// one-time value: never sent to a server) and removes the fragment from the history entry.
pub fn take_fragment(name: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let window = web_sys::window()?;
        let hash = window.location().hash().ok()?;
        let value = hash
            .strip_prefix('#')?
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)?;
        forget_query();
        Some(value)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = name;
        None
    }
}
