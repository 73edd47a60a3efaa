//! `/signup`: create an account, then "Check your email" with a resend button. Never signs in.

use crate::api::paths;
use crate::{
    api::{SignupRequest, SignupResponse},
    client,
    components::{Alert, Field, GoogleButton, ResendButton, use_hydrated},
    form::{Form, as_said},
    password_hint,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignupPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let form = Form::new(|request: SignupRequest| async move {
        client::post::<_, SignupResponse>(paths::SIGNUP, &request).await
    });
    let pending = form.pending();
    let done = form.done();
    let created = Signal::derive(move || done.get().map(|d| d.email));
    let hydrated = use_hydrated();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = SignupRequest {
            email: email.get_untracked(),
            password: password.get_untracked().into(),
            username: Some(username.get_untracked()).filter(|u| !u.trim().is_empty()),
        };
        form.submit(request);
    };
    let field_error = move |name: &'static str| form.field_error(name);
    let general = form.general(as_said);

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
