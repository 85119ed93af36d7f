//! `webhook verify` (needs no API key and sends nothing) and `webhook send` (needs no API
//! key; sends one signed test event to the given endpoint over the chosen transport).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use easy_checkout_core::webhook::{self, DELIVERY_ID_HEADER, SIGNATURE_HEADER, WebhookSecret};
use easy_checkout_core::{Client, Config, ErrorKind, Transport, TransportError, http};
use easy_checkout_fake::{sample_event, webhook_request};
use serde_json::{Value, json};

use super::redacted;
use crate::args::{WebhookCommand, WebhookSendArgs, WebhookVerifyArgs};
use crate::client::{ClientOptions, WithClient, with_client};
use crate::error::CliError;
use crate::output::Printer;

/// Largest payload read (webhook deliveries are a few KiB).
const MAX_PAYLOAD_BYTES: u64 = 16 * 1024 * 1024;

/// Runs a `webhook` subcommand.
pub fn run(
    command: &WebhookCommand,
    options: &ClientOptions,
    printer: &Printer,
) -> Result<(), CliError> {
    match command {
        WebhookCommand::Verify(args) => verify(args, printer),
        WebhookCommand::Send(args) => send(args, options, printer),
    }
}

/// Anyone can compute an HMAC under the empty key, so an empty secret (an unset shell
/// variable, say) would accept, or sign, forged deliveries: refused before anything is read.
fn non_empty(secret: &str) -> Result<WebhookSecret, CliError> {
    if secret.is_empty() {
        return Err(CliError::invalid_input(
            "--secret (or EASY_WEBHOOK_SECRET) must not be empty",
        ));
    }
    Ok(WebhookSecret::new(secret.as_bytes()))
}

/// `webhook verify`: the event on success; exit 1 with the failure code otherwise.
fn verify(args: &WebhookVerifyArgs, printer: &Printer) -> Result<(), CliError> {
    let secret = non_empty(&args.secret.secret)?;
    let body = read_payload(args.payload.as_deref())?;
    let event =
        webhook::verify(&secret, Some(&args.signature), &body).map_err(CliError::webhook)?;
    printer.result(&redacted(&event)?);
    Ok(())
}

/// `webhook send`: signs the event, POSTs it to the endpoint with the headers of a delivery,
/// and prints what was sent (never the secret) and the status; a non-2xx answer is exit 1.
fn send(
    args: &WebhookSendArgs,
    options: &ClientOptions,
    printer: &Printer,
) -> Result<(), CliError> {
    let secret = non_empty(&args.secret.secret)?;
    let url = endpoint(&args.url)?;
    let body = match &args.payload {
        Some(path) => read_payload(Some(path))?,
        None => sample_event(&args.event_type, &args.session, args.event_id.as_deref()),
    };
    // A body of your own names its own type; one that is no event goes out as `--type`.
    let event = serde_json::from_slice::<Value>(&body).ok();
    let field = |name: &str| {
        event
            .as_ref()
            .and_then(|e| e[name].as_str().map(str::to_owned))
    };
    let event_type = field("type").unwrap_or_else(|| args.event_type.clone());
    let bytes = body.len();
    let request = webhook_request(&url, &event_type, body, &secret, args.attempt)
        .map_err(|e| CliError::invalid_input(format!("--type {event_type:?}: {e}")))?;
    let header = |name: &str| {
        request.headers()[name]
            .to_str()
            .unwrap_or_default()
            .to_owned()
    };
    let delivery_id = header(DELIVERY_ID_HEADER);
    let mut sent = json!({
        "url": url,
        "event_id": field("id"),
        "type": event_type,
        "attempt": args.attempt,
        "delivery_id": delivery_id,
        "signature": header(SIGNATURE_HEADER),
        "bytes": bytes,
    });
    // No API key, no base URL: only the transport and its flags are used.
    let config = Config::from_values(None, None)?;
    let answer = with_client(options, config, Deliver(request))?
        .map_err(|e| CliError::transport(format!("could not deliver the event to {url}: {e}")))?;
    let status = answer.status().as_u16();
    sent["status"] = json!(status);
    printer.result(&sent);
    if answer.status().is_success() {
        return Ok(());
    }
    let kind = ErrorKind::from_status(answer.status());
    let event = field("id").map_or_else(String::new, |id| format!("event {id}, "));
    Err(CliError::refused(
        kind,
        "WEBHOOK_REJECTED",
        format!("the endpoint answered HTTP {status} ({event}delivery {delivery_id})"),
    ))
}

/// `url`, if it is an absolute `http://` or `https://` URL.
fn endpoint(url: &str) -> Result<String, CliError> {
    let uri = url.parse::<http::Uri>().ok();
    let scheme = uri
        .as_ref()
        .and_then(|u| u.scheme_str().map(str::to_ascii_lowercase));
    let host = uri
        .as_ref()
        .and_then(|u| u.host())
        .filter(|h| !h.is_empty());
    match (scheme.as_deref(), host) {
        (Some("http" | "https"), Some(_)) => Ok(url.to_owned()),
        _ => Err(CliError::invalid_input(format!(
            "the endpoint {url:?} is not an absolute http:// or https:// URL"
        ))),
    }
}

/// One request sent as it is, over the chosen transport (no retry: one delivery attempt).
struct Deliver(http::Request<Vec<u8>>);

impl WithClient for Deliver {
    type Output = Result<http::Response<Vec<u8>>, TransportError>;

    fn call<T: Transport>(self, client: &Client<T>) -> Self::Output {
        client.transport().send(self.0)
    }
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
