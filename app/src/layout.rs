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
            <main id="content" class="content">{children()}</main>
            <footer class="footer">
                <span>"Self-hosted authentication for msgs.global"</span>
            </footer>
        </div>
    }
}
