//! The dashboard's API keys: list, create (the key is shown once), revoke.

use crate::api::paths;
use crate::{
    api::{ApiKeyInfo, CreateApiKeyRequest, CreatedApiKey, KeyId, Success},
    client::{self, Failure},
    components::{Alert, Field, use_hydrated},
    form::Form,
    format::{date, optional_date},
};
use leptos::prelude::*;

#[component]
pub fn ApiKeys() -> AnyView {
    let hydrated = use_hydrated();
    let keys = RwSignal::new(None::<Vec<ApiKeyInfo>>);
    // Listing and revoking fail here; creating fails in its form.
    let list_failure = RwSignal::new(None::<Failure>);
    let created = RwSignal::new(None::<CreatedApiKey>);
    let name = RwSignal::new(String::new());
    let days = RwSignal::new(90u32);
    // Asked for when the session is not a recent sign-in (the server says REAUTH_REQUIRED).
    let password = RwSignal::new(String::new());
    let needs_password = RwSignal::new(false);

    let reload = move || {
        leptos::task::spawn_local(async move {
            match client::get::<Vec<ApiKeyInfo>>(paths::API_KEYS).await {
                Ok(list) => keys.set(Some(list)),
                Err(f) => list_failure.set(Some(f)),
            }
        });
    };
    let form = Form::new(move |request: CreateApiKeyRequest| async move {
        created.set(None);
        let done = client::post::<_, CreatedApiKey>(paths::API_KEYS, &request).await;
        match &done {
            Ok(key) => {
                created.set(Some(key.clone()));
                name.set(String::new());
                password.set(String::new());
                needs_password.set(false);
                reload();
            }
            Err(f) if f.is(crate::api::ErrorCode::ReauthRequired) => needs_password.set(true),
            Err(_) => {}
        }
        done
    });
    let pending = form.pending();
    let failure = form.failure();
    // Keys are listed once the page runs in the browser.
    Effect::new(move |_| {
        if hydrated.get() {
            reload();
        }
    });

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CreateApiKeyRequest {
            name: name.get_untracked().trim().to_owned(),
            expires_in_days: days.get_untracked(),
            password: Some(password.get_untracked())
                .filter(|p| !p.is_empty())
                .map(Into::into),
        };
        list_failure.set(None);
        form.submit(request);
    };
    let revoke = move |id: KeyId, name: String| {
        if !client::confirm(&format!(
            "Revoke the key “{name}”? Scripts using it stop working at once."
        )) {
            return;
        }
        list_failure.set(None);
        leptos::task::spawn_local(async move {
            match client::delete::<Success>(&paths::fill(paths::API_KEY, id.as_str())).await {
                Ok(_) => {
                    if created.get_untracked().is_some_and(|c| c.id == id) {
                        created.set(None);
                    }
                    reload();
                }
                Err(f) => list_failure.set(Some(f)),
            }
        });
    };

    let general = Signal::derive(move || {
        failure
            .get()
            .or_else(|| list_failure.get())
            .filter(|f| f.fields.is_empty())
            .map(|f| f.message)
    });
    let name_error = Signal::derive(move || failure.get().and_then(|f| f.field("name")));
    let password_error = Signal::derive(move || {
        failure.get().and_then(|f| {
            f.field("password").or_else(|| {
                (f.code == Some(crate::api::ErrorCode::ReauthRequired)).then_some(f.message)
            })
        })
    });
    let general = Signal::derive(move || general.get().filter(|_| password_error.get().is_none()));

    view! {
        <section class="card" aria-labelledby="api-keys-title">
            <h2 id="api-keys-title">"API keys"</h2>
            <p class="lead">
                "For scripts and the "<code>"msgsg"</code>" command line: set "
                <code>"MSGSG_API_KEY"</code>" to a key. A key acts as you, with your role, but cannot manage keys."
            </p>
            <Alert message=general />
            {move || created.get().map(|key| view! {
                <div class="alert alert-success new-key" role="status">
                    <p>"Your new key “" {key.name.clone()} "”. Copy it now: it is not shown again."</p>
                    <input class="key" readonly aria-label="New API key" data-testid="new-api-key" prop:value=key.key.clone() />
                </div>
            })}
            <form class="inline-form" on:submit=create novalidate>
                <Field label="Key name" id="key-name" required=true value=name error=name_error hint="What the key is for, e.g. Backup Script." />
                {move || needs_password.get().then(|| view! {
                    <Field label="Your password" id="key-password" input_type="password" autocomplete="current-password" required=true value=password error=password_error hint="You signed in a while ago: confirm it is you to create a key." />
                }.into_any())}
                <div class="field">
                    <label for="key-expires">"Expires after"</label>
                    <select id="key-expires" on:change=move |ev| days.set(event_target_value(&ev).parse().unwrap_or(90))>
                        <option value="30">"30 days"</option>
                        <option value="90" selected>"90 days"</option>
                        <option value="365">"1 year"</option>
                    </select>
                </div>
                <button class="button" type="submit" disabled=move || !hydrated.get() || pending.get()>
                    {move || if pending.get() { "Creating…" } else { "Create key" }}
                </button>
            </form>
            {move || match keys.get() {
                None => view! { <p class="status">"Loading your keys…"</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="status">"No API keys yet."</p> }.into_any(),
                Some(list) => view! {
                    <table class="keys">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Key"</th><th scope="col">"Created"</th><th scope="col">"Expires"</th><th scope="col">"Last used"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|key| {
                                let (id, name) = (key.id.clone(), key.name.clone());
                                let label = format!("Revoke {}", key.name);
                                view! {
                                    <tr>
                                        <td>{key.name.clone()}</td>
                                        <td><code>{format!("{}…", key.prefix)}</code></td>
                                        <td>{date(key.created_at)}</td>
                                        <td>{date(key.expires_at)}</td>
                                        <td>{optional_date(key.last_used_at, "never")}</td>
                                        <td><button class="button secondary small" type="button" aria-label=label on:click=move |_| revoke(id.clone(), name.clone())>"Revoke"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}
