//! `msgsg`: sign in to the console's API from a terminal and script against it.
//!
//! Exit codes: 0 success, 1 error (network, server), 2 usage, 3 not signed in or refused
//! credentials.

mod api;
mod shell;
mod token_file;

use app::api::{ErrorCode, LoginRequest, LoginResponse, Success, UserInfo};
use clap::{Parser, Subcommand};
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
    },
    /// Show the signed-in user.
    Whoami,
    /// End the session on the server and remove ~/.msgsg_token.
    Logout,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let client = api::Client::new(&cli.api_url);
    match cli.command {
        Some(command) => match run(&client, command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                failure.report();
                ExitCode::from(failure.code)
            }
        },
        None => shell::run_shell(&client),
    }
}

fn run(client: &api::Client, command: Command) -> Result<(), Failure> {
    match command {
        Command::Login {
            username,
            password_stdin,
        } => login(client, username, password_stdin),
        Command::Whoami => whoami(client),
        Command::Logout => logout(client),
    }
}

fn login(
    client: &api::Client,
    username: Option<String>,
    password_stdin: bool,
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
    let request = if username.contains('@') {
        LoginRequest {
            email: Some(username),
            username: None,
            password,
        }
    } else {
        LoginRequest {
            email: None,
            username: Some(username),
            password,
        }
    };
    let response: LoginResponse = client
        .post("/api/auth/login", None, &request)
        .map_err(|e| e.explain("login"))?;
    token_file::save(&response.token)
        .map_err(|e| Failure::new(1, format!("cannot save the token: {e}")))?;
    println!("Authenticated as {}", response.user.username);
    Ok(())
}

fn whoami(client: &api::Client) -> Result<(), Failure> {
    let token = token_file::load()
        .ok_or_else(|| Failure::new(UNAUTHORIZED, "unauthorized — run msgsg login"))?;
    let user: UserInfo = client
        .get("/api/auth/me", Some(&token))
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

fn logout(client: &api::Client) -> Result<(), Failure> {
    if let Some(token) = token_file::load() {
        // An expired session is already over on the server: only the file remains.
        match client.post::<_, Success>("/api/auth/logout", Some(&token), &serde_json::json!({})) {
            Ok(_) => {}
            Err(e) if e.code == Some(ErrorCode::Unauthorized) => {}
            Err(e) => return Err(e.explain("logout")),
        }
    }
    token_file::remove().map_err(|e| Failure::new(1, format!("cannot remove the token: {e}")))?;
    println!("Session cleared.");
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
