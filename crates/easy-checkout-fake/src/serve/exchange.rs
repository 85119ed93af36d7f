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

/// The action that answers the request `head` starts, and the rate-limit headers to send
/// with it (for an API request); `body` is `None` when it was too large to read. `counted` is
/// the connection's note for
/// [`Connections::carried_request`](crate::state::Connections::carried_request).
pub(super) fn answer(
    server: &Server,
    head: Head,
    body: Option<Vec<u8>>,
    peer: SocketAddr,
    counted: &mut Option<u64>,
) -> (Action, Option<RateLimit>) {
    if control::is_control(&head.target) {
        let (method, target, host) = (&head.method, &head.target, head.header("host"));
        let reply = control::answer(&server.shared, method, target, host, body.as_deref());
        return (reply.into(), None);
    }
    let too_large = body.is_none();
    let recorded = RecordedRequest {
        method: head.method,
        path: head.target,
        headers: head.headers,
        body: body.unwrap_or_default(),
        peer,
    };
    let (rate, fault) = {
        let (mut state, now) = server.shared.state();
        state.connections.carried_request(counted);
        let (method, target) = (&recorded.method, &recorded.path);
        let fault = state.faults.take(|when, _| when.matches(method, target));
        state.requests.push(recorded.clone());
        (Some(state.rate.tick(now)), fault)
    };
    if too_large {
        return (api::too_large().into(), rate);
    }
    let request = api::Request {
        method: &recorded.method,
        target: &recorded.path,
        headers: &recorded.headers,
        body: &recorded.body,
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
    (action, rate)
}
