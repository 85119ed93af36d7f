//! `easy-checkout`: the reference command-line client of the Easy Embedded Checkout SDK.
//! Results go to stdout, errors to stderr as one line (or `{"error": …}`) with the exit codes
//! of [`error`]. No output shows a secret but the `client_secret` `session create` hands over.

#![forbid(unsafe_code)]

mod args;
mod client;
mod commands;
mod error;
mod output;

use std::process::ExitCode;

use crate::args::Cli;
use crate::output::Printer;

/// Parses the command line, runs the command, prints any error, and exits with its code.
fn main() -> ExitCode {
    let cli = match Cli::try_parse_noting(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version: stdout, 0; usage errors: stderr, 2. A closed pipe: no panic.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let printer = Printer::new(cli.globals.output);
    match commands::run(cli, &printer) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            printer.error(&error);
            ExitCode::from(error.exit_code)
        }
    }
}
