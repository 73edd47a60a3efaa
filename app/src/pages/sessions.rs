//! The dashboard's "Sessions" section: where the account is signed in, each ended with one
//! button, or all but this one at once.

use crate::api::paths;
use crate::{
    api::{Revoked, SessionId, SessionInfo, Success},
    client::{self, Failure},
    components::{Alert, use_hydrated},
    format::date,
};
use leptos::prelude::*;

#[component]
pub fn Sessions() -> impl IntoView {
    let hydrated = use_hydrated();
    let sessions = RwSignal::new(None::<Vec<SessionInfo>>);
    let failure = RwSignal::new(None::<Failure>);
    let done = RwSignal::new(None::<String>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match client::get::<Vec<SessionInfo>>(paths::SESSIONS).await {
                Ok(list) => sessions.set(Some(list)),
                Err(f) => failure.set(Some(f)),
            }
        });
    };
    Effect::new(move |_| {
        if hydrated.get() {
            reload();
        }
    });
    let revoke = move |id: SessionId, device: String| {
        failure.set(None);
        leptos::task::spawn_local(async move {
            match client::delete::<Success>(&paths::fill(paths::SESSION, id.as_str())).await {
                Ok(_) => {
                    done.set(Some(format!("Ended the session on {device}.")));
                    reload();
                }
                Err(f) => failure.set(Some(f)),
            }
        });
    };
    let revoke_others = move |_| {
        failure.set(None);
        leptos::task::spawn_local(async move {
            match client::post::<_, Revoked>(paths::SESSIONS_REVOKE_OTHERS, &serde_json::json!({}))
                .await
            {
                Ok(r) => {
                    done.set(Some(format!("Ended {} other sessions.", r.revoked)));
                    reload();
                }
                Err(f) => failure.set(Some(f)),
            }
        });
    };
    let message = Signal::derive(move || failure.get().map(|f| f.message));
    view! {
        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Sessions"</h2>
            <p class="lead">"Where your account is signed in. End any you do not recognise."</p>
            <Alert message=message />
            {move || done.get().map(|text| view! { <div class="alert alert-success" role="status">{text}</div> })}
            {move || match sessions.get() {
                None => view! { <p class="status">"Loading your sessions…"</p> }.into_any(),
                Some(list) => {
                    let others = list.iter().filter(|s| !s.current).count();
                    view! {
                        <table class="keys">
                            <thead><tr><th scope="col">"Device"</th><th scope="col">"IP address"</th><th scope="col">"Signed in"</th><th scope="col">"Last seen"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|s| {
                                    let (id, device) = (s.id.clone(), s.device.clone());
                                    let label = format!("End the session on {}, last seen {}", s.device, date(s.last_seen_at));
                                    view! {
                                        <tr>
                                            <td>{s.device.clone()}</td>
                                            <td>{s.ip.clone().unwrap_or_default()}</td>
                                            <td>{date(s.created_at)}</td>
                                            <td>{date(s.last_seen_at)}</td>
                                            <td>{if s.current {
                                                view! { <span class="status">"This session"</span> }.into_any()
                                            } else {
                                                view! { <button class="button secondary" type="button" aria-label=label on:click=move |_| revoke(id.clone(), device.clone())>"End"</button> }.into_any()
                                            }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        {(others > 0).then(|| view! {
                            <p class="actions"><button class="button secondary" type="button" on:click=revoke_others>"End every other session"</button></p>
                        })}
                    }.into_any()
                }
            }}
        </section>
    }
}
