//! `key check`.

use easy_checkout_core::{Client, Transport};

use super::redacted;
use crate::args::KeyCommand;
use crate::error::CliError;
use crate::output::Printer;

/// Runs a `key` subcommand. The key itself is never printed; the public key the API
/// returns for it is.
pub fn run<T: Transport>(
    client: &Client<T>,
    command: &KeyCommand,
    printer: &Printer,
) -> Result<(), CliError> {
    match command {
        KeyCommand::Check => {
            let info = client.validate_key()?;
            printer.result(&redacted(&info)?);
        }
    }
    Ok(())
}
