//! The control API under `/__fake/`, whose routes the crate docs list.

use std::time::Duration;

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::api::{self, views};
use crate::endpoint::{EndpointError, EndpointUrl};
use crate::fault::{DeliveryFault, EventMatch, Fault, Match, Queue};
use crate::record::{DeliveryAttempt, RecordedRequest, Stats, Usage, WebhookEndpoint};
use crate::reply::Reply;
use crate::state::Shared;
use crate::state::deliveries::MAX_ATTEMPTS;
use crate::state::sessions::Payment;
use crate::util::iso8601;

const PREFIX: &str = "/__fake/";

/// A control request's JSON body.
type Fields = Map<String, Value>;

/// The most faults one request may queue.
const MAX_TIMES: u64 = 100_000;
/// The longest `POST /__fake/webhooks/wait` waits (ten minutes), and how long without a
/// `timeout_ms`, in milliseconds.
const MAX_WAIT_MS: u64 = 600_000;
const DEFAULT_WAIT_MS: u64 = 10_000;

pub(crate) fn is_control(target: &str) -> bool {
    target.starts_with(PREFIX)
}

/// Whether a `Host` header is absent or names this machine (`localhost`, `127.x.x.x`, `[::1]`).
fn loopback_host(host: Option<&str>) -> bool {
    let Some(host) = host.map(str::trim) else {
        return true;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    name.eq_ignore_ascii_case("localhost")
        || (name.parse::<std::net::IpAddr>()).is_ok_and(|ip| ip.is_loopback())
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
        let message = "the control API answers only requests to a loopback host name";
        return Reply::error(403, "FORBIDDEN_HOST", message, Value::Null);
    }
    let Some(body) = body else {
        return api::too_large();
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segments: Vec<&str> = path[PREFIX.len()..].split('/').collect();
    if let ["webhooks", rest @ ..] = segments.as_slice() {
        return webhooks(shared, method, path, rest, query, body);
    }
    let (mut state, now) = shared.state();
    let vocabulary = state.vocabulary;
    let view = |session| views::session_state(session, vocabulary);
    match (method, segments.as_slice()) {
        ("POST" | "GET" | "DELETE", ["faults"]) => {
            faults(&mut state.faults, method, body, parse_fault)
        }
        ("GET", ["requests"]) => Reply::data(state.requests.iter().map(request_json).collect()),
        ("DELETE", ["requests"]) => {
            state.requests.clear();
            Reply::data(json!([]))
        }
        ("GET", ["stats"]) => Reply::data(stats_json(&state.stats(), state.connections.served)),
        ("GET", ["sessions"]) => {
            Reply::data(state.sessions.all(now).into_iter().map(view).collect())
        }
        ("GET", ["sessions", id]) => {
            let id = decode(id);
            let session = state.sessions.get(&id, now);
            session.map_or_else(|| unknown_session(&id), |s| Reply::data(view(s)))
        }
        ("GET", ["sessions", id, "webhook"]) => {
            let id = decode(id);
            let session = state.sessions.get(&id, now);
            match session.and_then(|s| views::signed_webhook(s, vocabulary)) {
                Some(hook) => Reply::data(json!({
                    "header": easy_checkout_core::webhook::SIGNATURE_HEADER,
                    "signature": hook.signature,
                    "body": String::from_utf8_lossy(&hook.body),
                })),
                None => {
                    let message = "unknown or unpaid session: no webhook to deliver";
                    Reply::error(404, "NO_WEBHOOK", message, json!({ "session_id": id }))
                }
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
                Some(session) => Reply::data(view(session)),
                None => unknown_session(&id),
            }
        }
        ("GET", ["vocabulary"]) => Reply::data(json!({ "vocabulary": vocabulary.as_str() })),
        ("PUT", ["vocabulary"]) => {
            let parsed = serde_json::from_slice::<Value>(body).ok();
            match parsed.and_then(|v| v.get("vocabulary")?.as_str()?.parse().ok()) {
                Some(vocabulary) => {
                    state.vocabulary = vocabulary;
                    Reply::data(json!({ "vocabulary": vocabulary.as_str() }))
                }
                None => {
                    let message =
                        r#"the body must be {"vocabulary": "sdk"} or {"vocabulary": "reference"}"#;
                    Reply::error(400, "INVALID_VOCABULARY", message, Value::Null)
                }
            }
        }
        ("POST", ["reset"]) => {
            drop(state);
            shared.reset();
            Reply::data(json!({ "reset": true }))
        }
        _ => {
            let known = matches!(
                segments.as_slice(),
                ["faults" | "requests" | "stats" | "sessions" | "vocabulary" | "reset"]
                    | ["sessions", _]
                    | ["sessions", _, "webhook" | "pay" | "crypto-pay" | "expire"]
            );
            unrouted(method, path, known)
        }
    }
}

/// The fault routes of `queue`: `POST` queues what `parse` reads from the body (with its
/// `times`), `GET` counts the pending faults, `DELETE` drops them.
fn faults<M: Clone, F: Clone>(
    queue: &mut Queue<M, F>,
    method: &str,
    body: &[u8],
    parse: fn(&Fields) -> Result<(M, F), Reply>,
) -> Reply {
    match method {
        "POST" => match object(body).and_then(|f| Ok((times(&f)?, parse(&f)?))) {
            Ok((times, (when, fault))) => {
                queue.push(when, fault, times);
                Reply::data(json!({ "queued": times, "pending": queue.len() }))
            }
            Err(reply) => reply,
        },
        "DELETE" => {
            queue.clear();
            Reply::data(json!({ "pending": 0 }))
        }
        _ => Reply::data(json!({ "pending": queue.len() })),
    }
}

/// `405 METHOD_NOT_ALLOWED` for a `known` control path, else `404 ROUTE_NOT_FOUND`.
fn unrouted(method: &str, path: &str, known: bool) -> Reply {
    if known {
        let message = format!("{method} is not allowed on {path}");
        return Reply::error(405, "METHOD_NOT_ALLOWED", message, Value::Null);
    }
    let message = format!("no control route {method} {path}");
    let details = json!({ "method": method, "path": path });
    Reply::error(404, "ROUTE_NOT_FOUND", message, details)
}

fn unknown_session(id: &str) -> Reply {
    let (message, details) = (format!("no session {id}"), json!({ "session_id": id }));
    Reply::error(404, "SESSION_NOT_FOUND", message, details)
}

fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// `GET /__fake/stats`.
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

/// `{"kind", "method"?, "path"?, …}` to the fault and its match.
fn parse_fault(fields: &Fields) -> Result<(Match, Fault), Reply> {
    let mut matcher = Match::any();
    if let Some(method) = optional_str(fields, "method")? {
        matcher = matcher.method(method);
    }
    if let Some(path) = optional_str(fields, "path")? {
        if !path.starts_with('/') {
            return Err(invalid("path", "must start with /"));
        }
        matcher = matcher.path(path);
    }
    let string = |name| Ok(optional_str(fields, name)?.map(str::to_owned));
    let status = || Ok(number(fields, "status", 100, 999)? as u16);
    let fault = match kind(fields)? {
        "status" => Fault::Status {
            status: status()?,
            retry_after: string("retry_after")?,
            body: string("body")?,
        },
        "delay" => Fault::Delay(Duration::from_millis(number(fields, "ms", 0, u64::MAX)?)),
        "close" => Fault::Close,
        "close_mid_body" => Fault::CloseMidBody,
        "not_json" => Fault::NotJson,
        "oversized" => Fault::Oversized(number(fields, "bytes", 0, 1 << 40)? as usize),
        "redirect" => {
            Fault::Redirect(string("location")?.ok_or_else(|| invalid("location", "is required"))?)
        }
        "lose_reply" => Fault::LoseReply,
        "status_after_effect" => Fault::StatusAfterEffect(status()?),
        _ => {
            let kinds = "status, delay, close, close_mid_body, not_json, oversized, redirect, \
                         lose_reply, status_after_effect";
            return Err(invalid("kind", &format!("must be one of {kinds}")));
        }
    };
    Ok((matcher, fault))
}

/// A `400 INVALID_FAULT` naming `field`.
fn invalid(field: &str, reason: &str) -> Reply {
    let details = json!({ "field": field, "reason": reason });
    Reply::error(400, "INVALID_FAULT", format!("{field} {reason}"), details)
}

fn object(body: &[u8]) -> Result<Fields, Reply> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        _ => Err(invalid("body", "must be a JSON object")),
    }
}

fn kind(fields: &Fields) -> Result<&str, Reply> {
    optional_str(fields, "kind")?.ok_or_else(|| invalid("kind", "is required"))
}

/// A fault's `times`: `1` when absent.
fn times(fields: &Fields) -> Result<usize, Reply> {
    optional_number(fields, "times", 1, MAX_TIMES).map(|n| n as usize)
}

/// The optional field `name`, an integer from 0 to `max`: `default` when absent or null.
fn optional_number(fields: &Fields, name: &str, default: u64, max: u64) -> Result<u64, Reply> {
    let value = fields.get(name).filter(|v| !v.is_null());
    match value.map_or(Some(default), Value::as_u64) {
        Some(n) if n <= max => Ok(n),
        _ => Err(invalid(
            name,
            &format!("must be an integer from 0 to {max}"),
        )),
    }
}

fn optional_str<'a>(fields: &'a Fields, name: &str) -> Result<Option<&'a str>, Reply> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(name, "must be a string")),
    }
}

fn number(fields: &Fields, name: &str, min: u64, max: u64) -> Result<u64, Reply> {
    match fields.get(name).and_then(Value::as_u64) {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => {
            let reason = format!("is required and must be an integer from {min} to {max}");
            Err(invalid(name, &reason))
        }
    }
}

/// The routes under `/__fake/webhooks`; `rest` is the path's segments after `webhooks`.
fn webhooks(
    shared: &Shared,
    method: &str,
    path: &str,
    rest: &[&str],
    query: &str,
    body: &[u8],
) -> Reply {
    match (method, rest) {
        ("GET", []) => {
            let (state, _) = shared.state();
            let deliveries = &state.deliveries;
            let (pending, in_flight) = deliveries.backlog();
            Reply::data(json!({
                "secret": api::WEBHOOK_SECRET,
                "endpoints": endpoints_json(deliveries.endpoints()),
                "deadline_ms": millis(deliveries.timing.deadline),
                "backoff_ms": millis(deliveries.timing.backoff),
                "max_attempts": MAX_ATTEMPTS,
                "pending": pending,
                "in_flight": in_flight,
            }))
        }
        ("POST", ["endpoints"]) => register(shared, body),
        ("GET", ["endpoints"]) => {
            Reply::data(endpoints_json(shared.state().0.deliveries.endpoints()))
        }
        ("DELETE", ["endpoints", id]) => {
            let id = decode(id);
            if shared.state().0.deliveries.remove_endpoint(&id) {
                return Reply::data(json!({ "removed": id }));
            }
            let message = format!("no webhook endpoint {id}");
            let details = json!({ "endpoint_id": id });
            Reply::error(404, "ENDPOINT_NOT_FOUND", message, details)
        }
        ("GET", ["deliveries"]) => {
            let filters = filters(query);
            let state = shared.state().0;
            let attempts = state.deliveries.log.iter().filter(|a| {
                filters.iter().all(|(name, want)| match name.as_str() {
                    "event_id" => a.event_id == *want,
                    "session_id" => a.session_id == *want,
                    "endpoint_id" => a.endpoint_id == *want,
                    _ => true,
                })
            });
            Reply::data(attempts.map(attempt_json).collect())
        }
        ("POST", ["wait"]) => {
            let timeout = match wait_ms(body) {
                Ok(ms) => Duration::from_millis(ms),
                Err(reply) => return reply,
            };
            let settled = shared.wait_for_deliveries(timeout);
            let (pending, in_flight) = shared.state().0.deliveries.backlog();
            Reply::data(json!({ "settled": settled, "pending": pending, "in_flight": in_flight }))
        }
        ("POST" | "GET" | "DELETE", ["faults"]) => {
            let queue = &mut shared.state().0.deliveries.faults;
            faults(queue, method, body, parse_delivery_fault)
        }
        (_, [] | ["endpoints" | "deliveries" | "wait" | "faults"] | ["endpoints", _]) => {
            unrouted(method, path, true)
        }
        _ => unrouted(method, path, false),
    }
}

/// `POST /__fake/webhooks/endpoints` `{"url"}`.
fn register(shared: &Shared, body: &[u8]) -> Reply {
    let refused = |message: String, reason: &str| {
        let details = json!({ "field": "url", "reason": reason });
        Reply::error(400, "INVALID_ENDPOINT", message, details)
    };
    let url = match object(body) {
        Ok(fields) => fields.get("url").and_then(Value::as_str).map(str::to_owned),
        Err(reply) => return reply,
    };
    let Some(url) = url else {
        let reason = "is required and must be a string";
        return refused(format!("url {reason}"), reason);
    };
    match EndpointUrl::parse(&url).and_then(|url| shared.state().0.deliveries.add_endpoint(url)) {
        Ok(endpoint) => Reply::data(endpoint_json(&endpoint)),
        Err(e @ EndpointError::TooMany { limit }) => {
            let details = json!({ "limit": limit });
            Reply::error(409, "TOO_MANY_ENDPOINTS", e.to_string(), details)
        }
        Err(e) => {
            let message = e.to_string();
            let reason = message.split_once(": ").map_or(&*message, |(_, why)| why);
            refused(message.clone(), reason)
        }
    }
}

/// `{"timeout_ms"?}`: how long to wait.
fn wait_ms(body: &[u8]) -> Result<u64, Reply> {
    let fields = if body.is_empty() {
        Map::new()
    } else {
        object(body)?
    };
    optional_number(&fields, "timeout_ms", DEFAULT_WAIT_MS, MAX_WAIT_MS)
}

/// `{"kind", "event_type"?, "session_id"?, "ms"?}` to the delivery fault and its match.
fn parse_delivery_fault(fields: &Fields) -> Result<(EventMatch, DeliveryFault), Reply> {
    let mut when = EventMatch::any();
    if let Some(event_type) = optional_str(fields, "event_type")? {
        when = when.event_type(event_type);
    }
    if let Some(session) = optional_str(fields, "session_id")? {
        when = when.session(session);
    }
    let ms = |fields| number(fields, "ms", 0, u64::MAX).map(Duration::from_millis);
    let fault = match kind(fields)? {
        "duplicate" => DeliveryFault::Duplicate,
        "delay" => DeliveryFault::Delay(ms(fields)?),
        "out_of_order" => DeliveryFault::OutOfOrder,
        "replay" => DeliveryFault::Replay(ms(fields)?),
        "drop_attempt" => DeliveryFault::DropAttempt,
        _ => {
            let kinds = "duplicate, delay, out_of_order, replay, drop_attempt";
            return Err(invalid("kind", &format!("must be one of {kinds}")));
        }
    };
    Ok((when, fault))
}

/// The `name=value` pairs of a query, decoded.
fn filters(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (decode(name), decode(&value.replace('+', " "))))
        .collect()
}

fn endpoint_json(endpoint: &WebhookEndpoint) -> Value {
    json!({ "id": endpoint.id, "url": endpoint.url })
}

fn endpoints_json(endpoints: Vec<WebhookEndpoint>) -> Value {
    endpoints.iter().map(endpoint_json).collect()
}

fn attempt_json(a: &DeliveryAttempt) -> Value {
    json!({
        "event_id": a.event_id,
        "event_type": a.event_type,
        "session_id": a.session_id,
        "endpoint_id": a.endpoint_id,
        "url": a.url,
        "attempt": a.attempt,
        "delivery_id": a.delivery_id,
        "status": a.status,
        "error": a.error,
        "duration_ms": a.duration.as_secs_f64() * 1000.0,
        "started_at": iso8601(a.started_at),
        "verdict": a.verdict.as_str(),
    })
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
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
