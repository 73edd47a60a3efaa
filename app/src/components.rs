//! Form pieces shared by the pages: labelled fields with their errors, a password field with
//! a show/hide toggle, an alert region, and the resend-verification button.

use crate::api::paths;
use crate::{
    api::{EmailRequest, ErrorCode, Success},
    client,
};
use leptos::prelude::*;

/// True once the page is hydrated: before that, clicks would be lost, so buttons stay disabled.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

/// `aria-describedby` of an input: its hint, and its error while there is one.
fn described_by(
    has_hint: bool,
    error: Signal<Option<String>>,
    hint_id: String,
    error_id: String,
) -> impl Fn() -> String + Send + Sync + 'static {
    move || {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(hint_id.clone());
        }
        if error.get().is_some() {
            ids.push(error_id.clone());
        }
        ids.join(" ")
    }
}

/// A labelled input with its hint and its error. `input_type="password"` adds a show/hide
/// toggle (and is always required).
#[component]
pub fn Field(
    label: &'static str,
    id: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional)] required: bool,
    /// The keyboard a phone shows, e.g. "numeric" for codes.
    #[prop(optional)]
    input_mode: Option<&'static str>,
) -> impl IntoView {
    let secret = input_type == "password";
    let required = required || secret;
    let (shown, set_shown) = signal(false);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = described_by(hint.is_some(), error, hint_id.clone(), error_id.clone());
    let kind = move || match (secret, shown.get()) {
        (true, false) => "password",
        (true, true) => "text",
        (false, _) => input_type,
    };
    let input = view! {
        <input
            id=id
            name=id
            type=kind
            autocomplete=autocomplete
            inputmode=input_mode
            required=required
            aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
            aria-describedby=described
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    };
    let control = if secret {
        view! {
            <div class="password">
                {input}
                <button
                    type="button"
                    class="toggle"
                    aria-controls=id
                    aria-pressed=move || if shown.get() { "true" } else { "false" }
                    on:click=move |_| set_shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { "Hide" } else { "Show" }}
                </button>
            </div>
        }
        .into_any()
    } else {
        input.into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label}{(!required).then(|| view! { <span class="optional">" (optional)"</span> })}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{move || h.get()}</p> })}
            {control}
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}

/// A message announced to screen readers as soon as it appears.
#[component]
pub fn Alert(
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(default = "error")] kind: &'static str,
) -> impl IntoView {
    view! {
        <div class=format!("alert alert-{kind}") role="alert" aria-live="assertive" hidden=move || message.get().is_none()>
            {move || message.get()}
        </div>
    }
}

/// "Resend verification email", with rate limits shown as a countdown.
#[component]
pub fn ResendButton(#[prop(into)] email: Signal<String>) -> impl IntoView {
    let hydrated = use_hydrated();
    let (pending, set_pending) = signal(false);
    let (status, set_status) = signal(None::<String>);
    let wait = RwSignal::new(0u64);
    let send = move |_| {
        let address = email.get_untracked();
        if address.trim().is_empty() {
            set_status.set(Some("Enter your email address first.".into()));
            return;
        }
        set_pending.set(true);
        leptos::task::spawn_local(async move {
            let result = client::post::<_, Success>(
                paths::RESEND_VERIFICATION,
                &EmailRequest { email: address },
            )
            .await;
            set_pending.set(false);
            match result {
                Ok(_) => set_status.set(Some(
                    "If this address needs verifying, a new link is on its way. Check your inbox."
                        .into(),
                )),
                Err(failure) if failure.is(ErrorCode::RateLimited) => {
                    let seconds = failure.retry_after.unwrap_or(60);
                    wait.set(seconds);
                    set_status.set(None);
                    countdown(wait);
                }
                Err(failure) => set_status.set(Some(failure.message)),
            }
        });
    };
    view! {
        <div class="resend">
            <button
                type="button"
                class="button secondary"
                disabled=move || { !hydrated.get() || pending.get() || wait.get() != 0 }
                on:click=send
            >
                {move || match wait.get() {
                    0 if pending.get() => "Sending…".to_string(),
                    0 => "Resend verification email".to_string(),
                    s => format!("Resend available in {s} s"),
                }}
            </button>
            <p class="status" role="status" aria-live="polite">{move || status.get()}</p>
        </div>
    }
}

/// Counts `seconds` down to zero, once a second.
fn countdown(seconds: RwSignal<u64>) {
    #[cfg(feature = "hydrate")]
    {
        let handle = std::rc::Rc::new(std::cell::Cell::new(None));
        let slot = handle.clone();
        let interval = set_interval_with_handle(
            move || {
                seconds.update(|s| *s = s.saturating_sub(1));
                if seconds.get_untracked() == 0
                    && let Some(h) = slot.take()
                {
                    let h: IntervalHandle = h;
                    h.clear();
                }
            },
            std::time::Duration::from_secs(1),
        );
        if let Ok(interval) = interval {
            handle.set(Some(interval));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = seconds;
}

/// Moves keyboard focus to the first field marked invalid, or to the page's alert.
pub fn focus_first_error() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let target = document()
            .query_selector("[aria-invalid=\"true\"]")
            .ok()
            .flatten()
            .or_else(|| {
                document()
                    .query_selector(".alert:not([hidden])")
                    .ok()
                    .flatten()
            });
        if let Some(element) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = element.focus();
        }
    }
}

/// "Continue with Google", shown only when the server offers it. A plain link: the server
/// drives the whole flow, so it works before hydration too.
#[component]
pub fn GoogleButton() -> impl IntoView {
    let providers = crate::session::providers();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                providers.await.google.then(|| view! {
                    <div class="alternative">
                        // rel=external: the router must let the browser leave for the server.
                        <a class="button google" href=paths::GOOGLE rel="external">
                            "Continue with Google"
                        </a>
                        <p class="divider"><span>"or"</span></p>
                    </div>
                })
            })}
        </Suspense>
    }
}
