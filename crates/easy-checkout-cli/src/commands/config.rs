//! `config get | set`.

use easy_checkout_core::ops::UpdateConfig;
use easy_checkout_core::{Client, Transport};

use super::redacted;
use crate::args::ConfigCommand;
use crate::error::CliError;
use crate::output::Printer;

/// Runs a `config` subcommand.
pub fn run<T: Transport>(
    client: &Client<T>,
    command: ConfigCommand,
    printer: &Printer,
) -> Result<(), CliError> {
    let checkout = client.embedded_checkout();
    let config = match command {
        ConfigCommand::Get => checkout.get_config()?,
        ConfigCommand::Set(args) => {
            let mut op = UpdateConfig::new(args.allowed_origins);
            if let Some(key) = &args.idempotency_key {
                op = op.with_idempotency_key(key.as_str())?;
            }
            checkout.update_config(&op)?
        }
    };
    printer.result(&redacted(&config)?);
    Ok(())
}
