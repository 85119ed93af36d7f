//! The control API's webhook routes, under `/__fake/webhooks`: the endpoints (register, list,
//! remove), the delivery log, waiting for the deliveries to settle, and delivery faults.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{decode, faults, invalid, kind, number, object, optional_str, times, unrouted};
use crate::api;
use crate::endpoint::{EndpointError, EndpointUrl};
use crate::fault::{DeliveryFault, EventMatch};
use crate::record::{DeliveryAttempt, WebhookEndpoint};
use crate::reply::Reply;
use crate::state::Shared;
use crate::state::deliveries::MAX_ATTEMPTS;
use crate::util::iso8601;

/// The longest `POST /__fake/webhooks/wait` waits, in milliseconds: ten minutes.
const MAX_WAIT_MS: u64 = 600_000;
/// How long it waits when the body does not say.
const DEFAULT_WAIT_MS: u64 = 10_000;

/// Answers the webhook request `method` `path`, `rest` its segments after `webhooks`.
pub(super) fn route(
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
                "endpoints": deliveries.endpoints().iter().map(endpoint_json).collect::<Vec<_>>(),
                "deadline_ms": millis(deliveries.timing.deadline),
                "backoff_ms": millis(deliveries.timing.backoff),
                "max_attempts": MAX_ATTEMPTS,
                "pending": pending,
                "in_flight": in_flight,
            }))
        }
        ("POST", ["endpoints"]) => register(shared, body),
        ("GET", ["endpoints"]) => {
            let endpoints = shared.state().0.deliveries.endpoints();
            Reply::data(endpoints.iter().map(endpoint_json).collect())
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
            faults(&mut shared.state().0.deliveries.faults, method, || {
                parse_fault(body)
            })
        }
        (_, [] | ["endpoints" | "deliveries" | "wait" | "faults", ..]) => {
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
        Err(e @ EndpointError::TooMany { limit }) => Reply::error(
            409,
            "TOO_MANY_ENDPOINTS",
            e.to_string(),
            json!({ "limit": limit }),
        ),
        Err(e) => {
            let message = e.to_string();
            let reason = message.split_once(": ").map_or(&*message, |(_, why)| why);
            refused(message.clone(), reason)
        }
    }
}

/// `{"timeout_ms"?}`: how long to wait.
fn wait_ms(body: &[u8]) -> Result<u64, Reply> {
    if body.is_empty() {
        return Ok(DEFAULT_WAIT_MS);
    }
    let fields = object(body)?;
    match fields.get("timeout_ms") {
        None | Some(Value::Null) => Ok(DEFAULT_WAIT_MS),
        Some(_) => number(&fields, "timeout_ms", MAX_WAIT_MS),
    }
}

/// `{"kind", "times"?, "event_type"?, "session_id"?, "ms"?}` to the delivery fault, its
/// match and its count.
fn parse_fault(body: &[u8]) -> Result<(EventMatch, DeliveryFault, usize), Reply> {
    let fields = object(body)?;
    let times = times(&fields)?;
    let mut when = EventMatch::any();
    if let Some(event_type) = optional_str(&fields, "event_type")? {
        when = when.event_type(event_type);
    }
    if let Some(session) = optional_str(&fields, "session_id")? {
        when = when.session(session);
    }
    let ms =
        |fields: &Map<String, Value>| number(fields, "ms", u64::MAX).map(Duration::from_millis);
    let fault = match kind(&fields)? {
        "duplicate" => DeliveryFault::Duplicate,
        "delay" => DeliveryFault::Delay(ms(&fields)?),
        "out_of_order" => DeliveryFault::OutOfOrder,
        "replay" => DeliveryFault::Replay(ms(&fields)?),
        "drop_attempt" => DeliveryFault::DropAttempt,
        _ => {
            return Err(invalid(
                "kind",
                "must be one of duplicate, delay, out_of_order, replay, drop_attempt",
            ));
        }
    };
    Ok((when, fault, times))
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
