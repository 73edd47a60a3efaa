//! One way to write a form: its call runs in a Leptos `Action`, and the form shows what the
//! call is doing — pending while it runs, then either its result or its failure, with the
//! first field in error (or the alert) focused.

use crate::{client::Failure, components::focus_first_error};
use leptos::prelude::*;
use std::future::Future;

/// A form's submission. `I` is what the form sends, `O` what a success answers.
pub struct Form<I: 'static, O: 'static> {
    action: Action<I, Result<O, Failure>>,
}

impl<I: 'static, O: 'static> Clone for Form<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: 'static, O: 'static> Copy for Form<I, O> {}

impl<I, O> Form<I, O>
where
    I: Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    /// `call` sends the request (in the browser; pages are never submitted on the server).
    pub fn new<F, Fu>(call: F) -> Self
    where
        F: Fn(I) -> Fu + 'static,
        Fu: Future<Output = Result<O, Failure>> + 'static,
    {
        let action = Action::new_local(move |input: &I| call(input.clone()));
        Effect::new(move |_| {
            if let Some(Err(_)) = action.value().get() {
                request_animation_frame(focus_first_error);
            }
        });
        Form { action }
    }

    pub fn submit(&self, input: I) {
        self.action.dispatch(input);
    }

    pub fn pending(&self) -> Signal<bool> {
        let pending = self.action.pending();
        Signal::derive(move || pending.get())
    }

    /// The answer of the last call, when it succeeded.
    pub fn done(&self) -> Signal<Option<O>> {
        let value = self.action.value();
        Signal::derive(move || value.get().and_then(Result::ok))
    }

    /// The failure of the last call; none while a new call runs.
    pub fn failure(&self) -> Signal<Option<Failure>> {
        let (value, pending) = (self.action.value(), self.action.pending());
        Signal::derive(move || {
            if pending.get() {
                return None;
            }
            value.get().and_then(Result::err)
        })
    }

    /// What is wrong with one field, as the server said.
    pub fn field_error(&self, name: &'static str) -> Signal<Option<String>> {
        let failure = self.failure();
        Signal::derive(move || failure.get().and_then(|f| f.field(name)))
    }

    /// A failure that names no field, in words for the page's alert: `describe` phrases the
    /// failures this form knows better than the server's message.
    pub fn general(&self, describe: fn(Failure) -> String) -> Signal<Option<String>> {
        let failure = self.failure();
        Signal::derive(move || failure.get().filter(|f| f.fields.is_empty()).map(describe))
    }
}

/// The server's own message.
pub fn as_said(failure: Failure) -> String {
    failure.message
}
