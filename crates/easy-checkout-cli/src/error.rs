//! Everything the CLI reports as a failure: its exit code (listed under `--help`), its text
//! line and its JSON shape. Every error says `outcome_unknown` and the call's
//! `idempotency_key`, whatever its kind; the text line ends with what to do when the outcome
//! is unknown, or with the key alone (`(idempotency key …)`).

use std::time::SystemTime;

use easy_checkout_core::redact::redact;
use easy_checkout_core::webhook::WebhookError;
use easy_checkout_core::{Error, ErrorKind, InvalidInput, RetryAfter};
use serde::Serialize;
use serde_json::{Value, json};

// The exit codes (`EXIT_CODES` in `args`).
const EXIT_REFUSED: u8 = 1;
const EXIT_INPUT: u8 = 2;
const EXIT_TRANSPORT: u8 = 3;
const EXIT_DECODE: u8 = 4;
const EXIT_OUTPUT: u8 = 5;

/// A failure, ready to print as one text line or as `{"error": {…}}`. Boxed, so that
/// `Result<_, CliError>` stays small; its fields are reached through `Deref`.
#[derive(Debug, Clone, PartialEq)]
pub struct CliError(Box<Report>);

impl std::ops::Deref for CliError {
    type Target = Report;
    fn deref(&self) -> &Report {
        &self.0
    }
}

/// A failed write to stdout: what the command printed did not reach its reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lost {
    /// The IO error of the write.
    pub error: String,
    /// The `id` field of the result whose write failed (a created session's), if it had one.
    pub id: Option<String>,
}

/// What a [`CliError`] says. Serialized, it is the JSON error object (without the exit code
/// and the text line), absent fields as `null`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Report {
    /// The process exit code.
    #[serde(skip)]
    pub exit_code: u8,
    /// `kind` in the JSON error (`not_found`, `invalid_input`, …).
    pub kind: &'static str,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The machine-readable code (`SESSION_NOT_FOUND`, `WEBHOOK_SIGNATURE_MISMATCH`, …).
    pub code: Option<String>,
    /// A human-readable message (the API's own, when it sent one).
    pub message: String,
    /// The API's `error.details`, or what the CLI knows about an input error.
    pub details: Option<Value>,
    /// How long the server asked to wait before retrying (429).
    pub retry_after_seconds: Option<u64>,
    /// Whether a write (`session create`, `confirm`, `config set`) may have taken effect
    /// although it failed: the SDK's `Error::outcome_unknown`, never for a read (`session
    /// validate` included: it only checks) nor for a failure found before anything was sent.
    pub outcome_unknown: bool,
    /// The `Idempotency-Key` of the failed call (given or generated).
    pub idempotency_key: Option<String>,
    /// The one-line text form (after `error: `).
    #[serde(skip)]
    pub line: String,
}

impl CliError {
    /// An error the CLI finds itself: no HTTP status, details or retry-after. Its line is
    /// `invalid input: …` for invalid input, `CODE: …` with a code, the message otherwise.
    fn local(exit_code: u8, kind: ErrorKind, code: Option<&str>, message: String) -> Self {
        let line = match code {
            _ if kind == ErrorKind::InvalidInput => format!("invalid input: {message}"),
            Some(code) => format!("{code}: {message}"),
            None => message.clone(),
        };
        let code = code.map(str::to_owned);
        let report = Report {
            exit_code,
            kind: kind.as_str(),
            code,
            message,
            line,
            ..Report::default()
        };
        Self(Box::new(report))
    }

    /// Invalid input or usage found by the CLI itself (exit 2).
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::local(EXIT_INPUT, ErrorKind::InvalidInput, None, message.into())
    }

    /// A local IO failure that is not about the request (binding a port…): exit 3.
    pub fn transport(message: impl Into<String>) -> Self {
        Self::local(EXIT_TRANSPORT, ErrorKind::Transport, None, message.into())
    }

    /// A result that could not be rendered as JSON (exit 4, like an undecodable body).
    pub fn render() -> Self {
        let message = "the response could not be rendered as JSON".to_owned();
        Self::local(EXIT_DECODE, ErrorKind::Decode, None, message)
    }

    /// A command that did its work, `done` (`the call was made: …`), but whose result could
    /// not be written to stdout (exit 5): the line says so, with the result's id (a created
    /// session's; never its client secret) and the call's idempotency key, so that the user
    /// can find what was made instead of making it again.
    pub fn output_lost(lost: &Lost, done: &str, idempotency_key: Option<String>) -> Self {
        let id = lost
            .id
            .as_ref()
            .map_or_else(String::new, |id| format!(", id {id}"));
        let error = &lost.error;
        let message = format!("the result could not be written to stdout ({error}); {done}{id}");
        let report = Report {
            exit_code: EXIT_OUTPUT,
            kind: "output",
            code: Some("OUTPUT_NOT_WRITTEN".to_owned()),
            line: message.clone(),
            message,
            details: lost.id.as_ref().map(|id| json!({ "id": id })),
            idempotency_key,
            ..Report::default()
        };
        Self::ending(report, false)
    }

    /// A refusal that is not an HTTP error (a wait that ended unpaid, a demo check): exit 1.
    pub fn refused(kind: ErrorKind, code: &str, message: impl Into<String>) -> Self {
        Self::local(EXIT_REFUSED, kind, Some(code), message.into())
    }

    /// The error with the HTTP status of the response it is about (a webhook endpoint's).
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    /// A failed webhook verification (exit 1). A signature failure is an `authentication`
    /// error; a correctly signed body that is not an event is an `invalid_request`.
    pub fn webhook(error: WebhookError) -> Self {
        let kind = match error {
            WebhookError::BodyInvalidJson => ErrorKind::InvalidRequest,
            _ => ErrorKind::Authentication,
        };
        // The Display form is `CODE: message`.
        let line = error.to_string();
        let message = line.split_once(": ").map_or(line.as_str(), |(_, m)| m);
        Self::refused(kind, error.code(), message)
    }

    /// The JSON form: `{"error": {"kind", "status", "code", "message", "details",
    /// "retry_after_seconds", "outcome_unknown", "idempotency_key"}}`.
    pub fn to_json(&self) -> Value {
        json!({ "error": self.0 })
    }

    /// The error of a `confirm`: as [`From<Error>`], with the advice for a payment.
    pub fn confirm(error: Error) -> Self {
        Self::from_sdk(error, true)
    }

    /// An SDK error, its line ended as [`CliError::ending`] does.
    fn from_sdk(error: Error, payment: bool) -> Self {
        let kind = error.kind();
        // The error and its causes, once each.
        let line = easy_checkout_core::error::report(&error);
        let exit_code = match kind {
            ErrorKind::InvalidInput => EXIT_INPUT,
            ErrorKind::Transport | ErrorKind::Timeout => EXIT_TRANSPORT,
            ErrorKind::Decode => EXIT_DECODE,
            _ => EXIT_REFUSED,
        };
        let mut out = Report {
            exit_code,
            kind: kind.as_str(),
            message: line.clone(),
            outcome_unknown: error.outcome_unknown(),
            idempotency_key: error.idempotency_key().map(|k| k.as_str().to_owned()),
            line,
            ..Report::default()
        };
        match &error {
            Error::InvalidInput { input: e, .. } => {
                out.message = e.to_string();
                if e.field() == "api_key" {
                    let hint = "; pass --api-key or set EASY_API_KEY";
                    out.message.push_str(hint);
                    out.line.push_str(hint);
                }
                out.details = Some(json!({ "field": e.field() }));
            }
            Error::Decode(e) => {
                out.status = Some(e.status.as_u16());
                out.details = Some(json!({ "reason": e.reason, "body_bytes": e.raw_body.len() }));
            }
            Error::Api(e) => {
                out.status = Some(e.status.as_u16());
                out.code.clone_from(&e.code);
                if let Some(message) = &e.message {
                    out.message.clone_from(message);
                }
                // A server may echo the request body (a client secret included) in its
                // details: redact them like every other output.
                out.details.clone_from(&e.details);
                if let Some(details) = &mut out.details {
                    redact(details);
                }
                out.retry_after_seconds =
                    e.retry_after.map(|r| seconds_until(r, SystemTime::now()));
            }
            Error::Transport(e) => {
                out.details = Some(json!({ "transport": e.kind().as_str() }));
            }
            _ => {}
        }
        Self::ending(out, payment)
    }

    /// `report` with its line ending in what to do before sending the write again (a
    /// `payment`, or another) when its outcome is unknown, or else in its idempotency key.
    fn ending(mut report: Report, payment: bool) -> Self {
        if report.outcome_unknown {
            let advice = unknown_outcome_advice(payment, report.idempotency_key.as_deref());
            report.line = format!("{}; {advice}", report.line);
        } else if let Some(key) = &report.idempotency_key {
            report.line.push_str(&format!(" (idempotency key {key})"));
        }
        Self(Box::new(report))
    }
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        Self::from_sdk(error, false)
    }
}

/// What to do after a write (a `payment`, or another) carrying `key` whose outcome is unknown.
fn unknown_outcome_advice(payment: bool, key: Option<&str>) -> String {
    let happened = if payment {
        "the payment may have gone through"
    } else {
        "it may have taken effect"
    };
    match key {
        Some(key) => format!(
            "{happened}: retry with --idempotency-key {key} (the server replays the first \
             result), never without it"
        ),
        None if payment => format!(
            "{happened}: retrieve the session (`easy-checkout session get SESSION_ID`) before \
             paying again"
        ),
        None => format!("{happened}: check before sending it again"),
    }
}

impl From<InvalidInput> for CliError {
    fn from(error: InvalidInput) -> Self {
        Error::from(error).into()
    }
}

/// `Retry-After` as whole seconds from `now` (a date is rounded up; a past date is 0).
pub fn seconds_until(retry_after: RetryAfter, now: SystemTime) -> u64 {
    match retry_after {
        RetryAfter::Seconds(s) => s,
        RetryAfter::Date(at) => at
            .duration_since(now)
            .map_or(0, |d| d.as_secs() + u64::from(d.subsec_nanos() > 0)),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use easy_checkout_core::http::{HeaderMap, StatusCode};
    use easy_checkout_core::{ApiError, IdempotencyKey, TransportError, TransportErrorKind};

    use super::*;

    #[test]
    fn retry_after_counts_whole_seconds_from_now() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(seconds_until(RetryAfter::Seconds(7), now), 7);
        let at = now + Duration::from_millis(2_500);
        assert_eq!(seconds_until(RetryAfter::Date(at), now), 3);
        let past = now - Duration::from_secs(5);
        assert_eq!(seconds_until(RetryAfter::Date(past), now), 0);
    }

    fn server_error(key: Option<&str>) -> Error {
        let mut api =
            ApiError::from_response(StatusCode::SERVICE_UNAVAILABLE, &HeaderMap::new(), b"");
        api.idempotency_key = key.map(|k| IdempotencyKey::new(k).unwrap());
        Error::from(api)
    }

    #[test]
    fn an_unknown_outcome_says_what_to_do_and_input_errors_exit_2_without_advice() {
        let cut = || Error::from(TransportError::msg(TransportErrorKind::Io, "reset"));
        let cases = [
            (
                CliError::confirm(cut()),
                None,
                "connection failed: reset; the payment may have gone through: retrieve the \
                 session (`easy-checkout session get SESSION_ID`) before paying again",
            ),
            (
                CliError::confirm(server_error(Some("pay-1"))),
                Some("pay-1"),
                "server error (HTTP 503); the payment may have gone through: retry with \
                 --idempotency-key pay-1 (the server replays the first result), never without it",
            ),
            (
                CliError::from(server_error(Some("cfg-1"))),
                Some("cfg-1"),
                "server error (HTTP 503); it may have taken effect: retry with \
                 --idempotency-key cfg-1 (the server replays the first result), never without it",
            ),
            (
                CliError::from(cut()),
                None,
                "connection failed: reset; it may have taken effect: check before sending it again",
            ),
        ];
        for (e, key, line) in cases {
            assert!(e.outcome_unknown);
            assert_eq!(e.line, line);
            assert_eq!(e.to_json()["error"]["outcome_unknown"], true);
            assert_eq!(e.to_json()["error"]["idempotency_key"], json!(key));
        }
        let refused = TransportError::msg(TransportErrorKind::Connect, "refused").not_sent();
        let not_found = ApiError::from_response(StatusCode::NOT_FOUND, &HeaderMap::new(), b"");
        for e in [
            CliError::confirm(Error::from(refused)),
            CliError::confirm(Error::from(not_found)),
            CliError::from(Error::from(InvalidInput::new("return_url", "is not a URL"))),
        ] {
            assert!(!e.outcome_unknown, "{e:?}");
            assert!(!e.line.contains("may have"), "{}", e.line);
            assert_eq!(e.to_json()["error"]["outcome_unknown"], false);
        }
        let local = CliError::invalid_input("bad flag");
        assert_eq!(local.to_json()["error"]["outcome_unknown"], false);
        assert_eq!(local.to_json()["error"]["idempotency_key"], Value::Null);
        let e = CliError::from(Error::from(InvalidInput::new("api_key", "is required")));
        assert_eq!(e.exit_code, 2);
        assert_eq!(e.kind, "invalid_input");
        assert_eq!(
            e.line,
            "invalid input: api_key is required; pass --api-key or set EASY_API_KEY"
        );
        let e = CliError::from(Error::from(InvalidInput::new("return_url", "is not a URL")));
        assert_eq!(
            e.line, "invalid input: return_url is not a URL",
            "hints only for the key"
        );
    }

    /// How a keyed `create_session` (key `cart-1`, retries off) ends when its one attempt
    /// gets `reply`, or, for `None`, on a configuration without an API key.
    fn keyed_create(
        reply: Option<Result<easy_checkout_core::http::Response<Vec<u8>>, TransportError>>,
    ) -> Error {
        use easy_checkout_core::call::{Call, Machine, Now, Step};
        use easy_checkout_core::ops::{CreateSession, LineItem};
        use easy_checkout_core::{BaseUrl, Config, RetryPolicy};

        let config = match &reply {
            Some(_) => Config::new("sk_test_1".parse().unwrap()),
            None => Config::without_api_key(BaseUrl::parse("http://127.0.0.1:9").unwrap()),
        };
        let op = CreateSession::new(vec![LineItem::new("price_1", 1)], "https://shop.example/r")
            .with_idempotency_key("cart-1")
            .unwrap();
        let mut call = Call::new(&config, &op, RetryPolicy::never(), || 7);
        let now = Now::new(SystemTime::UNIX_EPOCH, Duration::ZERO);
        let step = match (call.next(), reply) {
            (Step::Send(_), Some(outcome)) => call.handle(outcome, now),
            (step, _) => step,
        };
        match step {
            Step::Done(Err(error)) => error,
            other => panic!("scripted to fail: {other:?}"),
        }
    }

    #[test]
    fn every_error_of_a_keyed_call_names_its_key_in_text_and_json() {
        use easy_checkout_core::http::Response;
        let status = |code: u16, body: &str| {
            let response = Response::builder()
                .status(code)
                .body(body.as_bytes().to_vec());
            Some(Ok(response.unwrap()))
        };
        let failed = |kind| Some(Err(TransportError::msg(kind, "scripted")));
        let unknown = "it may have taken effect: retry with --idempotency-key cart-1";
        let known = " (idempotency key cart-1)";
        let rows = [
            (None, "invalid_input", known),
            (failed(TransportErrorKind::Io), "transport", unknown),
            (failed(TransportErrorKind::Timeout), "timeout", unknown),
            (status(200, "<html>"), "decode", unknown),
            (status(400, ""), "invalid_request", known),
            (status(401, ""), "authentication", known),
            (status(403, ""), "permission", known),
            (status(404, ""), "not_found", known),
            (status(409, ""), "conflict", known),
            (status(429, ""), "rate_limited", known),
            (status(503, ""), "server", unknown),
            (status(302, ""), "api", unknown),
        ];
        for (reply, kind, says) in rows {
            let e = CliError::from(keyed_create(reply));
            assert_eq!(e.kind, kind);
            assert_eq!(e.to_json()["error"]["idempotency_key"], "cart-1", "{kind}");
            assert!(e.line.contains(says), "{kind}: {}", e.line);
        }
    }
}
