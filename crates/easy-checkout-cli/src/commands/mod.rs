//! The subcommands. API commands share [`ApiCall`], which builds the configuration from
//! the global flags and runs over whichever transport was chosen; `webhook`, `fake-server`
//! and `demo` need no API key and ignore `--api-key` / `--base-url`.

mod config;
mod demo;
mod fake_server;
mod key;
mod session;
mod webhook;

use easy_checkout_core::redact::redact;
use easy_checkout_core::{Client, Config, Transport};
use serde::Serialize;
use serde_json::Value;

use crate::args::{Cli, Command, ConfigCommand, KeyCommand, SessionCommand};
use crate::client::{ClientOptions, WithClient, with_client};
use crate::error::CliError;
use crate::output::Printer;

/// Runs the parsed command line, printing its result; the error is printed by the caller.
pub fn run(cli: Cli, printer: &Printer) -> Result<(), CliError> {
    let options = ClientOptions::from_cli(&cli);
    let command = match cli.command {
        Command::Webhook(command) => return webhook::run(&command, &options, printer),
        Command::FakeServer(args) => return fake_server::run(&args, printer),
        Command::Demo(args) => return demo::run(&options, args.vocabulary.into(), printer),
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

/// A result as JSON with every secret (a client secret, an API key, under any spelling, at
/// any depth) redacted: the core's one redaction, the same the models' `Debug` and the
/// snapshots use.
fn redacted<T: Serialize>(value: &T) -> Result<Value, CliError> {
    let mut value = to_value(value)?;
    redact(&mut value);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::redacted;

    #[test]
    fn results_show_no_secret_at_any_depth_under_any_spelling() {
        let spellings = [
            "client_secret",
            "CLIENT_SECRET",
            "Client_Secret",
            "clientSecret",
            "ClientSecret",
            "client-secret",
            "Client-Secret",
            "clientsecret",
        ];
        for key in spellings {
            let result = json!({key: "s1", "session": {key: "s2"}, "list": [{key: "s3"}],
                "none": {key: null}});
            let hidden = "[REDACTED]";
            let shown = json!({key: hidden, "session": {key: hidden}, "list": [{key: hidden}],
                "none": {key: null}});
            assert_eq!(redacted(&result).unwrap(), shown, "{key}");
        }
        for key in ["client", "secret", "client_secret_id", "xclient_secret", ""] {
            let kept = json!({ key: "s1" });
            assert_eq!(redacted(&kept).unwrap(), kept, "{key}");
        }
    }
}
