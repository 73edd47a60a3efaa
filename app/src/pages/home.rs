use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Welcome" />
        <section class="card hero">
            <h1>"Your accounts, on your own server"</h1>
            <p class="lead">
                "Sign up with an email address, verify it from your inbox, sign in with a password "
                "or with Google, and script against the same API with tokens and API keys."
            </p>
            <ul class="features">
                <li>"Single-use, expiring links for verification and password resets"</li>
                <li>"Argon2id password hashing and a breached-password check"</li>
                <li>"Rate limits and account lockout built in"</li>
            </ul>
            <p class="actions">
                <a class="button" href="/signup">"Create an account"</a>
                <a class="button secondary" href="/login">"Sign in"</a>
            </p>
        </section>
    }
}
