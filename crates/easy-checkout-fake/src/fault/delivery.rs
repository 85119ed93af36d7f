//! Faults of webhook deliveries, as data; the deliveries carry them out.

use std::time::Duration;

use super::Queue;

/// A misbehaviour of one webhook delivery (one event to one endpoint), queued with
/// [`FakeEasy::inject_delivery`](crate::FakeEasy::inject_delivery), so that a receiver's
/// deduplication and ordering can be tested. Easy delivers at least once and promises no
/// order, so every one of these can happen for real.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryFault {
    /// Deliver the event twice: a second delivery (the same event id and body, a new delivery
    /// id, attempt 1) goes out right after the first.
    Duplicate,
    /// Send the delivery's first attempt this much later; deliveries due meanwhile go first.
    Delay(Duration),
    /// Send the event after the next event of the same payment (a crypto payment's
    /// `completed` after its `crypto_confirmed`); an event that none follows passes it by.
    OutOfOrder,
    /// Deliver the event again, as a new delivery, this long after the first was due: an old
    /// event replayed (no timestamp is signed, so its signature still verifies).
    Replay(Duration),
    /// Drop one attempt: it is not sent and fails at once, so the receiver's first request
    /// says attempt 2. Taken by an attempt, not a delivery: 3 of them fail a delivery unseen.
    DropAttempt,
}

/// Which events a queued [`DeliveryFault`] applies to: an event type, a session, both, or
/// every event.
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

impl Queue<EventMatch, DeliveryFault> {
    /// Takes the first queued fault for a new delivery of an event of `event_type` about
    /// `session_id`; `followed` says whether another event of the same payment follows it
    /// (else an [`DeliveryFault::OutOfOrder`] stays queued). Faults for attempts stay too.
    pub(crate) fn take_for_delivery(
        &mut self,
        event_type: &str,
        session_id: &str,
        followed: bool,
    ) -> Option<DeliveryFault> {
        self.take(|when, fault| {
            let applies = match fault {
                DeliveryFault::DropAttempt => false,
                DeliveryFault::OutOfOrder => followed,
                _ => true,
            };
            applies && when.matches(event_type, session_id)
        })
    }

    /// Takes the first queued [`DeliveryFault::DropAttempt`] for an attempt to deliver an
    /// event of `event_type` about `session_id`: true when the attempt is to be dropped.
    pub(crate) fn take_for_attempt(&mut self, event_type: &str, session_id: &str) -> bool {
        self.take(|when, fault| {
            *fault == DeliveryFault::DropAttempt && when.matches(event_type, session_id)
        })
        .is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPLETED: &str = "checkout.session.completed";

    #[test]
    fn deliveries_and_attempts_take_their_own_faults_in_queue_order() {
        let (mut queue, any) = (Queue::default(), EventMatch::any);
        queue.push(any(), DeliveryFault::DropAttempt, 1);
        queue.push(any().session("ecs_2"), DeliveryFault::Duplicate, 1);
        queue.push(any(), DeliveryFault::OutOfOrder, 1);
        // ecs_1's delivery passes the duplicate aimed at ecs_2 and the attempt's fault by.
        let taken = queue.take_for_delivery(COMPLETED, "ecs_1", true);
        assert_eq!(taken, Some(DeliveryFault::OutOfOrder));
        queue.push(any(), DeliveryFault::OutOfOrder, 1);
        // An out-of-order fault waits for an event that another one follows.
        let taken = queue.take_for_delivery(COMPLETED, "ecs_2", false);
        assert_eq!(taken, Some(DeliveryFault::Duplicate));
        assert_eq!(queue.take_for_delivery(COMPLETED, "ecs_3", false), None);
        assert_eq!(queue.len(), 2);
        assert!(queue.take_for_attempt(COMPLETED, "ecs_9"));
        assert!(!queue.take_for_attempt(COMPLETED, "ecs_9"));
        assert_eq!(queue.len(), 1);
    }
}
