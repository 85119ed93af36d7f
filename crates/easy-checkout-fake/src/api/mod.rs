//! The API's semantics, no sockets: a parsed request and the state in, a [`Reply`] out. Here
//! are routing, authentication, idempotency and [`pay`], the one way a session is paid.

mod endpoints;
pub(crate) mod views;

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use serde_json::{Value, json};

use crate::record::RecordedRequest;
use crate::reply::Reply;
use crate::state::State;
use crate::state::idempotency::Record;
use crate::state::sessions::Payment;

pub(crate) use endpoints::{DECLINE_TOKEN, PUBLIC_KEY};
pub(crate) use views::WEBHOOK_SECRET;

pub(crate) const REVOKED_KEY: &str = "sk_test_revoked";
/// Largest request body read; a larger one gets [`too_large`].
pub(crate) const MAX_BODY: u64 = 8 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    ValidateKey,
    Create,
    Validate,
    Confirm,
    Config,
    /// The raw (still percent-encoded) id segment.
    Retrieve(&'a str),
    CryptoStatus(&'a str),
}

impl Route<'_> {
    /// Routes on the raw target split on `/`, so an encoded `%2F` inside an id stays in its
    /// segment and can never reach another endpoint.
    fn of(target: &str) -> Option<Route<'_>> {
        let path = target.split(['?', '#']).next().unwrap_or_default();
        let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        Some(match segments.as_slice() {
            ["validate-key"] => Route::ValidateKey,
            ["embedded-checkout"] => Route::Create,
            ["embedded-checkout", "validate"] => Route::Validate,
            ["embedded-checkout", "confirm"] => Route::Confirm,
            ["embedded-checkout", "config"] => Route::Config,
            ["embedded-checkout", id] if !id.is_empty() => Route::Retrieve(id),
            ["embedded-checkout", id, "crypto-status"] if !id.is_empty() => Route::CryptoStatus(id),
            _ => return None,
        })
    }

    fn methods(self) -> &'static [&'static str] {
        match self {
            Route::Create | Route::Validate | Route::Confirm => &["POST"],
            Route::Config => &["GET", "PATCH"],
            Route::ValidateKey | Route::Retrieve(_) | Route::CryptoStatus(_) => &["GET"],
        }
    }
}

pub(crate) fn handle(state: &mut State, req: &RecordedRequest, now: SystemTime) -> Reply {
    let Some(route) = Route::of(&req.path) else {
        let message = format!("no route for {} {}", req.method, req.path);
        let details = json!({ "method": req.method, "path": req.path });
        return Reply::error(404, "ROUTE_NOT_FOUND", message, details);
    };
    let allowed = route.methods();
    if !allowed.contains(&&*req.method) {
        let message = format!("{} is not allowed here", req.method);
        let details = json!({ "allowed": allowed });
        let mut reply = Reply::error(405, "METHOD_NOT_ALLOWED", message, details);
        reply.headers.push(("Allow", allowed.join(", ")));
        return reply;
    }
    // Idempotency keys are scoped to the API key, or for the browser-side calls to the
    // session's secret.
    let scope = if matches!(route, Route::Validate | Route::Confirm) {
        let body = serde_json::from_slice::<Value>(&req.body).ok();
        let secret = body.as_ref().and_then(|v| v.get("client_secret")?.as_str());
        format!("secret:{}", secret.unwrap_or_default())
    } else {
        match authenticate(req) {
            Ok(key) => format!("key:{key}"),
            Err(reply) => return reply,
        }
    };
    let key = match &*req.method {
        "POST" | "PATCH" => req.header("idempotency-key").filter(|k| !k.is_empty()),
        _ => None,
    };
    let Some(key) = key else {
        return endpoints::answer(state, route, req, now);
    };
    if let Some(record) = state.idempotency.get(&scope, key) {
        let first = (&*record.method, &*record.target, &*record.body);
        if first == (&*req.method, &*req.path, &*req.body) {
            let mut reply = record.reply.clone();
            reply.headers.push(("Idempotent-Replayed", "true".into()));
            return reply;
        }
        let message = "this Idempotency-Key was already used for a different request";
        let details = json!({ "idempotency_key": key });
        return Reply::error(409, "IDEMPOTENCY_KEY_REUSED", message, details);
    }
    let reply = endpoints::answer(state, route, req, now);
    // Server errors are not remembered: retrying them with the same key runs again.
    if reply.status < 500 {
        let record = Record {
            method: req.method.clone(),
            target: req.path.clone(),
            body: req.body.clone(),
            reply: reply.clone(),
        };
        state.idempotency.insert(&scope, key, record, now);
    }
    reply
}

/// The API key, if the fake accepts it: `sk_test_X` or `sk_live_X` with a non-empty `X`,
/// except the revoked key.
fn authenticate(req: &RecordedRequest) -> Result<&str, Reply> {
    let key = req.header("x-easy-api-key").unwrap_or_default().trim();
    if key.is_empty() {
        let message = "the x-easy-api-key header is missing";
        let code = "AUTHENTICATION_REQUIRED";
        return Err(Reply::error(401, code, message, Value::Null));
    }
    if key_accepted(key) {
        return Ok(key);
    }
    let message = "the API key is not valid";
    Err(Reply::error(401, "INVALID_API_KEY", message, Value::Null))
}

fn key_accepted(key: &str) -> bool {
    let test = key.strip_prefix("sk_test_");
    let rest = test.or_else(|| key.strip_prefix("sk_live_"));
    let graphic = |rest: &str| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_graphic());
    key != REVOKED_KEY && rest.is_some_and(graphic)
}

/// The `413` for a body over [`MAX_BODY`], which is never read.
pub(crate) fn too_large() -> Reply {
    let message = format!("request bodies are limited to {MAX_BODY} bytes");
    Reply::error(413, "PAYLOAD_TOO_LARGE", message, Value::Null)
}

/// Pays session `id` and makes a delivery of each event that caused to every webhook endpoint,
/// due now by the real time (deliveries run on the wire's time, not the fake's clock). False
/// if the id is unknown.
pub(crate) fn pay(state: &mut State, id: &str, now: SystemTime, payment: Payment) -> bool {
    let Some(caused) = state.sessions.pay(id, now, payment) else {
        return false;
    };
    if !state.deliveries.has_endpoints() {
        return true;
    }
    let vocabulary = state.vocabulary;
    if let Some(session) = state.sessions.get(id, now) {
        let events: Vec<_> = (caused.into_iter())
            .filter_map(|kind| views::event(session, kind, vocabulary).map(Arc::new))
            .collect();
        if !events.is_empty() {
            state.deliveries.enqueue(&events, Instant::now());
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_ignore_the_query_and_need_an_origin_form_target() {
        assert_eq!(Route::of("/embedded-checkout?x=1"), Some(Route::Create));
        assert_eq!(Route::of("embedded-checkout"), None);
        assert_eq!(Route::of("*"), None);
    }
}
