//! The dashboard's "Security" section: two-factor sign-in. Turning it on shows a QR code
//! (drawn by the server) and the key to type by hand, then asks for a first code; the
//! recovery codes are shown once. Turning it off, or new recovery codes, need the password
//! or a code.

use crate::api::paths;
use crate::{
    api::{
        ErrorCode, Password, RecoveryCodes, Success, TwoFactorConfirmRequest,
        TwoFactorEnableRequest, TwoFactorSetup, TwoFactorSetupRequest, TwoFactorStatus,
    },
    client::{self, Failure},
    components::{Alert, Field, use_hydrated},
    form::Form,
};
use leptos::prelude::*;

#[component]
pub fn Security() -> impl IntoView {
    let hydrated = use_hydrated();
    let status = RwSignal::new(None::<TwoFactorStatus>);
    let status_failure = RwSignal::new(None::<Failure>);
    let setup = RwSignal::new(None::<TwoFactorSetup>);
    let codes = RwSignal::new(None::<Vec<String>>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match client::get::<TwoFactorStatus>(paths::TWO_FACTOR).await {
                Ok(now) => status.set(Some(now)),
                Err(f) => status_failure.set(Some(f)),
            }
        });
    };
    Effect::new(move |_| {
        if hydrated.get() {
            reload();
        }
    });
    let general = Signal::derive(move || status_failure.get().map(|f| f.message));

    view! {
        <section class="card" aria-labelledby="security-title">
            <h2 id="security-title">"Security"</h2>
            <h3>"Two-factor sign-in"</h3>
            <Alert message=general />
            {move || codes.get().map(|list| view! { <RecoveryCodesShown codes=list on_done=move || codes.set(None) /> })}
            {move || match (status.get(), setup.get()) {
                (None, _) => view! { <p class="status">"Loading…"</p> }.into_any(),
                (Some(s), _) if s.enabled => view! {
                    <TwoFactorOn status=s codes=codes reload=reload />
                }.into_any(),
                (Some(_), Some(started)) => view! {
                    <Confirm started setup codes reload />
                }.into_any(),
                (Some(_), None) => view! { <TurnOn setup /> }.into_any(),
            }}
        </section>
    }
}

/// Off: one button starts the set-up (with the password when the sign-in is not recent).
#[component]
fn TurnOn(setup: RwSignal<Option<TwoFactorSetup>>) -> impl IntoView {
    let hydrated = use_hydrated();
    let password = RwSignal::new(String::new());
    let form = Form::new(move |request: TwoFactorSetupRequest| async move {
        let done = client::post::<_, TwoFactorSetup>(paths::TWO_FACTOR_SETUP, &request).await;
        if let Ok(started) = &done {
            setup.set(Some(started.clone()));
        }
        done
    });
    let pending = form.pending();
    let message = form.general(|f| match f.code {
        Some(ErrorCode::ReauthRequired) => "Enter your password to continue.".to_string(),
        _ => f.message,
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = password.get_untracked();
        form.submit(TwoFactorSetupRequest {
            password: (!typed.is_empty()).then(|| Password::from(typed)),
        });
    };
    view! {
        <p>"Off. With it on, signing in also needs a code from an authenticator app on your phone."</p>
        <Alert message=message />
        <form class="inline-form" on:submit=submit novalidate>
            <Field label="Your password" id="tf-setup-password" input_type="password" autocomplete="current-password" value=password error=form.field_error("password") />
            <button class="button" type="submit" disabled=move || !hydrated.get() || pending.get()>
                {move || if pending.get() { "Starting…" } else { "Turn on two-factor sign-in" }}
            </button>
        </form>
    }
}

/// The app is being added: scan or type the key, then confirm a first code.
#[component]
fn Confirm(
    started: TwoFactorSetup,
    setup: RwSignal<Option<TwoFactorSetup>>,
    codes: RwSignal<Option<Vec<String>>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let hydrated = use_hydrated();
    let code = RwSignal::new(String::new());
    let form = Form::new(move |request: TwoFactorEnableRequest| async move {
        let done = client::post::<_, RecoveryCodes>(paths::TWO_FACTOR_ENABLE, &request).await;
        if let Ok(answer) = &done {
            codes.set(Some(answer.recovery_codes.clone()));
            setup.set(None);
            reload();
        }
        done
    });
    let pending = form.pending();
    let message = form.general(|f| f.message);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submit(TwoFactorEnableRequest {
            code: code.get_untracked(),
        });
    };
    view! {
        <ol class="steps">
            <li>"Scan this QR code with your authenticator app:"
                // The SVG is drawn by this console's server from the new key; no script runs in it.
                <div class="qr" role="img" aria-label="QR code of the new key" inner_html=started.qr_svg.clone()></div>
            </li>
            <li>"Or type this key into the app: "<code data-testid="manual-key">{started.secret.clone()}</code></li>
            <li>"Enter the code the app shows now."</li>
        </ol>
        <Alert message=message />
        <form class="inline-form" on:submit=submit novalidate>
            <Field label="Authentication code" id="tf-enable-code" autocomplete="one-time-code" input_mode="numeric" required=true value=code error=form.field_error("code") />
            <button class="button" type="submit" disabled=move || !hydrated.get() || pending.get()>
                {move || if pending.get() { "Checking…" } else { "Turn on" }}
            </button>
        </form>
    }
}

/// On: new recovery codes, or turn it off; both need the password or a code.
#[component]
fn TwoFactorOn(
    status: TwoFactorStatus,
    codes: RwSignal<Option<Vec<String>>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    #[derive(Clone)]
    enum Ask {
        TurnOff,
        NewCodes,
    }
    let hydrated = use_hydrated();
    let proof = RwSignal::new(String::new());
    let form = Form::new(
        move |(ask, request): (Ask, TwoFactorConfirmRequest)| async move {
            match ask {
                Ask::TurnOff => client::post::<_, Success>(paths::TWO_FACTOR_DISABLE, &request)
                    .await
                    .map(|_| {
                        reload();
                    }),
                Ask::NewCodes => {
                    client::post::<_, RecoveryCodes>(paths::TWO_FACTOR_RECOVERY_CODES, &request)
                        .await
                        .map(|answer| {
                            codes.set(Some(answer.recovery_codes));
                            reload();
                        })
                }
            }
        },
    );
    let pending = form.pending();
    let message = form.general(|f| f.message);
    let error = Signal::derive(move || {
        form.field_error("password")
            .get()
            .or_else(|| form.field_error("code").get())
    });
    let send = move |ask: Ask| {
        let typed = proof.get_untracked().trim().to_owned();
        // Six digits are the app's code; anything else is the password.
        let is_code = crate::api::is_app_code(&typed);
        form.submit((
            ask,
            TwoFactorConfirmRequest {
                password: (!is_code).then(|| Password::from(typed.clone())),
                code: is_code.then_some(typed),
            },
        ));
        proof.set(String::new());
    };
    view! {
        <p data-testid="two-factor-status">
            {format!("On. {} recovery codes left.", status.recovery_codes_left)}
        </p>
        <Alert message=message />
        <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); send(Ask::NewCodes) } novalidate>
            <Field label="Your password or a code from the app" id="tf-proof" input_type="password" autocomplete="current-password" required=true value=proof error=error />
            <button class="button secondary" type="submit" disabled=move || !hydrated.get() || pending.get()>"New recovery codes"</button>
            <button class="button danger" type="button" disabled=move || !hydrated.get() || pending.get() on:click=move |_| send(Ask::TurnOff)>"Turn off"</button>
        </form>
    }
}

/// The recovery codes, once: to copy or download, never shown again.
#[component]
fn RecoveryCodesShown(codes: Vec<String>, on_done: impl Fn() + 'static) -> impl IntoView {
    let text = codes.join("\n");
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        text.replace('\n', "%0A")
    );
    view! {
        <div class="alert alert-success recovery-codes" role="status">
            <p>"Your recovery codes. Keep them somewhere safe: each signs you in once without the app, and they are not shown again."</p>
            <textarea readonly rows="10" aria-label="Recovery codes" data-testid="recovery-codes" prop:value=text></textarea>
            <p>
                <a class="button secondary" href=download download="msgsg-recovery-codes.txt">"Download"</a>
                " "
                <button class="button" type="button" on:click=move |_| on_done()>"I have saved them"</button>
            </p>
        </div>
    }
}
