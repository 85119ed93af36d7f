//! `session create | get | crypto-status | validate | confirm | wait`.

use easy_checkout_core::ops::{Confirm, CreateSession, LineItem, PaymentMethod, Validate};
use easy_checkout_core::{
    ClientSecret, ErrorKind, PollPolicy, SessionStatus, Terminal, WaitOutcome,
};
use std::time::Duration;

use serde_json::{Value, json};

use super::{redacted, to_value, with_fields};
use crate::args::{ConfirmArgs, CreateArgs, SessionCommand};
use crate::client::CliClient;
use crate::error::CliError;
use crate::output::Printer;

/// Runs a `session` subcommand.
pub fn run(client: &CliClient, command: SessionCommand, printer: &Printer) -> Result<(), CliError> {
    let checkout = client.embedded_checkout();
    let result = match command {
        // The one place a client secret is printed: handing it over is the point.
        SessionCommand::Create(args) => to_value(&checkout.create_session(&create_op(&args)?)?)?,
        SessionCommand::Get { id } => {
            // The SDK's decision beside the session: whether it is paid is never a field of
            // the reply taken on trust (they replace any fields of those names).
            let status = checkout.retrieve_session(&id)?;
            let outcome = status.terminal().map_or("pending", terminal_name);
            let fields = [
                ("outcome", json!(outcome)),
                ("paid", json!(status.is_paid())),
            ];
            with_fields(redacted(&status)?, fields)
        }
        SessionCommand::CryptoStatus { id } => redacted(&checkout.crypto_status(&id)?)?,
        SessionCommand::Validate {
            client_secret,
            parent_origin,
        } => {
            let mut op = Validate::new(ClientSecret::new(client_secret.as_str())?);
            if let Some(origin) = &parent_origin {
                op = op.with_parent_origin(origin.as_str());
            }
            let response = checkout.validate(&op)?;
            printer.result(&redacted(&response)?);
            return response.is_valid().then_some(()).ok_or_else(|| {
                let why = "the API answered that the client secret (or parent origin) is not valid";
                CliError::refused(ErrorKind::Api, "SESSION_NOT_VALID", why)
            });
        }
        SessionCommand::Confirm(args) => {
            let confirmed = checkout.confirm(&confirm_op(&args)?);
            redacted(&confirmed.map_err(CliError::confirm)?)?
        }
        SessionCommand::Wait { id, deadline } => return wait(client, &id, deadline, printer),
    };
    printer.result(&result);
    Ok(())
}

/// `session wait`: prints `{"outcome", "session"}` on stdout in every case, then exits 0
/// only when the session was paid.
fn wait(
    client: &CliClient,
    id: &str,
    deadline: Duration,
    printer: &Printer,
) -> Result<(), CliError> {
    let policy = PollPolicy::with_deadline(deadline);
    let outcome = client.embedded_checkout().wait_for_payment(id, policy)?;
    let (name, status, kind, code, what) = match &outcome {
        WaitOutcome::Finished { terminal, status } => {
            let code = match terminal {
                Terminal::Failed => "PAYMENT_FAILED",
                Terminal::Expired => "SESSION_EXPIRED",
                _ => "SESSION_COMPLETE_UNCONFIRMED",
            };
            let what = format!("finished without being paid ({})", describe(status));
            let name = terminal_name(*terminal);
            (name, Some(status), ErrorKind::Api, code, what)
        }
        WaitOutcome::StillPending { status } => {
            let last = status.as_ref().map_or_else(
                || "no poll succeeded".to_owned(),
                |s| format!("last seen {}", describe(s)),
            );
            let deadline = deadline.as_secs_f64();
            let what = format!("still pending after {deadline}s ({last})");
            let (kind, code) = (ErrorKind::Timeout, "STILL_PENDING");
            ("still_pending", status.as_ref(), kind, code, what)
        }
    };
    let session = status.map(redacted).transpose()?.unwrap_or(Value::Null);
    printer.result(&json!({ "outcome": name, "session": session }));
    if outcome.is_paid() {
        return Ok(());
    }
    let message = format!("session {id} {what}");
    Err(CliError::refused(kind, code, message))
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

/// `status X, payment_status Y`, for messages.
fn describe(status: &SessionStatus) -> String {
    let state = status.status.as_ref().map_or("-", |s| s.as_str());
    let payment = status.payment_status.as_ref().map_or("-", |s| s.as_str());
    format!("status {state}, payment_status {payment}")
}

/// The create operation from the flags; a bad `--item` or `--field` is exit 2.
fn create_op(args: &CreateArgs) -> Result<CreateSession, CliError> {
    let items: Result<Vec<_>, _> = args.items.iter().map(|item| parse_item(item)).collect();
    let mut op = CreateSession::new(items?, args.return_url.as_str());
    if let Some(key) = &args.idempotency_key {
        op = op.with_idempotency_key(key.as_str())?;
    }
    for field in &args.fields {
        let (name, value) = parse_field(field)?;
        op = op.with_extra(name, value);
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
    let secret = ClientSecret::new(args.client_secret.as_str())?;
    let mut op = Confirm::new(secret, method);
    if let Some(key) = &args.idempotency_key {
        op = op.with_idempotency_key(key.as_str())?;
    }
    Ok(op)
}

/// `PRICE_ID[:QUANTITY]`, the quantity a whole number from 1 (default 1).
pub fn parse_item(item: &str) -> Result<LineItem, CliError> {
    let bad = |what: String| CliError::invalid_input(format!("--item {item:?}: {what}"));
    let (price_id, quantity) = match item.rsplit_once(':') {
        Some((price_id, quantity)) => (price_id, quantity.trim().parse::<u32>().ok()),
        None => (item, Some(1)),
    };
    let Some(quantity) = quantity.filter(|q| *q >= 1) else {
        let max = u32::MAX;
        let why = format!("the quantity must be a whole number from 1 to {max}");
        return Err(bad(why));
    };
    if price_id.trim().is_empty() {
        return Err(bad("the price id must not be empty".to_owned()));
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
    if !number_tokens(json).into_iter().all(sent_as_written) {
        return Err(CliError::invalid_input(format!(
            "--field {name:?}: a number in the value would not be sent with the digits given (an \
             integer outside 64 bits, or more digits than a double holds); quote it to send it \
             as a string"
        )));
    }
    Ok((name.to_owned(), value))
}

/// The number tokens of `json` (valid JSON), strings skipped, at any depth.
fn number_tokens(json: &str) -> Vec<&str> {
    let bytes = json.as_bytes();
    let (mut tokens, mut i, mut in_string) = (Vec::new(), 0, false);
    while let Some(&b) = bytes.get(i) {
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
        } else if b == b'-' || b.is_ascii_digit() {
            let start = i;
            let in_number = |b: &u8| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E');
            while bytes.get(i).is_some_and(in_number) {
                i += 1;
            }
            tokens.push(&json[start..i]);
        } else {
            in_string = b == b'"';
            i += 1;
        }
    }
    tokens
}

/// Whether the JSON number `token` goes out with the value written. Without serde_json's
/// `arbitrary_precision`, an integer outside i64/u64 or any other number becomes the nearest
/// double in its shortest form: `1.00000000000000001` would go out as `1.0`.
fn sent_as_written(token: &str) -> bool {
    let sent = serde_json::from_str::<serde_json::Number>(token).map(|n| n.to_string());
    sent.is_ok_and(|sent| decimal(token).is_some_and(|given| decimal(&sent) == Some(given)))
}

/// The value of a JSON number as `(negative, significant digits, exponent of ten)`: equal for
/// equal values (`1e3`, `1000`, `1000.0`); zero of either sign is `(false, "", 0)`. `None` for
/// an exponent beyond i64.
fn decimal(number: &str) -> Option<(bool, String, i64)> {
    let (negative, rest) = number
        .strip_prefix('-')
        .map_or((false, number), |rest| (true, rest));
    let (mantissa, exponent) = rest.split_once(['e', 'E']).unwrap_or((rest, "0"));
    let exponent = exponent.parse::<i64>().ok()?;
    let (int, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{fraction}");
    let digits = digits.trim_start_matches('0');
    let significant = digits.trim_end_matches('0');
    if significant.is_empty() {
        return Some((false, String::new(), 0));
    }
    let shift = i64::try_from(digits.len() - significant.len()).ok()?;
    let exponent = exponent
        .checked_sub(i64::try_from(fraction.len()).ok()?)?
        .checked_add(shift)?;
    Some((negative, significant.to_owned(), exponent))
}

/// Where JSON parsing failed, without quoting the input.
fn json_position(e: &serde_json::Error) -> String {
    format!("line {} column {}", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_fields_parse_and_numbers_go_out_as_given_or_are_refused() {
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
        let kept = "0 -0 9223372036854775807 -9223372036854775808 18446744073709551615 0.1 1.5 \
            -2.25e-3 1e3 1E+20 0.50 1.0 123456789.125";
        let kept = kept.split_whitespace().chain([
            r#"{"a":[1,{"b":-7}],"s":"123456789012345678901234567890"}"#,
            r#""e1 \" 99999999999999999999999""#,
        ]);
        for json in kept {
            let field = format!("x={json}");
            assert!(parse_field(&field).is_ok(), "{json}");
        }
        let refused = "123456789012345678901234567890 18446744073709551616 -9223372036854775809 \
            1.00000000000000001 0.30000000000000000001 12345678901234567890123e-3 1e400 1e-400";
        let refused = refused.split_whitespace().chain([
            r#"{"a":[1,{"b":18446744073709551616}]}"#,
            r#"["x", 9007199254740993.0]"#,
        ]);
        for json in refused {
            let e = parse_field(&format!("x={json}")).unwrap_err();
            assert_eq!(e.exit_code, 2, "{json}");
            assert!(!e.message.contains(json), "{json}: {}", e.message);
        }
    }
}
