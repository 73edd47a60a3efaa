//! Operator commands of the server binary, run against the configured database directly
//! (also while the console is serving): `server promote <email-or-username> <role>` is how
//! the first super_admin is made.

use crate::{
    config::Config,
    db::{Db, users},
};
use console_api::{Identifier, Role};
use secrecy::ExposeSecret;

/// Runs `args` (after the program name) if they name an operator command; `None` when they
/// do not, so the server starts as usual.
pub async fn run(args: &[String], config: &Config) -> Option<Result<String, String>> {
    match args.first().map(String::as_str)? {
        "promote" => Some(promote(&args[1..], config).await),
        "help" | "--help" | "-h" => Some(Ok(usage().into())),
        other => Some(Err(format!("unknown command {other:?}\n{}", usage()))),
    }
}

fn usage() -> &'static str {
    "usage: server                                  serve the console\n       server promote <email-or-username> <role>  set an account's role (user, admin, super_admin)"
}

async fn promote(args: &[String], config: &Config) -> Result<String, String> {
    let [who, role] = args else {
        return Err(usage().into());
    };
    let role: Role = role.parse()?;
    let db = Db::connect(config.database_url.expose_secret())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let who = who.trim().to_lowercase();
    let user = users::by_login(&db.pool, &Identifier::parse(&who))
        .await
        .map_err(|e| format!("cannot read the database: {e}"))?
        .ok_or_else(|| format!("no account {who:?}"))?;
    let now = crate::clock::Clock::default().now();
    users::set_role(&db.pool, &user.id, role, now)
        .await
        .map_err(|e| format!("cannot write the database: {e}"))?;
    Ok(format!("{} ({}) is now {role}", user.username, user.email))
}
