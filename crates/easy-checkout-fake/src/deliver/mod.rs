//! The delivery engine: a thread that starts each attempt as it falls due on a thread of its
//! own, and the HTTP client of an attempt (`client`). It decides nothing: the state's
//! deliveries hand out the due attempts and hear back how each ended. Deliveries run beside
//! the API, never on its request path: a slow or dead endpoint delays no reply.

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
use crate::state::deliveries::{Attempt, Made};
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
        let (started_at, started, delivery_id) = (self.shared.now(), Instant::now(), uuid_v4());
        let answer = if attempt.dropped {
            Err("dropped by a delivery fault: not sent".to_owned())
        } else {
            let event = &attempt.event;
            let number = attempt.attempt.to_string();
            let kind = event.kind.as_str();
            let headers = delivery_headers(&event.signature, kind, &delivery_id, &number);
            let deadline = attempt.deadline;
            client::post(&attempt.url, &headers, &event.body, deadline, &self.sockets)
        };
        let duration = started.elapsed();
        let made = Made {
            answer,
            delivery_id,
            started_at,
            duration,
        };
        let mut state = self.shared.state().0;
        (state.deliveries).finish(attempt, made, Instant::now());
    }
}

/// One webhook delivery of `body`, as Easy (and the fake) makes it, for you to send (what
/// `easy-checkout webhook send` does): `POST uri` with the body signed under `secret` and
/// every header of Easy's webhook reference. Fails when `uri` is not a URI or `event_type`
/// cannot be a header value.
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
/// not know: `data` is `{id: session_id, status: "complete", payment_status: "succeeded"}`,
/// `id` is `event_id` or a new `evt_…`. Sign it with [`webhook::sign`], or send it with
/// [`webhook_request`].
pub fn sample_event(event_type: &str, session_id: &str, event_id: Option<&str>) -> Vec<u8> {
    let id = event_id.map_or_else(util::event_id, str::to_owned);
    views::sample_event(&id, event_type, session_id, SystemTime::now())
}
