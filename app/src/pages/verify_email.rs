//! `/verify-email?token=…`: after hydration (never during server rendering, so a mail
//! scanner's GET spends nothing) the page checks the link and, when valid, spends it.
//! Verifying never signs in.

use crate::api::paths;
use crate::{
    api::{TokenRequest, TokenState, TokenStateResponse, VerifyEmailResponse},
    client,
    components::ResendButton,
    format::lifetime,
    session::rules,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Checking,
    Verified(String),
    /// Verified, and the account has no password yet: a link to choose one was mailed.
    VerifiedChoosePassword(String),
    State(TokenState),
    Unreachable(String),
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let outcome = RwSignal::new(Outcome::Checking);
    Effect::new(move |_| {
        let token = query.with_untracked(|q| q.get("token").unwrap_or_default());
        client::forget_query();
        leptos::task::spawn_local(async move {
            let path = paths::with_token(paths::VERIFY_EMAIL_VALIDATE, &token);
            let state = match client::get::<TokenStateResponse>(&path).await {
                Ok(r) => r.state,
                Err(f) => return outcome.set(Outcome::Unreachable(f.message)),
            };
            if state != TokenState::Valid {
                return outcome.set(Outcome::State(state));
            }
            let result = client::post::<_, VerifyEmailResponse>(
                paths::VERIFY_EMAIL,
                &TokenRequest { token },
            )
            .await;
            outcome.set(match result {
                Ok(done) if done.choose_password => Outcome::VerifiedChoosePassword(done.email),
                Ok(done) => Outcome::Verified(done.email),
                Err(f) => Outcome::Unreachable(f.message),
            });
        });
    });
    let resend_email = RwSignal::new(String::new());
    let expired = format!(
        "Verification links work for {}. Ask for a new one below.",
        lifetime(rules().verify_link_minutes)
    );

    view! {
        <Title text="Verify your email" />
        <section class="card narrow" aria-live="polite">
            {move || match outcome.get() {
                Outcome::Checking => view! {
                    <h1>"Checking your link…"</h1>
                    <p class="lead">"One moment while we confirm your email address."</p>
                }.into_any(),
                Outcome::Verified(email) => view! {
                    <h1>"Email verified"</h1>
                    <p class="lead">"Thanks! "<strong>{email}</strong>" is confirmed. Sign in to continue."</p>
                    <p><a class="button" href="/login?verified=1">"Go to sign in"</a></p>
                }.into_any(),
                Outcome::VerifiedChoosePassword(email) => view! {
                    <h1>"Email verified"</h1>
                    <p class="lead"><strong>{email}</strong>" is confirmed. More than one signup used this address before, so no password was kept: we emailed you a link to choose yours."</p>
                }.into_any(),
                Outcome::State(TokenState::AlreadyVerified) | Outcome::State(TokenState::Used) => view! {
                    <h1>"Already verified"</h1>
                    <p class="lead">"This address is already confirmed. You can sign in."</p>
                    <p><a class="button" href="/login">"Go to sign in"</a></p>
                }.into_any(),
                Outcome::State(state) => {
                    let (title, text) = if state == TokenState::Expired {
                        ("This link has expired", expired.clone())
                    } else {
                        ("This link is not valid", "It may be incomplete or mistyped. Ask for a new one below.".to_owned())
                    };
                    view! {
                        <h1>{title}</h1>
                        <p class="lead">{text}</p>
                        <div class="field">
                            <label for="resend-email">"Email"</label>
                            <input id="resend-email" type="email" autocomplete="email"
                                prop:value=move || resend_email.get()
                                on:input=move |ev| resend_email.set(event_target_value(&ev)) />
                        </div>
                        <ResendButton email=resend_email />
                        <p><a href="/login">"Back to sign in"</a></p>
                    }.into_any()
                }
                Outcome::Unreachable(message) => view! {
                    <h1>"Something went wrong"</h1>
                    <p class="lead">{message}</p>
                    <p><a href="/login">"Back to sign in"</a></p>
                }.into_any(),
            }}
        </section>
    }
}
