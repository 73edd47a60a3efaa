//! `/dashboard`: the signed-in user's account, rendered on the server. Signing out revokes
//! the session on the server.

use super::{
    account_settings::{ChangeEmail, ChangePassword, DeleteAccount},
    api_keys::ApiKeys,
    security::Security,
    sessions::Sessions,
};
use crate::api::paths;
use crate::{
    api::{SignInMethod, Success, UserInfo},
    client,
    components::use_hydrated,
    session::current_user,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let user = current_user();
    view! {
        <Title text="Dashboard" />
        <Suspense fallback=|| view! { <section class="card"><p>"Loading your account…"</p></section> }>
            {move || Suspend::new(async move {
                match user.await {
                    Some(user) => view! { <Account user /> }.into_any(),
                    None => {
                        client::go_to("/login");
                        view! { <section class="card"><p>"Redirecting to sign in…"</p></section> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn Account(user: UserInfo) -> impl IntoView {
    let hydrated = use_hydrated();
    let (pending, set_pending) = signal(false);
    let (error, set_error) = signal(None::<String>);
    let sign_out = move |_| {
        set_pending.set(true);
        leptos::task::spawn_local(async move {
            match client::post::<_, Success>(paths::LOGOUT, &serde_json::json!({})).await {
                Ok(_) => client::go_to("/login"),
                Err(f) => {
                    set_error.set(Some(f.message));
                    set_pending.set(false);
                }
            }
        });
    };
    view! {
        <section class="card">
            <h1>"Hello, " {user.username.clone()}</h1>
            <p class="lead">"You are signed in."</p>
            <dl class="facts">
                <dt>"Username"</dt><dd data-testid="username">{user.username.clone()}</dd>
                <dt>"Email"</dt><dd data-testid="email">{user.email.clone()}</dd>
                <dt>"Role"</dt><dd data-testid="role">{user.role.to_string()}</dd>
                <dt>"Email verified"</dt><dd>{if user.email_verified { "Yes" } else { "No" }}</dd>
                <dt>"Sign-in methods"</dt><dd data-testid="sign-in-methods">{methods_text(&user.sign_in_methods)}</dd>
            </dl>
            <div class="alert alert-error" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</div>
            <button class="button secondary" type="button" disabled=move || !hydrated.get() || pending.get() on:click=sign_out>
                {move || if pending.get() { "Signing out…" } else { "Sign out" }}
            </button>
        </section>
        <Security />
        <Sessions />
        <ChangePassword />
        <ChangeEmail current=user.email.clone() />
        <ApiKeys />
        <DeleteAccount />
    }
}

fn methods_text(methods: &[SignInMethod]) -> String {
    let names: Vec<&str> = methods
        .iter()
        .map(|m| match m {
            SignInMethod::Password => "Password",
            SignInMethod::Google => "Google",
        })
        .collect();
    if names.is_empty() {
        "None yet: set a password with “Forgot your password?”".into()
    } else {
        names.join(", ")
    }
}
