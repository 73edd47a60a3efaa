//! The account mails, each with a plain-text and an HTML part built from one layout.
//! Every link comes from `PUBLIC_URL` (see `Config::link`), never from a request.

use askama::Template;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mail {
    pub kind: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One call to action: a button in HTML, the bare link in text.
struct Action<'a> {
    label: &'a str,
    url: &'a str,
}

/// The one layout, in both parts. The HTML part is escaped by askama (the `.html`
/// extension selects its HTML escaper); the text part is plain.
#[derive(Template)]
#[template(path = "mail.html")]
struct HtmlPart<'a> {
    subject: &'a str,
    paragraphs: &'a [&'a str],
    action: &'a Option<Action<'a>>,
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "mail.txt")]
struct TextPart<'a> {
    paragraphs: &'a [&'a str],
    action: &'a Option<Action<'a>>,
    footer: &'a str,
}

fn render(
    kind: &str,
    subject: &str,
    paragraphs: &[&str],
    action: Option<Action<'_>>,
    footer: &str,
) -> Mail {
    let html = HtmlPart {
        subject,
        paragraphs,
        action: &action,
        footer,
    };
    let text = TextPart {
        paragraphs,
        action: &action,
        footer,
    };
    Mail {
        kind: kind.into(),
        subject: subject.into(),
        // Rendering writes into a String from borrowed strs: it has no way to fail.
        text: text.render().expect("the text template renders") + "\n",
        html: html.render().expect("the HTML template renders"),
    }
}

const IGNORE: &str = "If you did not ask for this, you can ignore this email.";

pub fn verify_email(link: &str, hours: u64) -> Mail {
    let expiry = format!("The link works once and expires in {hours} hours.");
    render(
        "verify_email",
        "Verify your email address",
        &[
            "Welcome! Confirm that this address is yours to finish creating your account.",
            &expiry,
        ],
        Some(Action {
            label: "Verify email address",
            url: link,
        }),
        IGNORE,
    )
}

/// A signup for an address whose account was never verified: the earlier links stopped.
pub fn verify_email_again(link: &str, hours: u64) -> Mail {
    let expiry = format!("The link works once and expires in {hours} hours.");
    render(
        "verify_email",
        "Verify your email address",
        &[
            "Someone signed up with this address again before it was verified. Since we cannot tell which signup was yours, no password chosen at signup is kept: once you verify, we mail you a link to choose yours.",
            &expiry,
        ],
        Some(Action {
            label: "Verify email address",
            url: link,
        }),
        "If you did not sign up, ignore this email: nobody can use the account until the address is verified.",
    )
}

/// After a verification that kept no password: the owner chooses one.
pub fn choose_password(link: &str, minutes: u64) -> Mail {
    let expiry = format!("The link works once and expires in {minutes} minutes.");
    render(
        "choose_password",
        "Choose your password",
        &[
            "Your email address is verified. More than one signup used it before that, so no password chosen at signup was kept: choose yours now.",
            &expiry,
        ],
        Some(Action {
            label: "Choose a password",
            url: link,
        }),
        "You can also ask for a new link on the sign-in page with \"Forgot your password?\".",
    )
}

/// To the owner of an address someone tried to sign up with again.
pub fn already_registered(login_link: &str, reset_link: &str) -> Mail {
    let reset = format!("Forgot your password? Reset it here: {reset_link}");
    render(
        "already_registered",
        "You already have an account",
        &[
            "Someone (probably you) tried to create an account with this email address, \
             but it already has one.",
            &reset,
        ],
        Some(Action {
            label: "Sign in",
            url: login_link,
        }),
        IGNORE,
    )
}

pub fn reset_password(link: &str, minutes: u64) -> Mail {
    let expiry = format!("The link works once and expires in {minutes} minutes.");
    render(
        "reset_password",
        "Reset your password",
        &[
            "We received a request to reset the password of your account.",
            &expiry,
        ],
        Some(Action {
            label: "Choose a new password",
            url: link,
        }),
        "If you did not ask for this, ignore this email: your password stays as it is.",
    )
}

/// What an account recovery stopped, for the notice that follows it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stopped {
    pub sessions: u64,
    pub api_keys: u64,
}

pub fn password_changed(forgot_link: &str, stopped: Stopped) -> Mail {
    let help = format!(
        "If this was not you, reset your password now at {forgot_link} and check your account."
    );
    let what = format!(
        "To keep your account yours, everything that could still get in was stopped: {} signed out, {} revoked, and every pending link of the account and every browser trusted before no longer works.",
        count(stopped.sessions, "session", "sessions"),
        count(stopped.api_keys, "API key", "API keys"),
    );
    render(
        "password_changed",
        "Your password was changed",
        &[
            "The password of your account was just changed.",
            &what,
            &help,
        ],
        None,
        "This notice is sent for every password change.",
    )
}

fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub fn sign_in_attempts(minutes: u64, forgot_link: &str) -> Mail {
    let what = format!(
        "Someone tried many wrong passwords for your account, so for the next {minutes} minutes it can only be signed in to from a browser or client you have signed in from before."
    );
    let help = format!(
        "If it was you, wait or sign in from your usual browser. If it was not, nothing was let in; to be safe, choose a new password at {forgot_link}."
    );
    render(
        "sign_in_attempts",
        "Failed sign-in attempts on your account",
        &[&what, &help],
        None,
        "This notice is sent at most once each time the account is locked.",
    )
}

pub fn google_linked(forgot_link: &str) -> Mail {
    let help = format!(
        "If this was not you, reset your password at {forgot_link} and tell your administrator."
    );
    render(
        "google_linked",
        "Google sign-in was added to your account",
        &[
            "Someone signed in to your account with Google for the first time: from now on, that Google account can sign in too.",
            &help,
        ],
        None,
        "This notice is sent whenever a new way to sign in is added.",
    )
}

pub fn two_factor_enabled(forgot_link: &str) -> Mail {
    let help = format!(
        "If this was not you, someone has your password: reset it now at {forgot_link}, then turn two-factor sign-in off and on again with your own app."
    );
    render(
        "two_factor_enabled",
        "Two-factor sign-in was turned on",
        &[
            "Signing in to your account now needs a code from an authenticator app after the password. Every other session was signed out.",
            &help,
        ],
        None,
        "This notice is sent whenever two-factor sign-in is turned on or off.",
    )
}

pub fn two_factor_disabled(forgot_link: &str) -> Mail {
    let help = format!(
        "If this was not you, reset your password now at {forgot_link} and turn two-factor sign-in on again."
    );
    render(
        "two_factor_disabled",
        "Two-factor sign-in was turned off",
        &[
            "Signing in to your account needs only the password again. Every other session was signed out.",
            &help,
        ],
        None,
        "This notice is sent whenever two-factor sign-in is turned on or off.",
    )
}

pub fn recovery_codes_replaced(forgot_link: &str) -> Mail {
    let help = format!(
        "If this was not you, someone has your password and a session: reset your password now at {forgot_link}."
    );
    render(
        "recovery_codes_replaced",
        "New recovery codes were made",
        &[
            "New two-factor recovery codes were made for your account; the earlier ones no longer work.",
            &help,
        ],
        None,
        "This notice is sent whenever recovery codes are replaced.",
    )
}

/// The second factor locked after wrong codes: whoever typed them had the password.
pub fn two_factor_attempts(minutes: u64, forgot_link: &str) -> Mail {
    let what = format!(
        "Someone signed in to your account with the right password, then typed many wrong two-factor codes. Two-factor sign-in is paused for {minutes} minutes."
    );
    let help = format!("Your password is known to someone else: change it now at {forgot_link}.");
    render(
        "two_factor_attempts",
        "Wrong two-factor codes on your account",
        &[&what, &help],
        None,
        "This notice is sent at most once each time two-factor sign-in is paused.",
    )
}

/// After the owner changed the password from a signed-in session.
pub fn password_changed_by_owner(forgot_link: &str, sessions_ended: u64) -> Mail {
    let what = format!(
        "The password of your account was just changed from a signed-in session; {} signed out.",
        count(sessions_ended, "other session was", "other sessions were"),
    );
    let help = format!("If this was not you, reset your password now at {forgot_link}.");
    render(
        "password_changed",
        "Your password was changed",
        &[&what, &help],
        None,
        "This notice is sent for every password change.",
    )
}

/// To the new address of an address change: the link that makes it happen.
pub fn confirm_new_email(link: &str, hours: u64) -> Mail {
    let expiry = format!("The link works once and expires in {hours} hours.");
    render(
        "confirm_new_email",
        "Confirm your new email address",
        &[
            "Someone asked to use this address for their account. Nothing changes until this link is opened and confirmed.",
            &expiry,
        ],
        Some(Action {
            label: "Confirm the new address",
            url: link,
        }),
        IGNORE,
    )
}

/// To a new address that already has an account: no link, and nothing changes.
pub fn email_change_taken(login_link: &str) -> Mail {
    let help = format!("If it was you, sign in to that account instead: {login_link}");
    render(
        "email_change_taken",
        "This address already has an account",
        &[
            "Someone asked to move another account to this address, but this address already belongs to an account, so nothing was changed.",
            &help,
        ],
        None,
        IGNORE,
    )
}

/// To the current address, as soon as a change is asked for.
pub fn email_change_requested(new_email: &str, forgot_link: &str) -> Mail {
    let what = format!(
        "Someone signed in to your account asked to change its address to {new_email}. Nothing changes unless the link mailed there is confirmed."
    );
    let help = format!(
        "If this was not you, reset your password now at {forgot_link}: that also stops the change."
    );
    render(
        "email_change_requested",
        "A change of your email address was asked for",
        &[&what, &help],
        None,
        "This notice is sent for every change of address.",
    )
}

/// To the old address, once the change is made.
pub fn email_changed(new_email: &str, forgot_link: &str) -> Mail {
    let what =
        format!("The address of your account is now {new_email}; this one no longer signs in.");
    let help = format!(
        "If this was not you, tell your administrator at once; {forgot_link} now mails the new address."
    );
    render(
        "email_changed",
        "Your email address was changed",
        &[&what, &help],
        None,
        "This notice is sent for every change of address.",
    )
}

pub fn account_deleted() -> Mail {
    render(
        "account_deleted",
        "Your account was deleted",
        &[
            "Your account and everything in it were deleted: its sessions, API keys and sign-in methods no longer work.",
            "If this was not you, sign up again with this address and tell your administrator.",
        ],
        None,
        "This is the last mail you get from us about this account.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_appear_in_both_parts_and_html_is_escaped() {
        let mail = verify_email("https://auth.example.com/verify-email?token=a&b=<x>", 24);
        assert!(
            mail.text
                .contains("https://auth.example.com/verify-email?token=a&b=<x>")
        );
        // askama writes numeric references: &#38; is &amp;, &#60; is &lt;.
        assert!(
            mail.html.contains("token=a&#38;b=&#60;x&#62;"),
            "{}",
            mail.html
        );
        assert!(!mail.html.contains("<x>"));
        assert!(mail.text.contains("24 hours"));
        assert!(mail.text.ends_with("ignore this email.\n"), "{}", mail.text);
        let body = verify_email("https://auth.example.com/v", 24).html;
        assert!(
            body.contains("<a href=\"https://auth.example.com/v\""),
            "{body}"
        );
    }
}
