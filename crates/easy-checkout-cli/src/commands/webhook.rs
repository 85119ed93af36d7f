//! `webhook verify`: needs no API key and sends nothing.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use easy_checkout_core::webhook::{self, WebhookSecret};

use super::redacted;
use crate::args::{WebhookCommand, WebhookVerifyArgs};
use crate::error::CliError;
use crate::output::Printer;

/// Largest payload read (webhook deliveries are a few KiB).
const MAX_PAYLOAD_BYTES: u64 = 16 * 1024 * 1024;

/// Runs a `webhook` subcommand.
pub fn run(command: &WebhookCommand, printer: &Printer) -> Result<(), CliError> {
    match command {
        WebhookCommand::Verify(args) => verify(args, printer),
    }
}

/// `webhook verify`: the event on success; exit 1 with the failure code otherwise.
fn verify(args: &WebhookVerifyArgs, printer: &Printer) -> Result<(), CliError> {
    // Anyone can compute an HMAC under the empty key, so an empty secret (an unset shell
    // variable, say) would accept forged deliveries: refuse it before anything is read.
    if args.secret.is_empty() {
        return Err(CliError::invalid_input(
            "--secret (or EASY_WEBHOOK_SECRET) must not be empty",
        ));
    }
    let body = read_payload(args.payload.as_deref())?;
    let secret = WebhookSecret::new(args.secret.as_bytes());
    let event =
        webhook::verify(&secret, Some(&args.signature), &body).map_err(CliError::webhook)?;
    printer.result(&redacted(&event)?);
    Ok(())
}

/// The raw bytes of `path`, or of stdin for `-` or no path.
fn read_payload(path: Option<&Path>) -> Result<Vec<u8>, CliError> {
    let (name, reader): (String, Box<dyn Read>) = match path {
        None => ("stdin".to_owned(), Box::new(io::stdin())),
        Some(p) if p.as_os_str() == "-" => ("stdin".to_owned(), Box::new(io::stdin())),
        Some(p) => {
            let name = p.display().to_string();
            let file = File::open(p).map_err(|e| {
                CliError::invalid_input(format!("cannot read the payload {name:?}: {e}"))
            })?;
            (name, Box::new(file))
        }
    };
    let mut body = Vec::new();
    reader
        .take(MAX_PAYLOAD_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| CliError::invalid_input(format!("cannot read the payload {name:?}: {e}")))?;
    if body.len() as u64 > MAX_PAYLOAD_BYTES {
        return Err(CliError::invalid_input(format!(
            "the payload {name:?} is larger than {MAX_PAYLOAD_BYTES} bytes"
        )));
    }
    Ok(body)
}
