//! What the server knows when it renders a page — the signed-in user and the sign-in methods
//! on offer — handed to the browser with the page (no second request at hydration).

use crate::api::paths;
use crate::api::{Providers, Rules, UserInfo};
use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};

/// Put into the request's extensions by the server before the page renders.
#[derive(Clone, Debug, Default)]
pub struct SessionUser(pub Option<UserInfo>);

pub fn current_user() -> OnceResource<Option<UserInfo>> {
    from_server_or_api::<SessionUser, _>(paths::ME, |session| session.0.clone(), None)
}

/// Whether "Continue with Google" is offered.
pub fn providers() -> OnceResource<Providers> {
    from_server_or_api::<Providers, _>(paths::PROVIDERS, |p| *p, Providers::default())
}

/// The server's rules for the forms. On the server: from the request's extensions; in the
/// browser: from the page's `<meta name="console-rules">`, which the server wrote, so the
/// hydrated text is the rendered text.
pub fn rules() -> Rules {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Rules>().copied())
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        document()
            .query_selector("meta[name=\"console-rules\"]")
            .ok()
            .flatten()
            .and_then(|meta| meta.get_attribute("content"))
            .and_then(|content| serde_json::from_str(&content).ok())
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Rules::default()
    }
}

/// On the server: read from the request's extensions. In the browser after client-side
/// navigation: fetched from `path` (at hydration the server's value is reused). Elsewhere
/// (e.g. the CLI using the API types): `fallback`.
#[allow(unused_variables)]
fn from_server_or_api<E, T>(path: &'static str, pick: fn(&E) -> T, fallback: T) -> OnceResource<T>
where
    E: Send + Sync + 'static,
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
{
    #[cfg(feature = "ssr")]
    {
        let value = use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<E>().map(pick))
            .unwrap_or(fallback);
        OnceResource::new(async move { value })
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        OnceResource::new(send_wrapper::SendWrapper::new(async move {
            crate::client::get::<T>(path).await.unwrap_or(fallback)
        }))
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        OnceResource::new(async move { fallback })
    }
}
