//! `/login`: email or username and password. Success opens `/dashboard`; an unverified
//! address gets a clear message and a resend button. An account with two-factor sign-in
//! answers with a challenge: the page then asks for the code (or a recovery code), in place.
//! A Google sign-in that needs the code lands here with the challenge in the fragment.

use crate::api::paths;
use crate::{
    api::{ErrorCode, Identifier, LoginOutcome, LoginRequest, TwoFactorVerifyRequest},
    client,
    components::{Alert, Field, GoogleButton, ResendButton, use_hydrated},
    form::Form,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let notice = move || {
        query.with(|q| {
            let error = q.get("error");
            if error.as_deref() == Some("oauth_failed") {
                Some((
                    "error",
                    "Google sign-in failed. Try again, or sign in with your password.",
                ))
            } else if error.as_deref() == Some("account_disabled") {
                Some(("error", "This account is disabled."))
            } else if error.as_deref() == Some("rate_limited") {
                Some((
                    "error",
                    "Too many sign-in attempts. Wait a minute, then try again.",
                ))
            } else if q.get("reset").is_some() {
                Some((
                    "success",
                    "Your password was changed. Sign in with the new one.",
                ))
            } else if q.get("verified").is_some() {
                Some((
                    "success",
                    "Your email address is verified. You can sign in now.",
                ))
            } else {
                None
            }
        })
    };
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let challenge = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(pending) = client::take_fragment("two-factor") {
            challenge.set(Some(pending));
        }
    });
    let form = Form::new(move |request: LoginRequest| async move {
        let done = client::post::<_, LoginOutcome>(paths::LOGIN, &request).await;
        match &done {
            Ok(LoginOutcome::Session(_)) => client::go_to("/dashboard"),
            Ok(LoginOutcome::TwoFactor(asked)) => challenge.set(Some(asked.challenge.clone())),
            Err(_) => {}
        }
        done
    });
    let pending = form.pending();
    let failure = form.failure();
    let hydrated = use_hydrated();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request =
            LoginRequest::from_identifier(&login.get_untracked(), password.get_untracked());
        form.submit(request);
    };
    let unverified = move || {
        failure
            .get()
            .is_some_and(|f| f.is(ErrorCode::EmailNotVerified))
    };
    let message = Signal::derive(move || {
        failure.get().map(|f| match f.code {
            Some(ErrorCode::Unauthorized) => "Wrong email or password.".to_string(),
            Some(ErrorCode::EmailNotVerified) => {
                "Your email address is not verified yet. Open the link we sent you, or get a new one below.".to_string()
            }
            Some(ErrorCode::AccountLocked) => format!(
                "Too many failed attempts. Try again in {} minutes, or reset your password.",
                f.retry_after.unwrap_or(60).div_ceil(60)
            ),
            Some(ErrorCode::RateLimited) => format!(
                "Too many attempts. Try again in {} seconds.",
                f.retry_after.unwrap_or(60)
            ),
            _ => f.message,
        })
    });
    let field_error = move |name: &'static str| form.field_error(name);

    view! {
        <Title text="Sign in" />
        <Show when=move || challenge.with(Option::is_some) fallback=move || view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            {move || notice().map(|(kind, text)| view! { <div class=format!("alert alert-{kind}") role="status">{text}</div> })}
            <Alert message=message />
            <Show when=unverified>
                <ResendButton email=Signal::derive(move || {
                    match Identifier::parse(&login.get()) {
                        Identifier::Email(address) => address,
                        Identifier::Username(_) => String::new(),
                    }
                }) />
            </Show>
            <GoogleButton />
            <form on:submit=submit novalidate>
                <Field label="Email or username" id="login" autocomplete="username" required=true value=login error=field_error("email") />
                <Field label="Password" id="password" input_type="password" autocomplete="current-password" value=password error=field_error("password") />
                <button class="button" type="submit" disabled=move || !hydrated.get() || pending.get()>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <p class="switch">
                <a href="/forgot-password">"Forgot your password?"</a>
                " · "
                <a href="/signup">"Create an account"</a>
            </p>
        </section>
        }>
            <SecondStep challenge=challenge />
        </Show>
    }
}

/// The second step: the code from the authenticator app, or one recovery code.
#[component]
fn SecondStep(challenge: RwSignal<Option<String>>) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let recovery = RwSignal::new(false);
    let form = Form::new(move |request: TwoFactorVerifyRequest| async move {
        let done = client::post::<_, LoginOutcome>(paths::TWO_FACTOR_VERIFY, &request).await;
        if done.is_ok() {
            client::go_to("/dashboard");
        }
        done
    });
    let pending = form.pending();
    let hydrated = use_hydrated();
    let failure = form.failure();
    let ended = move || failure.get().is_some_and(|f| f.is(ErrorCode::Unauthorized));
    let message = form.general(|f| match f.code {
        Some(ErrorCode::Unauthorized) => {
            "This sign-in has ended (too many wrong codes, or it took longer than 5 minutes). Sign in again.".to_string()
        }
        Some(ErrorCode::AccountLocked) => format!(
            "Too many wrong codes. Try again in {} minutes.",
            f.retry_after.unwrap_or(60).div_ceil(60)
        ),
        _ => f.message,
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(pending) = challenge.get_untracked() else {
            return;
        };
        let typed = code.get_untracked();
        let use_recovery = recovery.get_untracked();
        form.submit(TwoFactorVerifyRequest {
            challenge: pending,
            code: (!use_recovery).then(|| typed.clone()),
            recovery_code: use_recovery.then_some(typed),
        });
    };
    let toggle = move |_| {
        recovery.update(|r| *r = !*r);
        code.set(String::new());
    };
    view! {
        <section class="card narrow">
            <h1>"Two-factor sign-in"</h1>
            <p class="lead">
                {move || if recovery.get() {
                    "Enter one of your recovery codes. Each works once."
                } else {
                    "Enter the 6-digit code your authenticator app shows for this account."
                }}
            </p>
            <Alert message=message />
            <Show when=ended>
                <p><a class="button" href="/login" on:click=move |_| challenge.set(None)>"Sign in again"</a></p>
            </Show>
            <form on:submit=submit novalidate>
                {move || if recovery.get() {
                    view! {
                        <Field label="Recovery code" id="recovery-code" autocomplete="off" required=true value=code error=form.field_error("code") />
                    }.into_any()
                } else {
                    view! {
                        <Field label="Authentication code" id="code" autocomplete="one-time-code" input_mode="numeric" required=true value=code error=form.field_error("code") />
                    }.into_any()
                }}
                <button class="button" type="submit" disabled=move || !hydrated.get() || pending.get()>
                    {move || if pending.get() { "Checking…" } else { "Verify" }}
                </button>
            </form>
            <p class="switch">
                <button type="button" class="link" on:click=toggle>
                    {move || if recovery.get() { "Use the code from your app" } else { "Use a recovery code" }}
                </button>
            </p>
        </section>
    }
}
