//! The delivery engine: one thread that waits for the next attempt to fall due and starts
//! each on a thread of its own, and the HTTP client that makes an attempt (`client`).
//! Nothing here decides what is due, retried or logged: the state's deliveries do, hand out
//! the due attempts (one at a time per endpoint) and hear back how each ended. Deliveries
//! run beside the API, never on its request path: a slow or dead endpoint delays no reply.
//!
//! Dropping the [`Deliverer`] stops it: attempts under way are cut (one still connecting
//! finishes its connect, within its deadline), and every thread is joined.
//!
//! What a delivery looks like is public too ([`webhook_request`], [`sample_event`]), for
//! `easy-checkout webhook send` and for tests that call a handler themselves.

mod client;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime};

use easy_checkout_core::http;
use easy_checkout_core::webhook::{self, WebhookSecret};

use crate::api::views;
use crate::record::{delivery_headers, delivery_request};
use crate::state::Shared;
use crate::state::deliveries::{Attempt, Made, Outcome};
use crate::util::{self, Sockets, Threads, time_left, uuid_v4};

/// A fake's delivery engine, running until dropped.
#[derive(Debug)]
pub(crate) struct Deliverer(Arc<Engine>);

#[derive(Debug)]
struct Engine {
    shared: Arc<Shared>,
    stop: AtomicBool,
    /// The connections of the attempts under way.
    sockets: Sockets,
    /// The scheduler and the attempts' threads.
    threads: Threads,
}

impl Deliverer {
    /// Starts delivering what `shared`'s deliveries hand out.
    pub(crate) fn start(shared: Arc<Shared>) -> io::Result<Self> {
        let engine = Arc::new(Engine {
            shared,
            stop: AtomicBool::new(false),
            sockets: Sockets::default(),
            threads: Threads::default(),
        });
        let scheduling = Arc::clone(&engine);
        (engine.threads).spawn("easy-fake-deliver", move || scheduling.schedule())?;
        Ok(Self(engine))
    }
}

impl Drop for Deliverer {
    fn drop(&mut self) {
        {
            // Under the lock the scheduler checks the flag under, so it cannot miss it.
            let (mut state, _) = self.0.shared.state();
            self.0.stop.store(true, Ordering::SeqCst);
            state.deliveries.poke();
        }
        self.0.sockets.shut_all();
        self.0.threads.join_all();
    }
}

impl Engine {
    /// Starts each attempt as it falls due, until the fake stops.
    fn schedule(self: &Arc<Self>) {
        let (mut state, _) = self.shared.state();
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            let (due, wake) = state.deliveries.take_due(Instant::now());
            if due.is_empty() {
                // Until the next attempt falls due, or the deliveries change.
                state = state.wait(time_left(wake).unwrap_or_default());
                continue;
            }
            drop(state);
            for attempt in due {
                self.start(attempt);
            }
            state = self.shared.state().0;
        }
    }

    /// Makes `attempt` on a thread of its own (on this one, should no thread start).
    fn start(self: &Arc<Self>, attempt: Attempt) {
        let (engine, copy) = (Arc::clone(self), attempt.clone());
        let spawned = (self.threads).spawn("easy-fake-attempt", move || engine.attempt(copy));
        if spawned.is_err() {
            self.attempt(attempt);
        }
    }

    /// Makes one attempt and tells the deliveries how it ended.
    fn attempt(&self, attempt: Attempt) {
        let started_at = self.shared.now();
        let started = Instant::now();
        let delivery_id = uuid_v4();
        let outcome = if attempt.dropped {
            Outcome::Failed("dropped by a delivery fault: not sent".to_owned())
        } else {
            let event = &attempt.event;
            let number = attempt.attempt.to_string();
            let kind = event.kind.as_str();
            let headers = delivery_headers(&event.signature, kind, &delivery_id, &number);
            let deadline = attempt.deadline;
            client::post(&attempt.url, &headers, &event.body, deadline, &self.sockets)
        };
        let made = Made {
            delivery_id,
            started_at,
            duration: started.elapsed(),
        };
        let (mut state, _) = self.shared.state();
        state
            .deliveries
            .finish(attempt, made, outcome, Instant::now());
    }
}

/// One webhook delivery of `body`, as Easy (and the fake) makes it, for you to send: `POST
/// uri` with `content-type: application/json`, `x-easy-webhook-signature: sha256=<hex>` (the
/// body signed under `secret`), `x-easy-event: event_type`, a new `x-easy-delivery-id` and
/// `x-easy-webhook-attempt: attempt`. Fails when `uri` is not a URI or `event_type` cannot be
/// a header value.
///
/// ```
/// use easy_checkout_core::webhook::{self, WebhookSecret};
/// use easy_checkout_fake::{sample_event, webhook_request};
///
/// let secret = WebhookSecret::new("whsec_dev");
/// let body = sample_event("checkout.session.completed", "ecs_1", None);
/// let request = webhook_request("http://127.0.0.1:3000/webhooks", "checkout.session.completed", body, &secret, 1)?;
/// // … send it with any client; your handler sees what Easy sends:
/// let signature = request.headers()["x-easy-webhook-signature"].to_str()?;
/// let event = webhook::verify(&secret, Some(signature), request.body())?;
/// assert_eq!(event.data["id"], "ecs_1");
/// assert_eq!(request.headers()["x-easy-webhook-attempt"], "1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn webhook_request(
    uri: &str,
    event_type: &str,
    body: Vec<u8>,
    secret: &WebhookSecret,
    attempt: u8,
) -> Result<http::Request<Vec<u8>>, http::Error> {
    let signature = webhook::sign(secret, &body);
    delivery_request(uri, body, &signature, event_type, &attempt.to_string())
}

/// The body of a webhook event of the shape the fake delivers, about a session the fake need
/// not know: `{id, type, data, created_at}`, `data` being `{id: session_id, status:
/// "complete", payment_status: "succeeded"}`, `created_at` now, `id` `event_id` or a new
/// `evt_…`. Sign it with [`webhook::sign`], or send it with [`webhook_request`].
pub fn sample_event(event_type: &str, session_id: &str, event_id: Option<&str>) -> Vec<u8> {
    let id = event_id.map_or_else(util::event_id, str::to_owned);
    views::sample_event(&id, event_type, session_id, SystemTime::now())
}
