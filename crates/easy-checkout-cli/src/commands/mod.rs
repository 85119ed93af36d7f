//! The subcommands. Only the API commands (`session`, `config`, `key`) read `--api-key` and
//! `--base-url`.

mod demo;
mod fake_server;
mod session;
mod webhook;

use easy_checkout_core::Config;
use easy_checkout_core::ops::UpdateConfig;
use easy_checkout_core::redact::redact;
use serde::Serialize;
use serde_json::Value;

use crate::args::{
    Cli, Command, ConfigCommand, Globals, KeyCommand, SessionCommand, WebhookCommand,
};
use crate::client::CliClient;
use crate::error::CliError;
use crate::output::Printer;

/// Runs the parsed command line, printing its result (the caller prints the error). A result
/// that could not be written to stdout is an error (exit 5) saying what the command did.
pub fn run(cli: Cli, printer: &Printer) -> Result<(), CliError> {
    let (done, idempotency_key) = what_is_done(&cli.command);
    let globals = &cli.globals;
    match cli.command {
        Command::Session(command) => {
            routed(globals, &command)?;
            session::run(&api_client(globals)?, command, printer)
        }
        Command::Config(command) => {
            let client = api_client(globals)?;
            let checkout = client.embedded_checkout();
            let config = match command {
                ConfigCommand::Get => checkout.get_config()?,
                ConfigCommand::Set {
                    allowed_origins,
                    idempotency_key,
                } => {
                    let mut op = UpdateConfig::new(allowed_origins);
                    if let Some(key) = &idempotency_key {
                        op = op.with_idempotency_key(key.as_str())?;
                    }
                    checkout.update_config(&op)?
                }
            };
            show(printer, &config)
        }
        // The key itself is never printed; the public key the API returns for it is.
        Command::Key(KeyCommand::Check) => show(printer, &api_client(globals)?.validate_key()?),
        Command::Webhook(WebhookCommand::Verify(args)) => webhook::verify(&args, printer),
        Command::Webhook(WebhookCommand::Send(args)) => webhook::send(&args, globals, printer),
        Command::FakeServer(args) => fake_server::run(&args, globals, printer),
        Command::Demo { vocabulary } => demo::run(globals, vocabulary.into(), printer),
    }?;
    match printer.lost() {
        Some(lost) => Err(CliError::output_lost(&lost, done, idempotency_key)),
        None => Ok(()),
    }
}

/// What `command` has done once it succeeded, and its idempotency key: for the exit 5 error.
fn what_is_done(command: &Command) -> (&'static str, Option<String>) {
    let key = match command {
        Command::Session(SessionCommand::Create(args)) => &args.idempotency_key,
        Command::Session(SessionCommand::Confirm(args)) => &args.idempotency_key,
        Command::Config(ConfigCommand::Set {
            idempotency_key, ..
        }) => idempotency_key,
        _ => &None,
    };
    let done = match command {
        Command::Session(SessionCommand::Create(_)) => "the call was made: a session was created",
        Command::Session(SessionCommand::Confirm(_)) => {
            "the call was made: the payment was confirmed"
        }
        Command::Config(ConfigCommand::Set { .. }) => {
            "the call was made: the allowed origins were replaced"
        }
        Command::Webhook(WebhookCommand::Send(_)) => "the call was made: the event was sent",
        Command::Webhook(WebhookCommand::Verify(_)) => "the signature was verified",
        Command::Demo { .. } => "the demo ran to the end",
        Command::FakeServer(_) => "the fake server started, and stops: nobody can read its URL",
        Command::Session(_) | Command::Config(_) | Command::Key(_) => {
            "the call was made and succeeded"
        }
    };
    (done, key.clone())
}

/// The client of the API commands. It may hold no key: `validate` and `confirm` send none,
/// and other calls without one fail in the core, nothing sent (exit 2).
fn api_client(globals: &Globals) -> Result<CliClient, CliError> {
    let config = Config::from_values(globals.api_key.as_deref(), globals.base_url.as_deref())?;
    globals.client(config)
}

/// Refuses `session validate` and `session confirm` (which send no API key) when neither an
/// API key nor a base URL says where to send them: the core would send them to production, a
/// live payment attempt for a sandbox user who has not exported a key.
fn routed(globals: &Globals, command: &SessionCommand) -> Result<(), CliError> {
    let name = match command {
        SessionCommand::Validate { .. } => "session validate",
        SessionCommand::Confirm(_) => "session confirm",
        _ => return Ok(()),
    };
    let given = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.is_empty());
    if given(&globals.api_key) || given(&globals.base_url) {
        return Ok(());
    }
    Err(CliError::invalid_input(format!(
        "{name} needs to know whether to go to the sandbox or to production: set EASY_API_KEY \
         (or --api-key; its prefix picks the environment, and this call never sends it) or pass \
         --base-url (or EASY_API_URL)"
    )))
}

/// Prints a result with every secret redacted.
fn show<T: Serialize>(printer: &Printer, result: &T) -> Result<(), CliError> {
    printer.result(&redacted(result)?);
    Ok(())
}

/// A result as JSON (models serialize their unknown fields flattened).
fn to_value<T: Serialize>(result: &T) -> Result<Value, CliError> {
    serde_json::to_value(result).map_err(|_| CliError::render())
}

/// A result as JSON with every secret (a client secret, an API key, under any spelling, at
/// any depth) redacted by the core's one redaction, the models' `Debug` and snapshots' too.
fn redacted<T: Serialize>(result: &T) -> Result<Value, CliError> {
    let mut value = to_value(result)?;
    redact(&mut value);
    Ok(value)
}

/// `value` with `fields` set, when it is an object: a result with the SDK's word beside it.
fn with_fields(mut value: Value, fields: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    if let Value::Object(map) = &mut value {
        for (name, field) in fields {
            map.insert(name.to_owned(), field);
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::redacted;

    #[test]
    fn results_show_no_secret_at_any_depth_under_any_spelling() {
        let spellings = "client_secret CLIENT_SECRET Client_Secret clientSecret ClientSecret \
            client-secret Client-Secret clientsecret";
        for key in spellings.split_whitespace() {
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
