//! Faults of webhook deliveries, as data: what a delivery does instead of going out once, on
//! time and in order; which events a fault is aimed at; the queue they wait in; and
//! [`DeliveryFault::plan`], the one place a delivery fault becomes what the deliveries do.

use std::collections::VecDeque;
use std::time::Duration;

/// A misbehaviour of one webhook delivery (one event to one endpoint), so that a receiver's
/// deduplication and ordering can be tested. Queue them with
/// [`FakeEasy::inject_delivery`](crate::FakeEasy::inject_delivery) (or
/// `POST /__fake/webhooks/faults`); each delivery of an event that an [`EventMatch`] selects
/// takes the first queued fault aimed at it. Easy delivers at least once and promises no
/// order, so every one of these can happen for real.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryFault {
    /// Deliver the event twice: a second delivery of it (the same event id and body, a new
    /// delivery id, attempt 1, retried like any delivery) goes out right after the first.
    Duplicate,
    /// Send the delivery's first attempt this much later than it would go. Deliveries due
    /// meanwhile go first, so a late `completed` arrives after a `crypto_confirmed`.
    Delay(Duration),
    /// Send the event after the next event of the same payment: a crypto payment's
    /// `checkout.session.completed` after its `checkout.session.crypto_confirmed`. Only an
    /// event that another one follows from the same payment takes it (a card payment's
    /// `completed` passes it by).
    OutOfOrder,
    /// Deliver the event again, as a new delivery (attempt 1, a new delivery id), this long
    /// after its first delivery was due: an old event replayed, by Easy or by whoever
    /// captured it (no timestamp is signed, so its signature still verifies).
    Replay(Duration),
    /// Drop one attempt: it is not sent, and counts as failed at once (without waiting for
    /// the deadline), so the next attempt follows after the backoff and the receiver's first
    /// request says attempt 2. Taken by an attempt, not a delivery: queue it 3 times for one
    /// event and its delivery fails without the receiver ever seeing it.
    DropAttempt,
}

/// Which events a queued [`DeliveryFault`] applies to: an event type, a session, both, or
/// (the default) every event.
///
/// ```
/// use easy_checkout_fake::EventMatch;
/// let completed = EventMatch::any().event_type("checkout.session.completed").session("ecs_1");
/// assert!(completed.matches("checkout.session.completed", "ecs_1"));
/// assert!(!completed.matches("checkout.session.crypto_confirmed", "ecs_1"));
/// assert!(!completed.matches("checkout.session.completed", "ecs_2"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventMatch {
    event_type: Option<String>,
    session: Option<String>,
}

impl EventMatch {
    /// Every event.
    pub fn any() -> Self {
        Self::default()
    }

    /// Only events of this type (`checkout.session.completed`, …).
    pub fn event_type(mut self, event_type: impl Into<String>) -> Self {
        self.event_type = Some(event_type.into());
        self
    }

    /// Only events about this session (`ecs_…`).
    pub fn session(mut self, session_id: impl Into<String>) -> Self {
        self.session = Some(session_id.into());
        self
    }

    /// Whether an event of `event_type` about `session_id` fits.
    pub fn matches(&self, event_type: &str, session_id: &str) -> bool {
        self.event_type.as_deref().is_none_or(|t| t == event_type)
            && self.session.as_deref().is_none_or(|s| s == session_id)
    }
}

/// How a delivery fault plays out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeliveryPlan {
    /// Deliver as usual, and once more as a delivery of its own, `after` later.
    Also { after: Duration },
    /// Deliver, this much later.
    Hold(Duration),
    /// Deliver after the next event of the same payment.
    AfterNext,
    /// Do not send this attempt; count it failed.
    SkipAttempt,
}

impl DeliveryFault {
    /// What this fault does to the delivery (or attempt) that takes it.
    pub(crate) fn plan(&self) -> DeliveryPlan {
        match *self {
            DeliveryFault::Duplicate => DeliveryPlan::Also {
                after: Duration::ZERO,
            },
            DeliveryFault::Replay(after) => DeliveryPlan::Also { after },
            DeliveryFault::Delay(by) => DeliveryPlan::Hold(by),
            DeliveryFault::OutOfOrder => DeliveryPlan::AfterNext,
            DeliveryFault::DropAttempt => DeliveryPlan::SkipAttempt,
        }
    }
}

/// Delivery faults waiting for the deliveries they are aimed at, in the order queued.
#[derive(Debug, Default)]
pub(crate) struct DeliveryFaultQueue(VecDeque<(EventMatch, DeliveryFault)>);

impl DeliveryFaultQueue {
    /// Queues `fault` for each of the next `times` deliveries (or attempts) `when` selects.
    pub(crate) fn push(&mut self, when: EventMatch, fault: DeliveryFault, times: usize) {
        self.0.extend(std::iter::repeat_n((when, fault), times));
    }

    /// Takes the first queued fault for a new delivery of an event of `event_type` about
    /// `session_id` whose plan `applies`; faults for attempts are left for the attempts.
    pub(crate) fn take_for_delivery(
        &mut self,
        event_type: &str,
        session_id: &str,
        applies: impl Fn(DeliveryPlan) -> bool,
    ) -> Option<DeliveryPlan> {
        let at = self.0.iter().position(|(when, fault)| {
            let plan = fault.plan();
            plan != DeliveryPlan::SkipAttempt
                && when.matches(event_type, session_id)
                && applies(plan)
        })?;
        self.0.remove(at).map(|(_, fault)| fault.plan())
    }

    /// Takes the first queued fault for an attempt to deliver an event of `event_type` about
    /// `session_id`: true when the attempt is to be dropped.
    pub(crate) fn take_for_attempt(&mut self, event_type: &str, session_id: &str) -> bool {
        let at = self.0.iter().position(|(when, fault)| {
            fault.plan() == DeliveryPlan::SkipAttempt && when.matches(event_type, session_id)
        });
        at.and_then(|at| self.0.remove(at)).is_some()
    }

    /// How many faults no delivery has taken yet.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPLETED: &str = "checkout.session.completed";

    #[test]
    fn deliveries_and_attempts_take_their_own_faults_in_queue_order() {
        let mut queue = DeliveryFaultQueue::default();
        queue.push(EventMatch::any(), DeliveryFault::DropAttempt, 1);
        queue.push(
            EventMatch::any().session("ecs_2"),
            DeliveryFault::Duplicate,
            1,
        );
        queue.push(EventMatch::any(), DeliveryFault::OutOfOrder, 1);
        let any = |_| true;
        // ecs_1's delivery passes the duplicate aimed at ecs_2 and the attempt's fault by.
        assert_eq!(
            queue.take_for_delivery(COMPLETED, "ecs_1", any),
            Some(DeliveryPlan::AfterNext)
        );
        // A plan that does not apply stays queued.
        assert_eq!(queue.take_for_delivery(COMPLETED, "ecs_2", |_| false), None);
        assert_eq!(
            queue.take_for_delivery(COMPLETED, "ecs_2", any),
            Some(DeliveryPlan::Also {
                after: Duration::ZERO
            })
        );
        assert_eq!(queue.len(), 1);
        assert!(queue.take_for_attempt(COMPLETED, "ecs_9"));
        assert!(!queue.take_for_attempt(COMPLETED, "ecs_9"));
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn each_fault_has_its_plan() {
        let ms = Duration::from_millis;
        assert_eq!(
            DeliveryFault::Replay(ms(5)).plan(),
            DeliveryPlan::Also { after: ms(5) }
        );
        assert_eq!(
            DeliveryFault::Delay(ms(7)).plan(),
            DeliveryPlan::Hold(ms(7))
        );
    }
}
