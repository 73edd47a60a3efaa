//! `/forgot-password`: ask for a reset link. The answer is the same whether or not the
//! address has an account.

use crate::api::paths;
use crate::{
    api::{EmailRequest, Success},
    client::{self, Failure},
    components::{Alert, Field, focus_first_error, use_hydrated},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let (pending, set_pending) = signal(false);
    let sent = RwSignal::new(false);
    let hydrated = use_hydrated();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = EmailRequest {
            email: email.get_untracked(),
        };
        set_pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            match client::post::<_, Success>(paths::FORGOT_PASSWORD, &request).await {
                Ok(_) => sent.set(true),
                Err(f) => {
                    failure.set(Some(f));
                    request_animation_frame(focus_first_error);
                }
            }
            set_pending.set(false);
        });
    };
    let field_error = Signal::derive(move || failure.get().and_then(|f| f.field("email")));
    let general = Signal::derive(move || {
        failure
            .get()
            .filter(|f| f.fields.is_empty())
            .map(|f| match f.retry_after {
                Some(s) => format!("Too many requests. Try again in {s} seconds."),
                None => f.message,
            })
    });
    view! {
        <Title text="Reset your password" />
        <section class="card narrow">
            <Show
                when=move || sent.get()
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
                    ", a link to reset its password is on its way. It works once, for one hour."
                </p>
                <p><a class="button" href="/login">"Back to sign in"</a></p>
            </Show>
        </section>
    }
}
