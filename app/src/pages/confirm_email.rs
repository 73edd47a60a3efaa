//! `/confirm-email?token=…`: the link mailed to a new address. After hydration the page
//! checks the link (a GET spends nothing, TK4); the change happens only when the person
//! confirms it here.

use crate::api::paths;
use crate::{
    api::{EmailChanged, TokenRequest, TokenState, TokenStateResponse},
    client,
    components::use_hydrated,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Checking,
    Ready,
    Changed(String),
    State(TokenState),
    Failed(String),
}

#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let query = use_query_map();
    let hydrated = use_hydrated();
    let outcome = RwSignal::new(Outcome::Checking);
    let token = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    Effect::new(move |_| {
        let link = query.with_untracked(|q| q.get("token").unwrap_or_default());
        client::forget_query();
        token.set(link.clone());
        leptos::task::spawn_local(async move {
            let path = paths::with_token(paths::CHANGE_EMAIL_VALIDATE, &link);
            outcome.set(match client::get::<TokenStateResponse>(&path).await {
                Ok(r) if r.state == TokenState::Valid => Outcome::Ready,
                Ok(r) => Outcome::State(r.state),
                Err(f) => Outcome::Failed(f.message),
            });
        });
    });
    let confirm = move |_| {
        pending.set(true);
        let request = TokenRequest {
            token: token.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            let done = client::post::<_, EmailChanged>(paths::CHANGE_EMAIL_CONFIRM, &request).await;
            pending.set(false);
            outcome.set(match done {
                Ok(changed) => Outcome::Changed(changed.email),
                Err(f) => Outcome::Failed(f.message),
            });
        });
    };
    view! {
        <Title text="Confirm your new email address" />
        <section class="card narrow" aria-live="polite">
            {move || match outcome.get() {
                Outcome::Checking => view! {
                    <h1>"Checking your link…"</h1>
                }.into_any(),
                Outcome::Ready => view! {
                    <h1>"Confirm your new email address"</h1>
                    <p class="lead">"Your account will sign in with this address from now on, and the old one is told."</p>
                    <p><button class="button" type="button" disabled=move || !hydrated.get() || pending.get() on:click=confirm>
                        {move || if pending.get() { "Confirming…" } else { "Confirm the new address" }}
                    </button></p>
                }.into_any(),
                Outcome::Changed(email) => view! {
                    <h1>"Email address changed"</h1>
                    <p class="lead">"Your account now uses "<strong>{email}</strong>"."</p>
                    <p><a class="button" href="/dashboard">"Go to your dashboard"</a></p>
                }.into_any(),
                Outcome::State(state) => {
                    let text = match state {
                        TokenState::Expired => "This link has expired. Ask for the change again from your dashboard.",
                        TokenState::Used => "This link was already used.",
                        _ => "This link is not valid. Ask for the change again from your dashboard.",
                    };
                    view! {
                        <h1>"This link cannot be used"</h1>
                        <p class="lead">{text}</p>
                        <p><a href="/dashboard">"Go to your dashboard"</a></p>
                    }.into_any()
                }
                Outcome::Failed(message) => view! {
                    <h1>"The address was not changed"</h1>
                    <p class="lead">{message}</p>
                    <p><a href="/dashboard">"Go to your dashboard"</a></p>
                }.into_any(),
            }}
        </section>
    }
}
