//! `msgsg apikey …` and `msgsg user …`.

use crate::{Context, Failure, output};
use clap::Subcommand;
use console_api::paths;
use console_api::{
    AdminUser, ApiKeyInfo, CreateApiKeyRequest, CreatedApiKey, KeyId, Revoked, Role, RoleRequest,
    SessionId, SessionInfo, Success, TwoFactorStatus,
    format::{date, optional_date},
};

#[derive(Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key; it is shown once.
    Create {
        /// What the key is for, e.g. "Backup Script".
        #[arg(long)]
        name: String,
        /// Lifetime: days, weeks or years, e.g. 30d, 12w, 1y (at most 1y).
        #[arg(long, default_value = "90d", value_parser = parse_lifetime)]
        expires: u32,
    },
    /// List your keys (never the keys themselves).
    List,
    /// Revoke a key at once.
    Revoke {
        /// The key's id, from `msgsg apikey list`.
        id: KeyId,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// List accounts (admin).
    List,
    /// Disable an account and end its sessions and keys' use (admin).
    Disable {
        /// Username or email.
        name: String,
    },
    /// Enable a disabled account (admin).
    Enable {
        /// Username or email.
        name: String,
    },
    /// Give an account a role: user, admin or super_admin (super_admin).
    Role {
        /// Username or email.
        name: String,
        role: Role,
    },
}

/// `90d`, `12w`, `1y` → days.
fn parse_lifetime(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let split = text.len().saturating_sub(1);
    let (number, unit) = text.split_at(split);
    let number: u32 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a lifetime like 30d, 12w or 1y"))?;
    let days = match unit {
        "d" => number,
        "w" => number.saturating_mul(7),
        "y" => number.saturating_mul(365),
        _ => return Err(format!("{text:?} is not a lifetime like 30d, 12w or 1y")),
    };
    if days == 0 || days > 365 {
        return Err("a key lives from 1 day to 1 year".into());
    }
    Ok(days)
}

pub fn api_key(context: &Context, command: ApiKeyCommand) -> Result<(), Failure> {
    let credential = context.credential()?;
    let client = &context.client;
    match command {
        ApiKeyCommand::Create { name, expires } => {
            let mut request = CreateApiKeyRequest {
                name,
                expires_in_days: expires,
                password: None,
            };
            let created: CreatedApiKey =
                match client.post(paths::API_KEYS, Some(&credential), &request) {
                    // The session is not a recent sign-in: confirm with the password, once.
                    Err(e) if e.code == Some(console_api::ErrorCode::ReauthRequired) => {
                        request.password = Some(
                            context
                                .password("Password (to confirm it is you): ")?
                                .into(),
                        );
                        client.post(paths::API_KEYS, Some(&credential), &request)
                    }
                    other => other,
                }
                .map_err(|e| e.explain("apikey create"))?;
            context.print(&created, || {
                println!(
                    "Created API key \"{}\" (id {}), expires {}.",
                    created.name,
                    created.id,
                    date(created.expires_at)
                );
                println!("{}", created.key);
                println!("Store it now: it is not shown again. Use it with MSGSG_API_KEY.");
            });
        }
        ApiKeyCommand::List => {
            let keys: Vec<ApiKeyInfo> = client
                .get(paths::API_KEYS, Some(&credential))
                .map_err(|e| e.explain("apikey list"))?;
            context.print(&keys, || {
                let rows: Vec<Vec<String>> = keys
                    .iter()
                    .map(|k| {
                        vec![
                            k.id.to_string(),
                            k.name.clone(),
                            format!("{}…", k.prefix),
                            date(k.created_at),
                            date(k.expires_at),
                            optional_date(k.last_used_at, "never"),
                        ]
                    })
                    .collect();
                if rows.is_empty() {
                    println!("No API keys. Create one with: msgsg apikey create --name NAME");
                } else {
                    output::table(
                        &["ID", "NAME", "KEY", "CREATED", "EXPIRES", "LAST USED"],
                        &rows,
                    );
                }
            });
        }
        ApiKeyCommand::Revoke { id } => {
            let done: Success = client
                .delete(&paths::fill(paths::API_KEY, id.as_str()), Some(&credential))
                .map_err(|e| e.explain("apikey revoke"))?;
            context.print(&done, || println!("Revoked API key {id}."));
        }
    }
    Ok(())
}

pub fn user(context: &Context, command: UserCommand) -> Result<(), Failure> {
    let credential = context.credential()?;
    let client = &context.client;
    let (user, done): (AdminUser, String) = match command {
        UserCommand::List => {
            let users: Vec<AdminUser> = client
                .get(paths::ADMIN_USERS, Some(&credential))
                .map_err(|e| e.explain("user list"))?;
            context.print(&users, || {
                let rows: Vec<Vec<String>> = users
                    .iter()
                    .map(|u| {
                        vec![
                            u.username.clone(),
                            u.email.clone(),
                            u.role.to_string(),
                            status(u).into(),
                            date(u.created_at),
                        ]
                    })
                    .collect();
                output::table(&["USERNAME", "EMAIL", "ROLE", "STATUS", "CREATED"], &rows);
            });
            return Ok(());
        }
        UserCommand::Disable { name } => {
            let user = admin_post(
                context,
                &credential,
                paths::ADMIN_USER_DISABLE,
                &name,
                "disable",
                &serde_json::json!({}),
            )?;
            let text = format!(
                "Disabled {}: their sessions and API keys stop working.",
                user.username
            );
            (user, text)
        }
        UserCommand::Enable { name } => {
            let user = admin_post(
                context,
                &credential,
                paths::ADMIN_USER_ENABLE,
                &name,
                "enable",
                &serde_json::json!({}),
            )?;
            let text = format!("Enabled {}.", user.username);
            (user, text)
        }
        UserCommand::Role { name, role } => {
            let user = admin_post(
                context,
                &credential,
                paths::ADMIN_USER_ROLE,
                &name,
                "role",
                &RoleRequest { role },
            )?;
            let text = format!("{} is now {}.", user.username, user.role);
            (user, text)
        }
    };
    context.print(&user, || println!("{done}"));
    Ok(())
}

/// `template` is one of the `paths::ADMIN_USER_*`, filled with `name`.
fn admin_post(
    context: &Context,
    credential: &str,
    template: &str,
    name: &str,
    action: &str,
    body: &impl serde::Serialize,
) -> Result<AdminUser, Failure> {
    context
        .client
        .post(&paths::fill(template, name), Some(credential), body)
        .map_err(|e| e.explain(&format!("user {action}")))
}

fn status(user: &AdminUser) -> &'static str {
    if user.disabled {
        "disabled"
    } else if !user.email_verified {
        "unverified"
    } else {
        "active"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes() {
        assert_eq!(parse_lifetime("90d"), Ok(90));
        assert_eq!(parse_lifetime("2w"), Ok(14));
        assert_eq!(parse_lifetime("1y"), Ok(365));
        assert!(parse_lifetime("0d").is_err());
        assert!(parse_lifetime("2y").is_err());
        assert!(parse_lifetime("soon").is_err());
        assert!(parse_lifetime("").is_err());
    }
}

#[derive(Subcommand)]
pub enum TwoFactorCommand {
    /// Whether two-factor sign-in is on, and how many recovery codes are left.
    Status,
}

pub fn two_factor(context: &Context, command: TwoFactorCommand) -> Result<(), Failure> {
    let credential = context.credential()?;
    match command {
        TwoFactorCommand::Status => {
            let status: TwoFactorStatus = context
                .client
                .get(paths::TWO_FACTOR, Some(&credential))
                .map_err(|e| e.explain("2fa status"))?;
            context.print(&status, || {
                if status.enabled {
                    println!(
                        "Two-factor sign-in is on ({} recovery codes left).",
                        status.recovery_codes_left
                    );
                } else {
                    println!("Two-factor sign-in is off. Turn it on in the console's dashboard.");
                }
            });
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum SessionsCommand {
    /// List your signed-in sessions (the default).
    List,
    /// End one session at once.
    Revoke {
        /// The session's id, from `msgsg sessions`.
        id: SessionId,
    },
    /// End every session but this one.
    RevokeOthers,
}

pub fn sessions(context: &Context, command: Option<SessionsCommand>) -> Result<(), Failure> {
    let credential = context.credential()?;
    let client = &context.client;
    match command.unwrap_or(SessionsCommand::List) {
        SessionsCommand::List => {
            let sessions: Vec<SessionInfo> = client
                .get(paths::SESSIONS, Some(&credential))
                .map_err(|e| e.explain("sessions"))?;
            context.print(&sessions, || {
                let rows: Vec<Vec<String>> = sessions
                    .iter()
                    .map(|s| {
                        vec![
                            format!("{}{}", s.id, if s.current { " (this one)" } else { "" }),
                            s.device.clone(),
                            s.ip.clone().unwrap_or_default(),
                            date(s.created_at),
                            date(s.last_seen_at),
                        ]
                    })
                    .collect();
                output::table(&["ID", "DEVICE", "IP", "SIGNED IN", "LAST SEEN"], &rows);
            });
        }
        SessionsCommand::Revoke { id } => {
            let done: Success = client
                .delete(&paths::fill(paths::SESSION, id.as_str()), Some(&credential))
                .map_err(|e| e.explain("sessions revoke"))?;
            context.print(&done, || println!("Ended session {id}."));
        }
        SessionsCommand::RevokeOthers => {
            let done: Revoked = client
                .post(
                    paths::SESSIONS_REVOKE_OTHERS,
                    Some(&credential),
                    &serde_json::json!({}),
                )
                .map_err(|e| e.explain("sessions revoke-others"))?;
            context.print(&done, || println!("Ended {} other sessions.", done.revoked));
        }
    }
    Ok(())
}
