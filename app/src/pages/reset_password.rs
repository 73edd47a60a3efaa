//! `/reset-password?token=…`: checks the link after hydration, then asks for the new password.
//! Success returns to `/login`; the reset never signs in.

use crate::api::paths;
use crate::{
    api::{ResetPasswordRequest, Success, TokenState, TokenStateResponse},
    client,
    components::{Alert, Field, use_hydrated},
    form::{Form, as_said},
    format::lifetime,
    password_hint,
    session::rules,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let state = RwSignal::new(None::<TokenState>);
    let token = StoredValue::new(String::new());
    Effect::new(move |_| {
        let value = query.with_untracked(|q| q.get("token").unwrap_or_default());
        token.set_value(value.clone());
        leptos::task::spawn_local(async move {
            let path = paths::with_token(paths::RESET_PASSWORD_VALIDATE, &value);
            let result = client::get::<TokenStateResponse>(&path).await;
            state.set(Some(result.map(|r| r.state).unwrap_or(TokenState::Invalid)));
        });
    });
    let password = RwSignal::new(String::new());
    let form = Form::new(|request: ResetPasswordRequest| async move {
        let done = client::post::<_, Success>(paths::RESET_PASSWORD, &request).await;
        if done.is_ok() {
            client::go_to("/login?reset=1");
        }
        done
    });
    let pending = form.pending();
    let hydrated = use_hydrated();
    let expired = format!(
        "This reset link has expired: links work for {}.",
        lifetime(rules().reset_link_minutes)
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = ResetPasswordRequest {
            token: token.get_value(),
            password: password.get_untracked().into(),
        };
        form.submit(request);
    };
    let field_error = form.field_error("password");
    let general = form.general(as_said);

    view! {
        <Title text="Choose a new password" />
        <section class="card narrow">
            {move || match state.get() {
                None => view! {
                    <h1>"Checking your link…"</h1>
                    <p class="lead">"One moment."</p>
                }.into_any(),
                Some(TokenState::Valid) => view! {
                    <h1>"Choose a new password"</h1>
                    <p class="lead">"Every device signed in to your account will be signed out."</p>
                    <Alert message=general />
                    <form on:submit=submit novalidate>
                        <Field label="New password" id="password" input_type="password" autocomplete="new-password" value=password error=field_error hint=password_hint() />
                        <button class="button" type="submit" disabled=move || !hydrated.get() || pending.get()>
                            {move || if pending.get() { "Saving…" } else { "Set new password" }}
                        </button>
                    </form>
                }.into_any(),
                Some(other) => {
                    let text = match other {
                        TokenState::Expired => expired.clone(),
                        TokenState::Used => "This reset link was already used.".to_owned(),
                        _ => "This reset link is not valid.".to_owned(),
                    };
                    view! {
                        <h1>"This link cannot be used"</h1>
                        <p class="lead">{text}</p>
                        <p><a class="button" href="/forgot-password">"Ask for a new link"</a></p>
                        <p><a href="/login">"Back to sign in"</a></p>
                    }.into_any()
                }
            }}
        </section>
    }
}
