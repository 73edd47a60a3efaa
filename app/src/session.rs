//! The signed-in user of a page: found by the server from the session cookie, rendered on the
//! server, and handed to the browser with the page (no second request at hydration).

use crate::api::UserInfo;
use leptos::prelude::*;

/// Put into the request's extensions by the server before the page renders.
#[derive(Clone, Debug, Default)]
pub struct SessionUser(pub Option<UserInfo>);

pub fn current_user() -> OnceResource<Option<UserInfo>> {
    #[cfg(feature = "ssr")]
    {
        let user = use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<SessionUser>().cloned())
            .and_then(|session| session.0);
        OnceResource::new(async move { user })
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        // Used after client-side navigation only: at hydration the server's answer is reused.
        OnceResource::new(send_wrapper::SendWrapper::new(async {
            crate::client::get::<UserInfo>("/api/auth/me").await.ok()
        }))
    }
    // Neither rendering nor hydrating (e.g. the CLI using the API types): nobody is signed in.
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        OnceResource::new(async { None })
    }
}
