//! The console end to end, one binary: the real server on a free port, a fresh SQLite file
//! or PostgreSQL database per test (one PostgreSQL cluster for the run), mail through a real
//! SMTP server, Google sign-in against a real OpenID Connect provider. One module per flow;
//! a new flow's tests go in a new module here, built on `testkit`.

mod account;
mod google;
mod keys_and_roles;
mod limits;
mod login;
mod mail;
mod migrations;
mod reset;
mod serving;
mod sessions;
mod signup;
mod takeover;
mod two_factor;
mod validation;
mod verification;
