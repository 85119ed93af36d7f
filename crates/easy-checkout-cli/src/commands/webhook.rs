//! `webhook verify` and `webhook send`: neither needs an API key.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::time::Instant;

use easy_checkout_core::webhook::{self, DELIVERY_ID_HEADER, SIGNATURE_HEADER, WebhookSecret};
use easy_checkout_core::{Config, ErrorKind, Transport, http};
use easy_checkout_fake::{sample_event, webhook_request};
use serde_json::{Value, json};

use super::show;
use crate::args::{Globals, WebhookSendArgs, WebhookVerifyArgs};
use crate::error::CliError;
use crate::output::{Printer, log};

/// Largest payload read (webhook deliveries are a few KiB).
const MAX_PAYLOAD_BYTES: u64 = 16 * 1024 * 1024;

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
pub fn verify(args: &WebhookVerifyArgs, printer: &Printer) -> Result<(), CliError> {
    let secret = non_empty(&args.secret)?;
    let body = read_payload(args.payload.as_deref())?;
    let event =
        webhook::verify(&secret, Some(&args.signature), &body).map_err(CliError::webhook)?;
    show(printer, &event)
}

/// `webhook send`: signs the event, POSTs it to the endpoint with the headers of a delivery,
/// and prints what was sent (never the secret) and the status; a non-2xx answer is exit 1.
pub fn send(args: &WebhookSendArgs, globals: &Globals, printer: &Printer) -> Result<(), CliError> {
    let secret = non_empty(&args.secret)?;
    let url = &args.url;
    // Shown in its place: a password or a token in the URL is a secret too.
    let shown = shown_url(url);
    let uri = url.parse::<http::Uri>().unwrap_or_default();
    let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https") || uri.host().unwrap_or_default().is_empty() {
        return Err(CliError::invalid_input(format!(
            "the endpoint {shown:?} is not an absolute http:// or https:// URL"
        )));
    }
    let body = match &args.payload {
        Some(path) => read_payload(Some(path))?,
        None => sample_event(&args.event_type, &args.session, args.event_id.as_deref()),
    };
    // A body of your own names its own type; one that is no event goes out as `--type`.
    let event = serde_json::from_slice::<Value>(&body).unwrap_or_default();
    let event_id = event["id"].as_str();
    let event_type = event["type"]
        .as_str()
        .unwrap_or(&args.event_type)
        .to_owned();
    let bytes = body.len();
    let request = webhook_request(url, &event_type, body, &secret, args.attempt)
        .map_err(|e| CliError::invalid_input(format!("--type {event_type:?}: {e}")))?;
    let header = |name: &str| String::from(request.headers()[name].to_str().unwrap_or_default());
    let delivery_id = header(DELIVERY_ID_HEADER);
    let mut sent = json!({
        "url": shown,
        "event_id": event_id,
        "type": event_type,
        "attempt": args.attempt,
        "delivery_id": delivery_id,
        "signature": header(SIGNATURE_HEADER),
        "bytes": bytes,
    });
    // One attempt over the chosen transport: no API key, no base URL, no retry.
    let client = globals.client(Config::from_values(None, None)?)?;
    // `-v` logs as the API commands do: never the secret, a header or the URL unredacted.
    let verbose = |line: String| {
        if globals.verbose {
            log(&line);
        }
    };
    let about = event_id.map_or_else(String::new, |id| format!("event {id}, "));
    let attempt = args.attempt;
    verbose(format!(
        "-> POST {shown} ({about}type {event_type}, attempt {attempt}, delivery {delivery_id}, \
         {bytes} bytes)"
    ));
    let started = Instant::now();
    let answer = client.transport().send(request).map_err(|e| {
        let e = e.to_string().replace(url.as_str(), &shown);
        verbose(format!("<- failed: {e}"));
        CliError::transport(format!("could not deliver the event to {shown}: {e}"))
    })?;
    let status = answer.status().as_u16();
    verbose(format!(
        "<- {status} in {}ms",
        started.elapsed().as_millis()
    ));
    sent["status"] = json!(status);
    printer.result(&sent);
    if answer.status().is_success() {
        return Ok(());
    }
    let kind = ErrorKind::from_status(answer.status());
    let message = format!("the endpoint answered HTTP {status} ({about}delivery {delivery_id})");
    Err(CliError::refused(kind, "WEBHOOK_REJECTED", message).with_status(status))
}

/// `url` as it may be shown: the whole `user:password@` (a bare token before the `@` is a
/// credential too), every query value (a bare query item whole) and any fragment replaced by
/// `[REDACTED]`; the rest as given.
fn shown_url(url: &str) -> String {
    const HIDDEN: &str = "[REDACTED]";
    let (scheme, rest) = url.split_at(url.find("://").map_or(0, |i| i + 3));
    // The userinfo ends at the last `@` before the path: a `#` or `?` in an unencoded
    // password does not end it.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (userinfo, rest) = match rest[..authority_end].rfind('@') {
        Some(at) => (format!("{HIDDEN}@"), &rest[at + 1..]),
        None => (String::new(), rest),
    };
    let (rest, fragment) = rest
        .split_once('#')
        .map_or((rest, None), |(r, f)| (r, Some(f)));
    let (rest, query) = rest
        .split_once('?')
        .map_or((rest, None), |(r, q)| (r, Some(q)));
    let mut shown = format!("{scheme}{userinfo}{rest}");
    if let Some(query) = query {
        let items = query.split('&').map(|item| match item.split_once('=') {
            Some((name, _value)) => format!("{name}={HIDDEN}"),
            None if item.is_empty() => String::new(),
            None => HIDDEN.to_owned(),
        });
        shown = format!("{shown}?{}", items.collect::<Vec<_>>().join("&"));
    }
    if let Some(fragment) = fragment {
        let hidden = if fragment.is_empty() { "" } else { HIDDEN };
        shown = format!("{shown}#{hidden}");
    }
    shown
}

/// The raw bytes of `path`, or of stdin for `-` or no path.
fn read_payload(path: Option<&Path>) -> Result<Vec<u8>, CliError> {
    let file = path.filter(|p| p.as_os_str() != "-");
    let name = file.map_or_else(|| "stdin".to_owned(), |p| p.display().to_string());
    let cannot_read =
        |e: io::Error| CliError::invalid_input(format!("cannot read the payload {name:?}: {e}"));
    let reader: Box<dyn Read> = match file {
        Some(path) => Box::new(File::open(path).map_err(cannot_read)?),
        None => Box::new(io::stdin()),
    };
    let mut body = Vec::new();
    reader
        .take(MAX_PAYLOAD_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(cannot_read)?;
    if body.len() as u64 > MAX_PAYLOAD_BYTES {
        return Err(CliError::invalid_input(format!(
            "the payload {name:?} is larger than {MAX_PAYLOAD_BYTES} bytes"
        )));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::shown_url;

    #[test]
    fn urls_are_shown_without_password_or_query_values() {
        for (url, shown) in [
            (
                "http://127.0.0.1:3000/webhooks",
                "http://127.0.0.1:3000/webhooks",
            ),
            (
                "https://u:p4ss@h.example/a/b",
                "https://[REDACTED]@h.example/a/b",
            ),
            ("https://T0KEN@h.example/", "https://[REDACTED]@h.example/"),
            ("https://u:p:q@w@h.example", "https://[REDACTED]@h.example"),
            // An unencoded `#` or `?` in the password does not end the userinfo.
            ("http://u:s3c#ret?pw@h:1/x", "http://[REDACTED]@h:1/x"),
            (
                "http://h/x?token=abc&mode=test&flag&&k=",
                "http://h/x?token=[REDACTED]&mode=[REDACTED]&[REDACTED]&&k=[REDACTED]",
            ),
            ("http://h/x?#frag", "http://h/x?#[REDACTED]"),
            ("http://h/x/a@b:c", "http://h/x/a@b:c"),
            ("ftp://u:pw@h/x?t=1", "ftp://[REDACTED]@h/x?t=[REDACTED]"),
            ("not a url?secret", "not a url?[REDACTED]"),
        ] {
            assert_eq!(shown_url(url), shown, "{url}");
        }
    }
}
