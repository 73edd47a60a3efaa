//! The frame every page shares: header, content, footer.

use leptos::prelude::*;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <div class="frame">
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"m"</span>
                    <span>"msgsg console"</span>
                </a>
            </header>
            <main id="content" class="content">
                <ErrorBoundary fallback=|_| view! {
                    <section class="card">
                        <h1>"Something went wrong"</h1>
                        <p class="lead">"The page could not be shown. Try again in a moment, or start again from the home page."</p>
                        <p><a class="button" href="/">"Go to the home page"</a></p>
                    </section>
                }>{children()}</ErrorBoundary>
            </main>
            <footer class="footer">
                <span>"Self-hosted authentication for msgs.global"</span>
            </footer>
        </div>
    }
}
