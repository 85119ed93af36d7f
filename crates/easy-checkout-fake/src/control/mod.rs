//! The control API under `/__fake/`: what a Rust test does through [`FakeEasy`]'s methods,
//! over HTTP with JSON in and out, so tests in any language can drive the fake. Answered
//! only for a loopback `Host`. The webhook routes (`/__fake/webhooks/…`) are in `webhooks`.
//!
//! Control requests are not recorded, take no fault and count for no rate limit.
//!
//! [`FakeEasy`]: crate::FakeEasy

mod webhooks;

use std::time::Duration;

use easy_checkout_core::Vocabulary;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::api::{self, views};
use crate::fault::{Fault, Match};
use crate::record::{RecordedRequest, Stats, Usage};
use crate::reply::Reply;
use crate::state::Shared;
use crate::state::sessions::Payment;

/// Every control path starts with this.
const PREFIX: &str = "/__fake/";

/// The most faults one `POST /__fake/faults` may queue.
const MAX_TIMES: u64 = 100_000;

/// Whether a request target is for the control API.
pub(crate) fn is_control(target: &str) -> bool {
    target.starts_with(PREFIX)
}

/// Whether a `Host` header names this machine (`localhost`, `127.x.x.x`, `[::1]`, any port),
/// or is absent.
fn loopback_host(host: Option<&str>) -> bool {
    let Some(host) = host.map(str::trim) else {
        return true;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Answers one control request; `body` is `None` when it was too large to read.
pub(crate) fn answer(
    shared: &Shared,
    method: &str,
    target: &str,
    host: Option<&str>,
    body: Option<&[u8]>,
) -> Reply {
    // A page on another origin that resolves its name to 127.0.0.1 (DNS rebinding) must not
    // read the recorded requests, keys and all.
    if !loopback_host(host) {
        return Reply::error(
            403,
            "FORBIDDEN_HOST",
            "the control API answers only requests to a loopback host name",
            Value::Null,
        );
    }
    match body {
        Some(body) => route(shared, method, target, body),
        None => crate::api::too_large(),
    }
}

fn route(shared: &Shared, method: &str, target: &str, body: &[u8]) -> Reply {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let rest = &path[PREFIX.len()..];
    let segments: Vec<&str> = rest.split('/').collect();
    if let ["webhooks", rest @ ..] = segments.as_slice() {
        return webhooks::route(shared, method, path, rest, query, body);
    }
    let (mut state, now) = shared.state();
    let vocabulary = state.vocabulary;
    let view = |session| views::session_state(session, vocabulary);
    match (method, segments.as_slice()) {
        ("POST", ["faults"]) => match parse_fault(body) {
            Ok((matcher, fault, times)) => {
                state.faults.push(matcher, fault, times);
                ok(json!({ "queued": times, "pending": state.faults.len() }))
            }
            Err(reply) => reply,
        },
        ("GET", ["faults"]) => ok(json!({ "pending": state.faults.len() })),
        ("DELETE", ["faults"]) => {
            state.faults.clear();
            ok(json!({ "pending": 0 }))
        }
        ("GET", ["requests"]) => ok(state.requests.iter().map(request_json).collect()),
        ("DELETE", ["requests"]) => {
            state.requests.clear();
            ok(json!([]))
        }
        ("GET", ["stats"]) => ok(stats_json(&state.stats(), state.connections.served())),
        ("GET", ["sessions"]) => ok(state.sessions.all(now).into_iter().map(view).collect()),
        ("GET", ["sessions", id]) => {
            let id = decode(id);
            match state.sessions.get(&id, now) {
                Some(session) => ok(view(session)),
                None => unknown_session(&id),
            }
        }
        ("GET", ["sessions", id, "webhook"]) => {
            let id = decode(id);
            match state
                .sessions
                .get(&id, now)
                .and_then(|s| views::signed_webhook(s, vocabulary))
            {
                Some(hook) => ok(json!({
                    "header": easy_checkout_core::webhook::SIGNATURE_HEADER,
                    "signature": hook.signature,
                    "body": String::from_utf8_lossy(&hook.body),
                })),
                None => Reply::error(
                    404,
                    "NO_WEBHOOK",
                    "unknown or unpaid session: no webhook to deliver",
                    json!({ "session_id": id }),
                ),
            }
        }
        ("POST", ["sessions", id, action @ ("pay" | "crypto-pay" | "expire")]) => {
            let id = decode(id);
            let done = match *action {
                "pay" => api::pay(&mut state, &id, now, Payment::Card),
                "crypto-pay" => api::pay(&mut state, &id, now, Payment::Crypto),
                _ => state.sessions.expire(&id, now),
            };
            match done.then(|| state.sessions.get(&id, now)).flatten() {
                Some(session) => ok(view(session)),
                None => unknown_session(&id),
            }
        }
        ("GET", ["vocabulary"]) => ok(json!({ "vocabulary": vocabulary.as_str() })),
        ("PUT", ["vocabulary"]) => match parse_vocabulary(body) {
            Ok(vocabulary) => {
                state.vocabulary = vocabulary;
                ok(json!({ "vocabulary": vocabulary.as_str() }))
            }
            Err(reply) => reply,
        },
        ("POST", ["reset"]) => {
            drop(state);
            shared.reset();
            ok(json!({ "reset": true }))
        }
        (
            _,
            [
                "faults" | "requests" | "stats" | "sessions" | "vocabulary" | "reset",
                ..,
            ],
        ) => not_allowed(method, path),
        _ => no_route(method, path),
    }
}

/// `405 METHOD_NOT_ALLOWED` for a known control path.
pub(super) fn not_allowed(method: &str, path: &str) -> Reply {
    let message = format!("{method} is not allowed on {path}");
    Reply::error(405, "METHOD_NOT_ALLOWED", message, Value::Null)
}

/// `404 ROUTE_NOT_FOUND` for an unknown control path.
pub(super) fn no_route(method: &str, path: &str) -> Reply {
    Reply::error(
        404,
        "ROUTE_NOT_FOUND",
        format!("no control route {method} {path}"),
        json!({ "method": method, "path": path }),
    )
}

/// `GET /__fake/stats`: each bounded store's `kept`, `limit` and `dropped`, and the
/// connections.
fn stats_json(stats: &Stats, served: usize) -> Value {
    let usage = |u: &Usage| json!({ "kept": u.kept, "limit": u.limit, "dropped": u.dropped });
    json!({
        "requests": usage(&stats.requests),
        "sessions": usage(&stats.sessions),
        "idempotency_records": usage(&stats.idempotency_records),
        "deliveries": usage(&stats.deliveries),
        "pending_deliveries": usage(&stats.pending_deliveries),
        "connections": {
            "open": stats.connections_open,
            "limit": stats.max_connections,
            "refused": stats.connections_refused,
            "served": served,
        },
    })
}

pub(super) fn ok(data: Value) -> Reply {
    Reply::data(data)
}

pub(super) fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

fn unknown_session(id: &str) -> Reply {
    Reply::error(
        404,
        "SESSION_NOT_FOUND",
        format!("no session {id}"),
        json!({ "session_id": id }),
    )
}

fn request_json(r: &RecordedRequest) -> Value {
    json!({
        "method": r.method,
        "path": r.path,
        "headers": r.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
        "body": String::from_utf8_lossy(&r.body),
        "json": r.json(),
        "peer": r.peer.to_string(),
    })
}

/// A `400 INVALID_FAULT` naming `field`.
pub(super) fn invalid(field: &str, reason: &str) -> Reply {
    Reply::error(
        400,
        "INVALID_FAULT",
        format!("{field} {reason}"),
        json!({ "field": field, "reason": reason }),
    )
}

/// The body as a JSON object, or a `400 INVALID_FAULT` naming `body`.
pub(super) fn object(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        _ => Err(invalid("body", "must be a JSON object")),
    }
}

/// A fault's `times`: `1` when absent.
pub(super) fn times(fields: &Map<String, Value>) -> Result<usize, Reply> {
    match fields.get("times") {
        None | Some(Value::Null) => Ok(1),
        Some(v) => match v.as_u64() {
            Some(n) if n <= MAX_TIMES => Ok(n as usize),
            _ => Err(invalid(
                "times",
                &format!("must be an integer from 0 to {MAX_TIMES}"),
            )),
        },
    }
}

/// `{"vocabulary": "sdk" | "reference"}` to the vocabulary, or `400 INVALID_VOCABULARY`.
fn parse_vocabulary(body: &[u8]) -> Result<Vocabulary, Reply> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("vocabulary")?.as_str()?.parse().ok())
        .ok_or_else(|| {
            Reply::error(
                400,
                "INVALID_VOCABULARY",
                "the body must be {\"vocabulary\": \"sdk\"} or {\"vocabulary\": \"reference\"}",
                Value::Null,
            )
        })
}

/// `{"kind", "times"?, "method"?, "path"?, …}` to the fault, its match and its count.
fn parse_fault(body: &[u8]) -> Result<(Match, Fault, usize), Reply> {
    let fields = object(body)?;
    let times = times(&fields)?;
    let mut matcher = Match::any();
    if let Some(method) = optional_str(&fields, "method")? {
        matcher = matcher.method(method);
    }
    if let Some(path) = optional_str(&fields, "path")? {
        if !path.starts_with('/') {
            return Err(invalid("path", "must start with /"));
        }
        matcher = matcher.path(path);
    }
    let kind = optional_str(&fields, "kind")?.ok_or_else(|| invalid("kind", "is required"))?;
    let fault = match kind {
        "status" => Fault::Status {
            status: status(&fields)?,
            retry_after: optional_str(&fields, "retry_after")?.map(str::to_owned),
            body: optional_str(&fields, "body")?.map(str::to_owned),
        },
        "delay" => Fault::Delay(Duration::from_millis(number(&fields, "ms", u64::MAX)?)),
        "close" => Fault::Close,
        "close_mid_body" => Fault::CloseMidBody,
        "not_json" => Fault::NotJson,
        "oversized" => Fault::Oversized(number(&fields, "bytes", 1 << 40)? as usize),
        "redirect" => Fault::Redirect(
            optional_str(&fields, "location")?
                .ok_or_else(|| invalid("location", "is required"))?
                .to_owned(),
        ),
        "lose_reply" => Fault::LoseReply,
        "status_after_effect" => Fault::StatusAfterEffect(status(&fields)?),
        _ => {
            return Err(invalid(
                "kind",
                "must be one of status, delay, close, close_mid_body, not_json, oversized, \
                 redirect, lose_reply, status_after_effect",
            ));
        }
    };
    Ok((matcher, fault, times))
}

pub(super) fn optional_str<'a>(
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, Reply> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(name, "must be a string")),
    }
}

pub(super) fn number(fields: &Map<String, Value>, name: &str, max: u64) -> Result<u64, Reply> {
    match fields.get(name).and_then(Value::as_u64) {
        Some(n) if n <= max => Ok(n),
        _ => Err(invalid(
            name,
            &format!("is required and must be an integer from 0 to {max}"),
        )),
    }
}

fn status(fields: &Map<String, Value>) -> Result<u16, Reply> {
    match fields.get("status").and_then(Value::as_u64) {
        Some(n @ 100..=999) => Ok(n as u16),
        _ => Err(invalid(
            "status",
            "is required and must be an integer from 100 to 999",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::loopback_host;

    #[test]
    fn only_loopback_host_names_reach_the_control_api() {
        for host in [
            None,
            Some("localhost"),
            Some("LOCALHOST:4010"),
            Some("127.0.0.1:80"),
            Some("127.9.9.9"),
            Some("[::1]:4010"),
        ] {
            assert!(loopback_host(host), "{host:?}");
        }
        for host in [
            Some("evil.example"),
            Some("evil.example:4010"),
            Some("10.0.0.1"),
            Some("localhost.evil.example"),
            Some("[::2]"),
            Some(""),
        ] {
            assert!(!loopback_host(host), "{host:?}");
        }
    }
}
