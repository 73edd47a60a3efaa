//! `/signup`: create an account, then "Check your email" with a resend button. Never signs in.

use crate::api::paths;
use crate::{
    api::{SignupRequest, SignupResponse},
    client::{self, Failure},
    components::{Alert, Field, GoogleButton, ResendButton, focus_first_error, use_hydrated},
    password_hint,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignupPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let (pending, set_pending) = signal(false);
    let created = RwSignal::new(None::<String>);
    let hydrated = use_hydrated();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = SignupRequest {
            email: email.get_untracked(),
            password: password.get_untracked().into(),
            username: Some(username.get_untracked()).filter(|u| !u.trim().is_empty()),
        };
        set_pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            match client::post::<_, SignupResponse>(paths::SIGNUP, &request).await {
                Ok(done) => created.set(Some(done.email)),
                Err(f) => {
                    failure.set(Some(f));
                    request_animation_frame(focus_first_error);
                }
            }
            set_pending.set(false);
        });
    };
    let field_error =
        move |name: &'static str| Signal::derive(move || failure.get().and_then(|f| f.field(name)));
    let general = Signal::derive(move || {
        failure
            .get()
            .filter(|f| f.fields.is_empty())
            .map(|f| f.message)
    });

    view! {
        <Title text="Create your account" />
        <section class="card narrow">
            <Show
                when=move || created.get().is_some()
                fallback=move || view! {
                    <h1>"Create your account"</h1>
                    <p class="lead">"You will confirm your email address before you can sign in."</p>
                    <Alert message=general />
                    <GoogleButton />
                    <form on:submit=submit novalidate>
                        <Field label="Email" id="email" input_type="email" autocomplete="email" required=true value=email error=field_error("email") />
                        <Field label="Password" id="password" input_type="password" autocomplete="new-password" value=password error=field_error("password") hint=password_hint() />
                        <Field label="Username" id="username" autocomplete="username" value=username error=field_error("username") hint="3 to 32 letters, digits, dots, dashes or underscores. Leave empty to get one from your email." />
                        <button class="button" type="submit" disabled=move || !hydrated.get() || pending.get()>
                            {move || if pending.get() { "Creating your account…" } else { "Create account" }}
                        </button>
                    </form>
                    <p class="switch">"Already have an account? "<a href="/login">"Sign in"</a></p>
                }
            >
                <h1>"Check your email"</h1>
                <p class="lead">
                    "We sent a verification link to "<strong>{move || created.get().unwrap_or_default()}</strong>
                    ". Open it to activate your account, then sign in."
                </p>
                <ResendButton email=Signal::derive(move || created.get().unwrap_or_default()) />
                <p><a class="button" href="/login">"Back to sign in"</a></p>
            </Show>
        </section>
    }
}
