//! `session create | get | crypto-status | validate | confirm | wait`.

use easy_checkout_core::ops::{Confirm, CreateSession, LineItem, PaymentMethod, Validate};
use easy_checkout_core::{
    ClientSecret, ErrorKind, PollPolicy, SessionStatus, Terminal, WaitOutcome,
};
use serde_json::{Value, json};

use super::{redacted, to_value, with_fields};
use crate::args::{ConfirmArgs, CreateArgs, SessionCommand, ValidateArgs, WaitArgs};
use crate::client::CliClient;
use crate::error::CliError;
use crate::output::Printer;

/// Runs a `session` subcommand.
pub fn run(client: &CliClient, command: SessionCommand, printer: &Printer) -> Result<(), CliError> {
    let checkout = client.embedded_checkout();
    let result = match command {
        // The one place a client secret is printed: handing it over is the point.
        SessionCommand::Create(args) => to_value(&checkout.create_session(&create_op(&args)?)?)?,
        SessionCommand::Get(args) => with_decision(&checkout.retrieve_session(&args.id)?)?,
        SessionCommand::CryptoStatus(args) => redacted(&checkout.crypto_status(&args.id)?)?,
        SessionCommand::Validate(args) => {
            let response = checkout.validate(&validate_op(&args)?)?;
            printer.result(&redacted(&response)?);
            if response.is_valid() {
                return Ok(());
            }
            return Err(CliError::refused(
                ErrorKind::Api,
                "SESSION_NOT_VALID",
                "the API answered that the client secret (or parent origin) is not valid",
            ));
        }
        SessionCommand::Confirm(args) => {
            let confirm = confirm_op(&args)?;
            redacted(&checkout.confirm(&confirm).map_err(CliError::confirm)?)?
        }
        SessionCommand::Wait(args) => return wait(client, &args, printer),
    };
    printer.result(&result);
    Ok(())
}

/// `session wait`: prints `{"outcome", "session"}` on stdout in every case, then exits 0
/// only when the session was paid.
fn wait(client: &CliClient, args: &WaitArgs, printer: &Printer) -> Result<(), CliError> {
    let outcome = client
        .embedded_checkout()
        .wait_for_payment(&args.id, PollPolicy::with_deadline(args.deadline))?;
    let (name, status) = match &outcome {
        WaitOutcome::Finished { terminal, status } => (terminal_name(*terminal), Some(status)),
        WaitOutcome::StillPending { status } => ("still_pending", status.as_ref()),
    };
    let session = status.map(redacted).transpose()?.unwrap_or(Value::Null);
    printer.result(&json!({ "outcome": name, "session": session }));
    let (kind, code, what) = match &outcome {
        WaitOutcome::Finished {
            terminal: Terminal::Paid,
            ..
        } => return Ok(()),
        WaitOutcome::Finished { terminal, status } => {
            let code = match terminal {
                Terminal::Failed => "PAYMENT_FAILED",
                Terminal::Expired => "SESSION_EXPIRED",
                _ => "SESSION_COMPLETE_UNCONFIRMED",
            };
            let what = format!("finished without being paid ({})", describe(status));
            (ErrorKind::Api, code, what)
        }
        WaitOutcome::StillPending { status } => {
            let last = status.as_ref().map_or_else(
                || "no poll succeeded".to_owned(),
                |s| format!("last seen {}", describe(s)),
            );
            let deadline = args.deadline.as_secs_f64();
            let what = format!("still pending after {deadline}s ({last})");
            (ErrorKind::Timeout, "STILL_PENDING", what)
        }
    };
    Err(CliError::refused(
        kind,
        code,
        format!("session {} {what}", args.id),
    ))
}

/// The `outcome` name of a finished wait.
fn terminal_name(terminal: Terminal) -> &'static str {
    match terminal {
        Terminal::Paid => "paid",
        Terminal::Failed => "failed",
        Terminal::Expired => "expired",
        Terminal::CompleteUnconfirmed => "complete_unconfirmed",
        _ => "unknown",
    }
}

/// The session as the API sent it (secrets redacted), with the SDK's decision beside it:
/// `outcome` ([`SessionStatus::terminal`] by name, `pending` while unfinished) and `paid`
/// (fulfil only when it is `true`). They replace any field of those names the reply had:
/// whether a session is paid is the SDK's one decision, never a field taken on trust.
fn with_decision(status: &SessionStatus) -> Result<Value, CliError> {
    let outcome = status.terminal().map_or("pending", terminal_name);
    let fields = [
        ("outcome", json!(outcome)),
        ("paid", json!(status.is_paid())),
    ];
    Ok(with_fields(redacted(status)?, fields))
}

/// `status X, payment_status Y`, for messages.
fn describe(status: &SessionStatus) -> String {
    let state = status.status.as_ref().map_or("-", |s| s.as_str());
    let payment = status.payment_status.as_ref().map_or("-", |s| s.as_str());
    format!("status {state}, payment_status {payment}")
}

/// The create operation from the flags; a bad `--item` or `--field` is exit 2.
fn create_op(args: &CreateArgs) -> Result<CreateSession, CliError> {
    let items = args
        .items
        .iter()
        .map(|item| parse_item(item))
        .collect::<Result<Vec<_>, _>>()?;
    let mut op = CreateSession::new(items, args.return_url.as_str());
    if let Some(key) = &args.idempotency_key {
        op = op.with_idempotency_key(key.as_str())?;
    }
    for field in &args.fields {
        let (name, value) = parse_field(field)?;
        op = op.with_extra(name, value);
    }
    Ok(op)
}

/// The validate operation from the flags.
fn validate_op(args: &ValidateArgs) -> Result<Validate, CliError> {
    let mut op = Validate::new(ClientSecret::new(args.secret.client_secret.as_str())?);
    if let Some(origin) = &args.parent_origin {
        op = op.with_parent_origin(origin.as_str());
    }
    Ok(op)
}

/// The confirm operation from the flags; bad `--payment-method` JSON is exit 2.
fn confirm_op(args: &ConfirmArgs) -> Result<Confirm, CliError> {
    let method: PaymentMethod = serde_json::from_str(&args.payment_method).map_err(|e| {
        CliError::invalid_input(format!(
            "--payment-method is not a payment method object such as \
             {{\"type\":\"PAYMENT_CARD\",\"token_id\":\"tok_…\"}} ({})",
            json_position(&e)
        ))
    })?;
    let secret = ClientSecret::new(args.secret.client_secret.as_str())?;
    let mut op = Confirm::new(secret, method);
    if let Some(key) = &args.idempotency_key {
        op = op.with_idempotency_key(key.as_str())?;
    }
    Ok(op)
}

/// `PRICE_ID[:QUANTITY]`, the quantity a whole number from 1 (default 1).
pub fn parse_item(item: &str) -> Result<LineItem, CliError> {
    let (price_id, quantity) = match item.rsplit_once(':') {
        Some((price_id, quantity)) => {
            let quantity = quantity
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|q| *q >= 1)
                .ok_or_else(|| {
                    CliError::invalid_input(format!(
                        "--item {item:?}: the quantity must be a whole number from 1 to {}",
                        u32::MAX
                    ))
                })?;
            (price_id, quantity)
        }
        None => (item, 1),
    };
    if price_id.trim().is_empty() {
        return Err(CliError::invalid_input(format!(
            "--item {item:?}: the price id must not be empty"
        )));
    }
    Ok(LineItem::new(price_id, quantity))
}

/// `NAME=JSON`: an extra body field. The value is never echoed in errors.
pub fn parse_field(field: &str) -> Result<(String, Value), CliError> {
    let (name, json) = field.split_once('=').ok_or_else(|| {
        CliError::invalid_input("--field must be NAME=JSON (e.g. metadata={\"order\":\"A-1\"})")
    })?;
    let name = name.trim();
    if name.is_empty() {
        return Err(CliError::invalid_input(
            "--field: the name must not be empty",
        ));
    }
    let value = serde_json::from_str(json).map_err(|e| {
        CliError::invalid_input(format!(
            "--field {name:?}: the value is not valid JSON ({}; quote strings: {name}='\"text\"')",
            json_position(&e)
        ))
    })?;
    Ok((name.to_owned(), value))
}

/// Where JSON parsing failed, without quoting the input.
fn json_position(e: &serde_json::Error) -> String {
    format!("line {} column {}", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_parse() {
        assert_eq!(parse_item("price_a").unwrap(), LineItem::new("price_a", 1));
        assert_eq!(
            parse_item("price_a:3").unwrap(),
            LineItem::new("price_a", 3)
        );
        for bad in [
            "price_a:0",
            "price_a:x",
            "price_a:-1",
            "price_a:",
            ":2",
            "",
            "p:99999999999",
        ] {
            let e = parse_item(bad).unwrap_err();
            assert_eq!(e.exit_code, 2, "{bad}");
        }
    }

    #[test]
    fn fields_parse() {
        assert_eq!(
            parse_field(r#"metadata={"a":1}"#).unwrap(),
            ("metadata".to_owned(), json!({"a": 1}))
        );
        assert_eq!(parse_field("n=2").unwrap(), ("n".to_owned(), json!(2)));
        for bad in ["novalue", "=1", "x={", "x=text"] {
            assert_eq!(parse_field(bad).unwrap_err().exit_code, 2, "{bad}");
        }
        let e = parse_field("x=sk_live_secretish").unwrap_err();
        assert!(!e.message.contains("sk_live_secretish"));
    }
}
