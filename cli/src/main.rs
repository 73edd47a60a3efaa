//! `msgsg`: sign in to the console's API from a terminal and script against it.
//!
//! Exit codes: 0 success, 1 error (network, server), 2 usage, 3 not signed in, refused
//! credentials or a missing role.

mod api;
mod commands;
mod output;
mod shell;
mod token_file;

use clap::{Parser, Subcommand};
use console_api::paths;
use console_api::{
    ErrorCode, LoginOutcome, LoginRequest, Success, TwoFactorVerifyRequest, UserInfo,
};
use std::{
    io::{self, BufRead, Write},
    process::ExitCode,
};

#[derive(Parser)]
#[command(
    name = "msgsg",
    version,
    about = "Command-line client of the msgsg console; without a command, an interactive shell"
)]
struct Cli {
    /// The console's address.
    #[arg(
        long,
        env = "MSGSG_API_URL",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    api_url: String,
    /// Print JSON for scripts instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in and keep the session token in ~/.msgsg_token (mode 0600).
    Login {
        /// Username or email; asked for when missing.
        username: Option<String>,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
        /// The two-factor code (or a recovery code), for scripts; asked for when needed.
        #[arg(long)]
        code: Option<String>,
    },
    /// Show the signed-in user.
    Whoami,
    /// End the session on the server and remove ~/.msgsg_token.
    Logout,
    /// API keys for scripts: create, list, revoke. Use one through MSGSG_API_KEY.
    Apikey {
        #[command(subcommand)]
        command: commands::ApiKeyCommand,
    },
    /// Your signed-in sessions: list them, end one, or end every other one.
    Sessions {
        #[command(subcommand)]
        command: Option<commands::SessionsCommand>,
    },
    /// Two-factor sign-in of your account.
    #[command(name = "2fa")]
    TwoFactor {
        #[command(subcommand)]
        command: commands::TwoFactorCommand,
    },
    /// Accounts (admin role): list, disable, enable, role (super_admin).
    User {
        #[command(subcommand)]
        command: commands::UserCommand,
    },
}

/// A failure to report: the message and the exit code.
pub struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code,
        }
    }

    fn report(&self) {
        eprintln!("error: {}", self.message);
    }
}

const UNAUTHORIZED: u8 = 3;

/// What every command needs: the API, and whether to print JSON.
pub struct Context {
    pub client: api::Client,
    pub json: bool,
}

impl Context {
    /// Asks for the password without echo (on the terminal, not standard input).
    pub fn password(&self, label: &str) -> Result<String, Failure> {
        rpassword::prompt_password(label)
            .map_err(|e| Failure::new(1, format!("cannot read the password: {e}")))
    }

    /// The credential for API calls: `MSGSG_API_KEY` when set, else the saved session.
    pub fn credential(&self) -> Result<String, Failure> {
        if let Some(key) = std::env::var("MSGSG_API_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
        {
            return Ok(key.trim().to_owned());
        }
        token_file::load().ok_or_else(|| {
            Failure::new(
                UNAUTHORIZED,
                "unauthorized — run msgsg login (or set MSGSG_API_KEY)",
            )
        })
    }

    /// Prints `value` as JSON with `--json`, else `text`.
    pub fn print(&self, value: &impl serde::Serialize, text: impl FnOnce()) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).expect("values serialize")
            );
        } else {
            text();
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let context = Context {
        client: api::Client::new(&cli.api_url),
        json: cli.json,
    };
    match cli.command {
        Some(command) => match run(&context, command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                failure.report();
                ExitCode::from(failure.code)
            }
        },
        None => shell::run_shell(&context),
    }
}

fn run(context: &Context, command: Command) -> Result<(), Failure> {
    match command {
        Command::Login {
            username,
            password_stdin,
            code,
        } => login(context, username, password_stdin, code),
        Command::Whoami => whoami(context),
        Command::Logout => logout(context),
        Command::Apikey { command } => commands::api_key(context, command),
        Command::User { command } => commands::user(context, command),
        Command::TwoFactor { command } => commands::two_factor(context, command),
        Command::Sessions { command } => commands::sessions(context, command),
    }
}

fn login(
    context: &Context,
    username: Option<String>,
    password_stdin: bool,
    code: Option<String>,
) -> Result<(), Failure> {
    let username = match username {
        Some(name) => name,
        None => prompt("Username: ")?,
    };
    let password = if password_stdin {
        read_line()?
    } else {
        rpassword::prompt_password("Password: ")
            .map_err(|e| Failure::new(1, format!("cannot read the password: {e}")))?
    };
    let request = LoginRequest::from_identifier(&username, password);
    let known_device = token_file::load_device();
    let (outcome, device) = context
        .client
        .login(&request, known_device.as_deref())
        .map_err(|e| e.explain("login"))?;
    let (outcome, device) = match outcome {
        LoginOutcome::Session(_) => (outcome, device),
        LoginOutcome::TwoFactor(challenge) => {
            let code = match code {
                Some(code) => code,
                None => prompt("2FA code: ")?,
            };
            let request = two_factor_answer(challenge.challenge, code);
            context
                .client
                .verify_two_factor(&request, known_device.as_deref())
                .map_err(|e| e.explain("login"))?
        }
    };
    let LoginOutcome::Session(response) = outcome else {
        return Err(Failure::new(
            1,
            "the server asked for a second factor twice",
        ));
    };
    token_file::save(&response.token)
        .map_err(|e| Failure::new(1, format!("cannot save the token: {e}")))?;
    if let Some(device) = device {
        // Best effort: without it this machine is simply a stranger at the next lockout.
        let _ = token_file::save_device(&device);
    }
    let shown = serde_json::json!({
        "authenticated": true,
        "username": response.user.username,
        "expiresAt": response.expires_at,
    });
    context.print(&shown, || {
        println!("Authenticated as {}", response.user.username)
    });
    Ok(())
}

/// A typed code: six digits are an app's code, anything else a recovery code.
fn two_factor_answer(challenge: String, code: String) -> TwoFactorVerifyRequest {
    let code = code.trim().to_owned();
    let digits = console_api::is_app_code(&code);
    TwoFactorVerifyRequest {
        challenge,
        code: digits.then(|| code.clone()),
        recovery_code: (!digits).then_some(code),
    }
}

fn whoami(context: &Context) -> Result<(), Failure> {
    let credential = context.credential()?;
    let user: UserInfo = context
        .client
        .get(paths::ME, Some(&credential))
        .map_err(|e| e.explain("whoami"))?;
    let shown = serde_json::json!({
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "authenticated": user.authenticated,
    });
    println!("{}", serde_json::to_string_pretty(&shown).expect("JSON"));
    Ok(())
}

fn logout(context: &Context) -> Result<(), Failure> {
    if let Some(token) = token_file::load() {
        // An expired session is already over on the server: only the file remains.
        let body = serde_json::json!({});
        match context
            .client
            .post::<_, Success>(paths::LOGOUT, Some(&token), &body)
        {
            Ok(_) => {}
            Err(e) if e.code == Some(ErrorCode::Unauthorized) => {}
            Err(e) => return Err(e.explain("logout")),
        }
    }
    token_file::remove().map_err(|e| Failure::new(1, format!("cannot remove the token: {e}")))?;
    context.print(&Success { success: true }, || println!("Session cleared."));
    Ok(())
}

fn prompt(label: &str) -> Result<String, Failure> {
    print!("{label}");
    let _ = io::stdout().flush();
    read_line()
}

fn read_line() -> Result<String, Failure> {
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::new(1, format!("cannot read standard input: {e}")))?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        return Err(Failure::new(2, "nothing was entered"));
    }
    Ok(line)
}
