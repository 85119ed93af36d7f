//! Webhook deliveries as data (no sockets, threads or clock): the engine (`deliver`) takes the
//! due attempts, makes them, and hands back how each ended. A delivery is one event to one
//! endpoint: up to [`MAX_ATTEMPTS`] attempts with the same bytes. Each endpoint gets one
//! attempt at a time, so a slow endpoint holds up only its own deliveries.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::endpoint::{EndpointError, EndpointUrl};
use crate::fault::{DeliveryFault, EventMatch, Queue};
use crate::record::{DeliveryAttempt, DeliveryVerdict, Usage, WebhookEndpoint};
use crate::state::log::BoundedLog;
use crate::state::sessions::EventKind;

/// The most endpoints a fake holds: what Easy allows a company.
pub(crate) const MAX_ENDPOINTS: usize = 5;
/// Attempts per delivery, the first included: Easy's documented policy.
pub(crate) const MAX_ATTEMPTS: u8 = 3;
/// The most deliveries waiting for an attempt; above it the oldest is given up.
pub(crate) const MAX_PENDING: usize = 10_000;

/// An event, built and signed once: the same bytes go out on every attempt.
#[derive(Debug)]
pub(crate) struct Event {
    pub(crate) id: String,
    pub(crate) kind: EventKind,
    pub(crate) session_id: String,
    pub(crate) body: Vec<u8>,
    /// The `x-easy-webhook-signature` value for `body`.
    pub(crate) signature: String,
}

/// The delivery timing; [`FakeBuilder`](crate::FakeBuilder) documents the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timing {
    pub(crate) deadline: Duration,
    /// The wait after the first failed attempt; doubled after each further one.
    pub(crate) backoff: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(30),
            backoff: Duration::from_secs(10),
        }
    }
}

impl Timing {
    /// How long after failed attempt `attempt` (from 1) the next one goes.
    pub(crate) fn delay_after(self, attempt: u8) -> Duration {
        let doublings = u32::from(attempt.saturating_sub(1)).min(16);
        self.backoff.saturating_mul(1 << doublings)
    }
}

/// A registered endpoint.
#[derive(Debug)]
struct Endpoint {
    id: String,
    url: EndpointUrl,
    /// An attempt to it is under way.
    busy: bool,
}

/// A delivery waiting for its next attempt.
#[derive(Debug)]
struct Pending {
    /// Its place in the order deliveries were made: the tie-break among equally due ones.
    seq: u64,
    endpoint: String,
    event: Arc<Event>,
    /// The number of its next attempt.
    attempt: u8,
    due: Instant,
}

/// An attempt to make now.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub(crate) endpoint_id: String,
    pub(crate) url: EndpointUrl,
    pub(crate) event: Arc<Event>,
    /// `1` to [`MAX_ATTEMPTS`].
    pub(crate) attempt: u8,
    pub(crate) deadline: Duration,
    /// A [`DeliveryFault::DropAttempt`] took it: not sent.
    pub(crate) dropped: bool,
    seq: u64,
    /// The [`Deliveries::reset`] count when taken: one from before a reset is not logged.
    generation: u64,
}

/// How an attempt went, for the log.
#[derive(Debug, Clone)]
pub(crate) struct Made {
    /// The status the endpoint answered, or why no whole answer came.
    pub(crate) answer: Result<u16, String>,
    pub(crate) delivery_id: String,
    pub(crate) started_at: SystemTime,
    pub(crate) duration: Duration,
}

/// Every webhook delivery the fake knows of.
#[derive(Debug, Default)]
pub(crate) struct Deliveries {
    endpoints: Vec<Endpoint>,
    endpoints_made: u64,
    pending: Vec<Pending>,
    pending_dropped: u64,
    seq: u64,
    in_flight: usize,
    generation: u64,
    /// Something changed that the engine, or a test waiting for them to settle, must see.
    changed: bool,
    pub(crate) timing: Timing,
    /// Every attempt made, oldest first.
    pub(crate) log: BoundedLog<DeliveryAttempt>,
    pub(crate) faults: Queue<EventMatch, DeliveryFault>,
}

impl Deliveries {
    /// No endpoint and no delivery; the newest `log_limit` attempts logged.
    pub(crate) fn new(timing: Timing, log_limit: usize) -> Self {
        let log = BoundedLog::new(log_limit);
        Self {
            timing,
            log,
            ..Self::default()
        }
    }

    pub(crate) fn add_endpoint(
        &mut self,
        url: EndpointUrl,
    ) -> Result<WebhookEndpoint, EndpointError> {
        if self.endpoints.len() >= MAX_ENDPOINTS {
            return Err(EndpointError::TooMany {
                limit: MAX_ENDPOINTS,
            });
        }
        self.endpoints_made += 1;
        let endpoint = Endpoint {
            id: format!("we_{}", self.endpoints_made),
            url,
            busy: false,
        };
        let shown = shown(&endpoint);
        self.endpoints.push(endpoint);
        self.changed = true;
        Ok(shown)
    }

    /// Removes endpoint `id` and gives up its waiting deliveries (an attempt under way is not
    /// retried). False if there is no such endpoint.
    pub(crate) fn remove_endpoint(&mut self, id: &str) -> bool {
        let before = self.endpoints.len();
        self.endpoints.retain(|e| e.id != id);
        self.pending.retain(|p| p.endpoint != id);
        self.changed = true;
        self.endpoints.len() < before
    }

    pub(crate) fn has_endpoints(&self) -> bool {
        !self.endpoints.is_empty()
    }

    /// The registered endpoints, oldest first.
    pub(crate) fn endpoints(&self) -> Vec<WebhookEndpoint> {
        self.endpoints.iter().map(shown).collect()
    }

    /// Makes a delivery of each of `events` (of one payment, in the order they happened) to
    /// every endpoint, due `now`, as the delivery faults say.
    pub(crate) fn enqueue(&mut self, events: &[Arc<Event>], now: Instant) {
        let ids: Vec<String> = self.endpoints.iter().map(|e| e.id.clone()).collect();
        let last = events.len().saturating_sub(1);
        for endpoint in ids {
            let fault_for = |(i, e): (usize, &Arc<Event>)| {
                (self.faults).take_for_delivery(e.kind.as_str(), &e.session_id, i < last)
            };
            let faults: Vec<_> = events.iter().enumerate().map(fault_for).collect();
            let mut order: Vec<usize> = (0..events.len()).collect();
            for (i, fault) in faults.iter().enumerate() {
                if *fault == Some(DeliveryFault::OutOfOrder) {
                    let at = order.iter().position(|&o| o == i).unwrap_or(last);
                    if at < last {
                        order.swap(at, at + 1);
                    }
                }
            }
            for i in order {
                let (due, again) = match faults[i] {
                    Some(DeliveryFault::Delay(by)) => (later(now, by), None),
                    Some(DeliveryFault::Duplicate) => (now, Some(now)),
                    Some(DeliveryFault::Replay(after)) => (now, Some(later(now, after))),
                    _ => (now, None),
                };
                self.make(&endpoint, &events[i], 1, due);
                if let Some(due) = again {
                    self.make(&endpoint, &events[i], 1, due);
                }
            }
        }
        self.changed = true;
    }

    fn make(&mut self, endpoint: &str, event: &Arc<Event>, attempt: u8, due: Instant) {
        self.seq += 1;
        self.wait(Pending {
            seq: self.seq,
            endpoint: endpoint.to_owned(),
            event: Arc::clone(event),
            attempt,
            due,
        });
    }

    /// Puts `pending` among the waiting deliveries, giving up the oldest above the limit.
    fn wait(&mut self, pending: Pending) {
        self.pending.push(pending);
        if self.pending.len() > MAX_PENDING {
            // The oldest goes: it has waited longest for an endpoint that is not keeping up.
            if let Some(oldest) = (0..self.pending.len()).min_by_key(|&i| self.pending[i].seq) {
                self.pending.swap_remove(oldest);
                self.pending_dropped += 1;
            }
        }
    }

    /// Takes the attempts due at `now`, at most one per endpoint and none for an endpoint
    /// with one under way; and when the next one falls due, if any waits.
    pub(crate) fn take_due(&mut self, now: Instant) -> (Vec<Attempt>, Option<Instant>) {
        let mut due = Vec::new();
        let mut wake = None::<Instant>;
        for e in 0..self.endpoints.len() {
            if self.endpoints[e].busy {
                continue;
            }
            let id = &self.endpoints[e].id;
            let next = (0..self.pending.len())
                .filter(|&i| self.pending[i].endpoint == *id)
                .min_by_key(|&i| (self.pending[i].due, self.pending[i].seq));
            let Some(next) = next else { continue };
            if self.pending[next].due > now {
                let at = self.pending[next].due;
                wake = Some(wake.map_or(at, |w| w.min(at)));
                continue;
            }
            let pending = self.pending.swap_remove(next);
            let endpoint = &mut self.endpoints[e];
            endpoint.busy = true;
            self.in_flight += 1;
            let (kind, session) = (pending.event.kind.as_str(), &pending.event.session_id);
            let dropped = self.faults.take_for_attempt(kind, session);
            due.push(Attempt {
                endpoint_id: endpoint.id.clone(),
                url: endpoint.url.clone(),
                event: pending.event,
                attempt: pending.attempt,
                deadline: self.timing.deadline,
                dropped,
                seq: pending.seq,
                generation: self.generation,
            });
        }
        (due, wake)
    }

    /// Notes how `attempt` ended at `now`: logged, and retried after the backoff unless it
    /// was answered 2xx, was the last one, or its endpoint is gone.
    pub(crate) fn finish(&mut self, attempt: Attempt, made: Made, now: Instant) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let mut endpoints = self.endpoints.iter_mut();
        let endpoint = endpoints.find(|e| e.id == attempt.endpoint_id);
        let registered = endpoint.is_some();
        if let Some(endpoint) = endpoint {
            endpoint.busy = false;
        }
        self.changed = true;
        if attempt.generation != self.generation {
            return;
        }
        let verdict = match made.answer {
            Ok(200..=299) => DeliveryVerdict::Delivered,
            _ if attempt.attempt < MAX_ATTEMPTS && registered => DeliveryVerdict::Retrying,
            _ => DeliveryVerdict::Failed,
        };
        if verdict == DeliveryVerdict::Retrying {
            self.wait(Pending {
                seq: attempt.seq,
                endpoint: attempt.endpoint_id.clone(),
                event: Arc::clone(&attempt.event),
                attempt: attempt.attempt + 1,
                due: later(now, self.timing.delay_after(attempt.attempt)),
            });
        }
        let event = &attempt.event;
        self.log.push(DeliveryAttempt {
            event_id: event.id.clone(),
            event_type: event.kind.as_str().to_owned(),
            session_id: event.session_id.clone(),
            endpoint_id: attempt.endpoint_id,
            url: attempt.url.url,
            attempt: attempt.attempt,
            delivery_id: made.delivery_id,
            status: made.answer.as_ref().ok().copied(),
            error: made.answer.err(),
            duration: made.duration,
            started_at: made.started_at,
            verdict,
        });
    }

    /// No delivery waits for an attempt and none is under way.
    pub(crate) fn settled(&self) -> bool {
        self.pending.is_empty() && self.in_flight == 0
    }

    /// Deliveries waiting for an attempt, and attempts under way.
    pub(crate) fn backlog(&self) -> (usize, usize) {
        (self.pending.len(), self.in_flight)
    }

    /// Marks the deliveries changed, to wake whoever waits for them (to see a stop flag).
    pub(crate) fn poke(&mut self) {
        self.changed = true;
    }

    pub(crate) fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Forgets every waiting delivery, the log and the delivery faults; the endpoints and the
    /// timing stay. An attempt under way ends as it ends, unlogged.
    pub(crate) fn reset(&mut self) {
        self.pending.clear();
        self.pending_dropped = 0;
        self.log.clear();
        self.faults.clear();
        self.generation += 1;
        self.changed = true;
    }

    pub(crate) fn pending_usage(&self) -> Usage {
        Usage::new(self.pending.len(), MAX_PENDING, self.pending_dropped)
    }
}

fn shown(endpoint: &Endpoint) -> WebhookEndpoint {
    WebhookEndpoint {
        id: endpoint.id.clone(),
        url: endpoint.url.url.clone(),
    }
}

/// `now + by`, or `now` should that not be representable.
fn later(now: Instant, by: Duration) -> Instant {
    now.checked_add(by).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn event(n: u32, kind: EventKind) -> Arc<Event> {
        Arc::new(Event {
            id: format!("evt_{n}"),
            kind,
            session_id: format!("ecs_{n}"),
            body: b"{}".to_vec(),
            signature: "sha256=00".to_owned(),
        })
    }

    fn deliveries(endpoints: usize) -> Deliveries {
        let timing = Timing {
            deadline: 100 * MS,
            backoff: 10 * MS,
        };
        let mut deliveries = Deliveries::new(timing, 100);
        for port in 0..endpoints {
            let url = EndpointUrl::parse(&format!("http://127.0.0.1:{}/hook", port + 1)).unwrap();
            deliveries.add_endpoint(url).unwrap();
        }
        deliveries
    }

    fn made(answer: Result<u16, String>) -> Made {
        Made {
            answer,
            delivery_id: "d".to_owned(),
            started_at: SystemTime::UNIX_EPOCH,
            duration: MS,
        }
    }

    /// `event id#attempt` of the attempts due at `now`, each finished with `outcome` (or
    /// failed, when a fault dropped it).
    fn run(deliveries: &mut Deliveries, now: Instant, outcome: Result<u16, String>) -> Vec<String> {
        let (due, _) = deliveries.take_due(now);
        let ids = (due.iter())
            .map(|a| format!("{}#{}", a.event.id, a.attempt))
            .collect();
        for attempt in due {
            let outcome = match attempt.dropped {
                true => Err("dropped".to_owned()),
                false => outcome.clone(),
            };
            deliveries.finish(attempt, made(outcome), now);
        }
        ids
    }

    #[test]
    fn a_failing_endpoint_gets_three_attempts_with_doubling_backoff() {
        let t0 = Instant::now();
        let mut d = deliveries(1);
        d.enqueue(&[event(1, EventKind::Completed)], t0);
        assert_eq!(run(&mut d, t0, Ok(500)), ["evt_1#1"]);
        assert_eq!(d.take_due(t0 + 9 * MS).1, Some(t0 + 10 * MS), "backoff");
        let refused = Err("refused".to_owned());
        assert_eq!(run(&mut d, t0 + 10 * MS, refused.clone()), ["evt_1#2"]);
        assert_eq!(d.take_due(t0 + 10 * MS).1, Some(t0 + 30 * MS), "doubled");
        assert_eq!(run(&mut d, t0 + 30 * MS, refused), ["evt_1#3"]);
        assert!(d.settled());
        let verdicts: Vec<_> = (d.log.iter())
            .map(|a| (a.attempt, a.status, a.verdict))
            .collect();
        let (retrying, failed) = (DeliveryVerdict::Retrying, DeliveryVerdict::Failed);
        let expected = [
            (1, Some(500), retrying),
            (2, None, retrying),
            (3, None, failed),
        ];
        assert_eq!(verdicts, expected);
    }

    #[test]
    fn one_attempt_at_a_time_per_endpoint_in_the_order_events_happened() {
        let t0 = Instant::now();
        let mut d = deliveries(2);
        let crypto = event(2, EventKind::CryptoConfirmed);
        d.enqueue(&[event(1, EventKind::Completed), crypto], t0);
        let (due, _) = d.take_due(t0);
        let firsts: Vec<_> = (due.iter())
            .map(|a| (&*a.endpoint_id, &*a.event.id))
            .collect();
        assert_eq!(firsts, [("we_1", "evt_1"), ("we_2", "evt_1")]);
        assert!(d.take_due(t0).0.is_empty(), "both endpoints busy");
        assert_eq!(d.backlog(), (2, 2));
        for attempt in due {
            d.finish(attempt, made(Ok(204)), t0);
        }
        assert_eq!(run(&mut d, t0, Ok(200)), ["evt_2#1", "evt_2#1"]);
        assert!(d.settled());
    }

    #[test]
    fn faults_reorder_hold_repeat_and_drop() {
        let t0 = Instant::now();
        let mut d = deliveries(1);
        let any = EventMatch::any;
        for (when, fault) in [
            (any(), DeliveryFault::OutOfOrder),
            (any().session("ecs_3"), DeliveryFault::Duplicate),
            (any().session("ecs_4"), DeliveryFault::Delay(50 * MS)),
            (any().session("ecs_5"), DeliveryFault::Replay(80 * MS)),
            (any().session("ecs_5"), DeliveryFault::DropAttempt),
        ] {
            d.faults.push(when, fault, 1);
        }
        // A card payment's lone event passes the reorder by; a crypto payment's takes it.
        let crypto = event(20, EventKind::CryptoConfirmed);
        d.enqueue(&[event(1, EventKind::Completed)], t0);
        d.enqueue(&[event(2, EventKind::Completed), crypto], t0);
        for n in 3..=5 {
            d.enqueue(&[event(n, EventKind::Completed)], t0);
        }
        let waiting = d.faults.len();
        assert_eq!(waiting, 1, "the attempt's fault waits for the attempt");
        let ok = Ok(200);
        let mut sent = Vec::new();
        for _ in 0..7 {
            sent.extend(run(&mut d, t0, ok.clone()));
        }
        // ecs_5's first attempt was dropped, so it is retried after the backoff.
        let expected = [
            "evt_1#1", "evt_20#1", "evt_2#1", "evt_3#1", "evt_3#1", "evt_5#1",
        ];
        assert_eq!(sent, expected);
        assert_eq!(run(&mut d, t0 + 10 * MS, ok.clone()), ["evt_5#2"]);
        assert_eq!(run(&mut d, t0 + 50 * MS, ok.clone()), ["evt_4#1"], "late");
        assert_eq!(run(&mut d, t0 + 80 * MS, ok), ["evt_5#1"], "replayed");
        assert!(d.settled());
    }

    #[test]
    fn a_removed_endpoint_is_not_retried() {
        let t0 = Instant::now();
        let mut d = deliveries(MAX_ENDPOINTS);
        d.enqueue(&[event(1, EventKind::Completed)], t0);
        let (mut due, _) = d.take_due(t0);
        assert_eq!(due.len(), 5);
        assert!(d.remove_endpoint("we_1"));
        assert!(!d.remove_endpoint("we_1"));
        let first = due.remove(0);
        d.finish(first, made(Ok(500)), t0);
        assert_eq!(
            d.log.iter().last().unwrap().verdict,
            DeliveryVerdict::Failed
        );
        assert_eq!(d.endpoints().len(), 4);
    }

    #[test]
    fn a_reset_forgets_deliveries_and_the_attempts_under_way() {
        let t0 = Instant::now();
        let mut d = deliveries(1);
        let crypto = event(2, EventKind::CryptoConfirmed);
        d.enqueue(&[event(1, EventKind::Completed), crypto], t0);
        let (mut due, _) = d.take_due(t0);
        d.reset();
        assert!(!d.settled(), "one attempt still under way");
        d.finish(due.remove(0), made(Ok(500)), t0);
        assert!(d.settled());
        assert_eq!(d.log.iter().count(), 0, "not logged, not retried");
    }

    #[test]
    fn a_backlog_beyond_the_limit_gives_up_the_oldest() {
        let t0 = Instant::now();
        let mut d = deliveries(1);
        for n in 0..=MAX_PENDING as u32 {
            d.enqueue(&[event(n, EventKind::Completed)], t0);
        }
        let usage = d.pending_usage();
        assert_eq!((usage.kept, usage.dropped), (MAX_PENDING, 1));
        assert_eq!(run(&mut d, t0, Ok(200)), ["evt_1#1"]);
        // A retry counts against the limit too.
        d.enqueue(&[event(0, EventKind::Completed)], t0);
        let (mut due, _) = d.take_due(t0);
        d.enqueue(&[event(0, EventKind::Completed)], t0);
        d.finish(due.remove(0), made(Ok(500)), t0);
        let usage = d.pending_usage();
        assert_eq!((usage.kept, usage.dropped), (MAX_PENDING, 2));
    }

    #[test]
    fn backoff_doubles_without_overflowing() {
        let timing = Timing::default();
        assert_eq!(timing.delay_after(1), Duration::from_secs(10));
        assert_eq!(timing.delay_after(2), Duration::from_secs(20));
        let huge = Timing {
            backoff: Duration::MAX,
            ..timing
        };
        assert_eq!(huge.delay_after(3), Duration::MAX);
    }
}
