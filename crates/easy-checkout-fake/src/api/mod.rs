//! The API's semantics: a parsed request and the state in, a [`Reply`] out. Here are the
//! routes, authentication and idempotency every endpoint shares, and [`pay`], the one way a
//! session is paid (by a confirm, or by the control API); the endpoints are in `endpoints`,
//! and what the stored state looks like as JSON in `views`. No sockets: the caller passes
//! the clock's reading.

mod endpoints;
mod request;
pub(crate) mod views;

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use serde_json::{Value, json};

use crate::reply::Reply;
use crate::state::State;
use crate::state::idempotency::Record;
use crate::state::sessions::Payment;

pub(crate) use endpoints::{DECLINE_TOKEN, PUBLIC_KEY};
pub(crate) use request::{MAX_BODY, REVOKED_KEY, Request, too_large};
pub(crate) use views::WEBHOOK_SECRET;

use request::{Route, authenticate};

/// Answers one API request.
pub(crate) fn handle(state: &mut State, req: &Request<'_>, now: SystemTime) -> Reply {
    let Some(route) = Route::of(req.target) else {
        return Reply::error(
            404,
            "ROUTE_NOT_FOUND",
            format!("no route for {} {}", req.method, req.target),
            json!({ "method": req.method, "path": req.target }),
        );
    };
    let allowed = route.methods();
    if !allowed.contains(&req.method) {
        let mut reply = Reply::error(
            405,
            "METHOD_NOT_ALLOWED",
            format!("{} is not allowed here", req.method),
            json!({ "allowed": allowed }),
        );
        reply.headers.push(("Allow", allowed.join(", ")));
        return reply;
    }
    let scope = if route.needs_key() {
        match authenticate(req) {
            Ok(key) => format!("key:{key}"),
            Err(reply) => return reply,
        }
    } else {
        // Browser-side calls: idempotency keys are scoped to the session's secret.
        let secret = serde_json::from_slice::<Value>(req.body)
            .ok()
            .and_then(|v| v.get("client_secret")?.as_str().map(str::to_owned))
            .unwrap_or_default();
        format!("secret:{secret}")
    };
    let idempotency_key = match req.method {
        "POST" | "PATCH" => req.header("idempotency-key").filter(|k| !k.is_empty()),
        _ => None,
    };
    let Some(key) = idempotency_key else {
        return endpoints::answer(state, route, req, now);
    };
    if let Some(record) = state.idempotency.get(&scope, key) {
        if record.same_request(req.method, req.target, req.body) {
            let mut reply = record.reply.clone();
            reply
                .headers
                .push(("Idempotent-Replayed", "true".to_owned()));
            return reply;
        }
        return Reply::error(
            409,
            "IDEMPOTENCY_KEY_REUSED",
            "this Idempotency-Key was already used for a different request",
            json!({ "idempotency_key": key }),
        );
    }
    let reply = endpoints::answer(state, route, req, now);
    // Server errors are not remembered: retrying them with the same key runs again.
    if reply.status < 500 {
        let record = Record {
            method: req.method.to_owned(),
            target: req.target.to_owned(),
            body: req.body.to_vec(),
            reply: reply.clone(),
        };
        state.idempotency.insert(&scope, key, record, now);
    }
    reply
}

/// Pays session `id` as a successful confirm does (or with a confirmed on-chain payment too),
/// and makes a delivery of each event the payment caused to every webhook endpoint, due now
/// (by the real time: deliveries run on the wire's time, not the fake's clock). False if the
/// id is unknown.
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
