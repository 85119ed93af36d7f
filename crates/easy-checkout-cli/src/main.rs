//! `easy-checkout`: the reference command-line client of the Easy Embedded Checkout SDK.
//!
//! Every API operation is a subcommand (`session`, `config`, `key`), plus `webhook` for
//! deliveries, `fake-server` to run the fake API and `demo` to run the whole flow against
//! it. Results go to stdout (aligned text or `--output json`), errors to stderr as one line
//! (or `{"error": …}`), with the exit codes of [`error`]. Secrets (the API key, client
//! secrets, webhook secrets) never appear in any output, except the `client_secret` that
//! `session create` exists to hand over.

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
            // Help and version go to stdout with 0; usage errors to stderr with 2. A closed
            // pipe is not worth a panic.
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
