//! The dashboard's account settings: a new password (the current one is needed), a new
//! address (confirmed from the new mailbox), and deleting the account.

use crate::api::paths;
use crate::{
    api::{
        ChangeEmailRequest, ChangePasswordRequest, DeleteAccountRequest, Password, Revoked, Success,
    },
    client,
    components::{Alert, Field, use_hydrated},
    form::Form,
    session::rules,
};
use leptos::prelude::*;

#[component]
pub fn ChangePassword() -> impl IntoView {
    let hydrated = use_hydrated();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let form = Form::new(move |request: ChangePasswordRequest| async move {
        let done = client::post::<_, Revoked>(paths::CHANGE_PASSWORD, &request).await;
        if done.is_ok() {
            current.set(String::new());
            new.set(String::new());
        }
        done
    });
    let pending = form.pending();
    let message = form.general(|f| f.message);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submit(ChangePasswordRequest {
            current_password: Password::from(current.get_untracked()),
            new_password: Password::from(new.get_untracked()),
        });
    };
    let hint = Signal::derive(|| format!("At least {} characters.", rules().password_min_length));
    view! {
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Password"</h2>
            <Alert message=message />
            {move || form.done().get().map(|r| view! {
                <div class="alert alert-success" role="status">
                    {format!("Your password was changed; {} other sessions were signed out.", r.revoked)}
                </div>
            })}
            <form class="inline-form" on:submit=submit novalidate>
                <Field label="Current password" id="current-password" input_type="password" autocomplete="current-password" value=current error=form.field_error("currentPassword") />
                <Field label="New password" id="new-password" input_type="password" autocomplete="new-password" value=new error=form.field_error("newPassword") hint=hint />
                <button class="button" type="submit" disabled=move || !hydrated.get() || pending.get()>
                    {move || if pending.get() { "Changing…" } else { "Change password" }}
                </button>
            </form>
        </section>
    }
}

#[component]
pub fn ChangeEmail(current: String) -> impl IntoView {
    let hydrated = use_hydrated();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let sent_to = RwSignal::new(None::<String>);
    let form = Form::new(move |request: ChangeEmailRequest| async move {
        let to = request.new_email.clone();
        let done = client::post::<_, Success>(paths::CHANGE_EMAIL, &request).await;
        if done.is_ok() {
            sent_to.set(Some(to));
            password.set(String::new());
        }
        done
    });
    let pending = form.pending();
    let message = form.general(|f| f.message);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submit(ChangeEmailRequest {
            new_email: email.get_untracked().trim().to_owned(),
            current_password: Password::from(password.get_untracked()),
        });
    };
    view! {
        <section class="card" aria-labelledby="email-title">
            <h2 id="email-title">"Email address"</h2>
            <p class="lead">"Now "<strong>{current}</strong>". A new address counts once you open the link we mail to it."</p>
            <Alert message=message />
            {move || sent_to.get().map(|to| view! {
                <div class="alert alert-success" role="status">
                    "We sent a link to "<strong>{to}</strong>". Open it to confirm the change; until then nothing changes."
                </div>
            })}
            <form class="inline-form" on:submit=submit novalidate>
                <Field label="New email address" id="new-email" input_type="email" autocomplete="email" required=true value=email error=form.field_error("newEmail") />
                <Field label="Current password" id="email-password" input_type="password" autocomplete="current-password" value=password error=form.field_error("currentPassword") />
                <button class="button" type="submit" disabled=move || !hydrated.get() || pending.get()>
                    {move || if pending.get() { "Sending…" } else { "Change address" }}
                </button>
            </form>
        </section>
    }
}

#[component]
pub fn DeleteAccount() -> impl IntoView {
    let hydrated = use_hydrated();
    let proof = RwSignal::new(String::new());
    let form = Form::new(move |request: DeleteAccountRequest| async move {
        let done = client::delete_with::<_, Success>(paths::ACCOUNT, &request).await;
        if done.is_ok() {
            client::go_to("/");
        }
        done
    });
    let pending = form.pending();
    let message = form.general(|f| f.message);
    let error = Signal::derive(move || {
        form.field_error("currentPassword")
            .get()
            .or_else(|| form.field_error("code").get())
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !client::confirm("Delete your account for good? This cannot be undone.") {
            return;
        }
        let typed = proof.get_untracked().trim().to_owned();
        let is_code = crate::api::is_app_code(&typed);
        form.submit(DeleteAccountRequest {
            current_password: (!is_code && !typed.is_empty())
                .then(|| Password::from(typed.clone())),
            code: is_code.then_some(typed),
        });
    };
    view! {
        <section class="card danger-zone" aria-labelledby="delete-title">
            <h2 id="delete-title">"Delete account"</h2>
            <p class="lead">"Deletes your account and everything in it: sessions, API keys, sign-in methods. This cannot be undone."</p>
            <Alert message=message />
            <form class="inline-form" on:submit=submit novalidate>
                <Field label="Your password, or a two-factor code" id="delete-proof" input_type="password" autocomplete="current-password" value=proof error=error />
                <button class="button danger" type="submit" disabled=move || !hydrated.get() || pending.get()>
                    {move || if pending.get() { "Deleting…" } else { "Delete my account" }}
                </button>
            </form>
        </section>
    }
}
