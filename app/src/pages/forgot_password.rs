//! `/forgot-password`: ask for a reset link. The answer is the same whether or not the
//! address has an account.

use crate::api::paths;
use crate::{
    api::{EmailRequest, Success},
    client::{self, Failure},
    components::{Alert, Field, use_hydrated},
    form::Form,
    format::lifetime,
    session::rules,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let form = Form::new(|request: EmailRequest| async move {
        client::post::<_, Success>(paths::FORGOT_PASSWORD, &request).await
    });
    let pending = form.pending();
    let done = form.done();
    let sent = move || done.get().is_some();
    let hydrated = use_hydrated();
    let works_for = lifetime(rules().reset_link_minutes);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = EmailRequest {
            email: email.get_untracked(),
        };
        form.submit(request);
    };
    let field_error = form.field_error("email");
    let general = form.general(|f: Failure| match f.retry_after {
        Some(s) => format!("Too many requests. Try again in {s} seconds."),
        None => f.message,
    });
    view! {
        <Title text="Reset your password" />
        <section class="card narrow">
            <Show
                when=sent
                fallback=move || view! {
                    <h1>"Reset your password"</h1>
                    <p class="lead">"Enter your email address and we will send you a link to choose a new password."</p>
                    <Alert message=general />
                    <form on:submit=submit novalidate>
                        <Field label="Email" id="email" input_type="email" autocomplete="email" required=true value=email error=field_error />
                        <button class="button" type="submit" disabled=move || !hydrated.get() || pending.get()>
                            {move || if pending.get() { "Sending…" } else { "Send reset link" }}
                        </button>
                    </form>
                    <p class="switch"><a href="/login">"Back to sign in"</a></p>
                }
            >
                <h1>"Check your email"</h1>
                <p class="lead">
                    "If an account uses "<strong>{move || email.get()}</strong>
                    ", a link to reset its password is on its way. It works once, for "{works_for.clone()}"."
                </p>
                <p><a class="button" href="/login">"Back to sign in"</a></p>
            </Show>
        </section>
    }
}
