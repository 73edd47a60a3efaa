//! The interactive shell: `msgsg> ` with line editing and a history kept in
//! `~/.msgsg_history`. Each line is a command as it would follow `msgsg` on the command line.

use crate::{Cli, Context, run};
use clap::{CommandFactory, Parser};
use rustyline::{DefaultEditor, error::ReadlineError};
use std::process::ExitCode;

pub fn run_shell(context: &Context) -> ExitCode {
    let Ok(mut editor) = DefaultEditor::new() else {
        eprintln!("error: this terminal does not support the interactive shell; pass a command");
        return ExitCode::from(2);
    };
    let history = crate::token_file::path().with_file_name(".msgsg_history");
    let _ = editor.load_history(&history);
    loop {
        match editor.readline("msgsg> ") {
            Ok(line) => {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(line);
                match line {
                    "exit" | "quit" => break,
                    "help" => print_help(),
                    _ => {
                        let words = std::iter::once("msgsg").chain(line.split_whitespace());
                        match Cli::try_parse_from(words) {
                            Ok(Cli {
                                command: Some(command),
                                json,
                                ..
                            }) => {
                                let context = Context {
                                    client: context.client.clone(),
                                    json: json || context.json,
                                };
                                if let Err(failure) = run(&context, command) {
                                    failure.report();
                                }
                            }
                            Ok(_) => print_help(),
                            Err(e) => {
                                let _ = e.print();
                            }
                        }
                    }
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                break;
            }
        }
    }
    let _ = editor.save_history(&history);
    ExitCode::SUCCESS
}

fn print_help() {
    println!("Commands:");
    for command in Cli::command().get_subcommands() {
        let about = command
            .get_about()
            .map(|a| a.to_string())
            .unwrap_or_default();
        println!("  {:<8} {about}", command.get_name());
    }
    println!("  {:<8} Leave the shell", "exit");
}
