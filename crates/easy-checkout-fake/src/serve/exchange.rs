//! One request, read off a connection, to the action that answers it. A control request goes
//! to the control API. An API request is recorded and counted in the rate-limit window,
//! takes the first queued fault aimed at it, and is answered as that fault's plan says.

use std::net::SocketAddr;

use super::Server;
use crate::api;
use crate::control;
use crate::fault::Plan;
use crate::http1::Head;
use crate::record::RecordedRequest;
use crate::reply::Action;
use crate::state::rate::RateLimit;

/// How to answer one request.
pub(super) struct Answer {
    pub(super) action: Action,
    /// The rate-limit headers to send, for an API request.
    pub(super) rate: Option<RateLimit>,
    /// Whether the connection may stay open after it.
    pub(super) keep_alive: bool,
}

/// Answers the request `head` starts; `body` is `None` when it was too large to read.
/// `counted` is the connection's note for
/// [`Connections::carried_request`](crate::state::Connections::carried_request).
pub(super) fn answer(
    server: &Server,
    head: Head,
    body: Option<Vec<u8>>,
    peer: SocketAddr,
    counted: &mut Option<u64>,
) -> Answer {
    let keep_alive = head.keep_alive() && body.is_some();
    if control::is_control(&head.target) {
        let reply = control::answer(
            &server.shared,
            &head.method,
            &head.target,
            head.header("host"),
            body.as_deref(),
        );
        return Answer {
            action: reply.into(),
            rate: None,
            keep_alive,
        };
    }

    let Head {
        method,
        target,
        headers,
        ..
    } = head;
    let (rate, fault) = {
        let (mut state, now) = server.shared.state();
        state.connections.carried_request(counted);
        state.requests.push(RecordedRequest {
            method: method.clone(),
            path: target.clone(),
            headers: headers.clone(),
            body: body.clone().unwrap_or_default(),
            peer,
        });
        let rate = state.rate.tick(now);
        let fault = state.faults.take(|when, _| when.matches(&method, &target));
        (rate, fault)
    };
    let Some(body) = body else {
        return Answer {
            action: api::too_large().into(),
            rate: Some(rate),
            keep_alive,
        };
    };
    let request = api::Request {
        method: &method,
        target: &target,
        headers: &headers,
        body: &body,
    };
    let handle = || {
        let (mut state, now) = server.shared.state();
        api::handle(&mut state, &request, now)
    };
    let action = match fault.map(|fault| fault.plan()) {
        None => handle().into(),
        Some(Plan::Wait(duration)) => {
            server.sleep(duration);
            handle().into()
        }
        Some(Plan::Instead(action)) => action,
        Some(Plan::AfterEffect(action)) => {
            handle();
            action
        }
    };
    Answer {
        action,
        rate: Some(rate),
        keep_alive,
    }
}
