//! The subcommands. API commands share [`ApiCall`], which builds the configuration from
//! the global flags and runs over whichever transport was chosen; `webhook`, `fake-server`
//! and `demo` need no API key and ignore `--api-key` / `--base-url`.

mod config;
mod demo;
mod fake_server;
mod key;
mod session;
mod webhook;

use easy_checkout_core::{Client, Config, Transport};
use serde::Serialize;
use serde_json::Value;

use crate::args::{Cli, Command, ConfigCommand, KeyCommand, SessionCommand};
use crate::client::{ClientOptions, WithClient, with_client};
use crate::error::CliError;
use crate::output::{Printer, redact_secrets};

/// Runs the parsed command line, printing its result; the error is printed by the caller.
pub fn run(cli: Cli, printer: &Printer) -> Result<(), CliError> {
    let options = ClientOptions::from_cli(&cli);
    let command = match cli.command {
        Command::Webhook(command) => return webhook::run(&command, printer),
        Command::FakeServer(args) => return fake_server::run(&args, printer),
        Command::Demo => return demo::run(&options, printer),
        Command::Session(command) => ApiCommand::Session(command),
        Command::Config(command) => ApiCommand::Config(command),
        Command::Key(command) => ApiCommand::Key(command),
    };
    // `validate` and `confirm` work without a key: the configuration may hold none, and
    // the core never attaches one to them. Key-authenticated calls without a key fail in
    // the core before anything is sent (exit 2).
    let config = Config::from_values(cli.api_key.as_deref(), cli.base_url.as_deref())
        .map_err(CliError::from)?;
    with_client(&options, config, ApiCall { command, printer })?
}

/// A command that talks to the API.
#[derive(Debug)]
enum ApiCommand {
    /// `session …`
    Session(SessionCommand),
    /// `config …`
    Config(ConfigCommand),
    /// `key …`
    Key(KeyCommand),
}

/// An API command with where to print its result.
#[derive(Debug)]
struct ApiCall<'a> {
    /// What to run.
    command: ApiCommand,
    /// Where its result goes.
    printer: &'a Printer,
}

impl WithClient for ApiCall<'_> {
    type Output = Result<(), CliError>;

    fn call<T: Transport>(self, client: &Client<T>) -> Self::Output {
        match self.command {
            ApiCommand::Session(command) => session::run(client, command, self.printer),
            ApiCommand::Config(command) => config::run(client, command, self.printer),
            ApiCommand::Key(command) => key::run(client, &command, self.printer),
        }
    }
}

/// A result as JSON (models serialize their unknown fields flattened).
fn to_value<T: Serialize>(value: &T) -> Result<Value, CliError> {
    serde_json::to_value(value).map_err(|_| CliError::render())
}

/// A result as JSON with every `client_secret` redacted.
fn redacted<T: Serialize>(value: &T) -> Result<Value, CliError> {
    let mut value = to_value(value)?;
    redact_secrets(&mut value);
    Ok(value)
}
