//! The sessions: what the fake knows of each one, found by id or by client secret, and
//! forgotten once past its expiry and grace period, or oldest first above the limit.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::record::Usage;
use crate::util::{event_id, random_base58, random_hex, room_to_churn};

/// How long a new session stays open.
const SESSION_TTL: Duration = Duration::from_secs(30 * 60);

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Open,
    Complete,
    Expired,
}

/// The checkout events a payment causes: the session paid, its on-chain payment confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Completed,
    CryptoConfirmed,
}

impl EventKind {
    /// The event's `type`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EventKind::Completed => "checkout.session.completed",
            EventKind::CryptoConfirmed => "checkout.session.crypto_confirmed",
        }
    }
}

/// How a session is paid: by card, or that plus a confirmed on-chain payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Payment {
    Card,
    Crypto,
}

/// A confirmed on-chain payment.
#[derive(Debug, Clone)]
pub(crate) struct Crypto {
    pub(crate) tx_signature: String,
    pub(crate) payment_address: String,
    /// A decimal string: 1 USDC per unit of quantity.
    pub(crate) amount: String,
    /// The id of its `checkout.session.crypto_confirmed`.
    pub(crate) event_id: Box<str>,
    pub(crate) confirmed_at: SystemTime,
}

/// One checkout session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// Its creation number: the id is `ecs_<number>`.
    pub(crate) number: u64,
    pub(crate) client_secret: String,
    pub(crate) status: Status,
    pub(crate) created: SystemTime,
    pub(crate) updated: SystemTime,
    pub(crate) expires: SystemTime,
    /// The create body as sent (items, return_url, metadata, any extra field), as compact
    /// JSON: a parsed map costs several times the memory, and few replies show it.
    fields: Box<str>,
    pub(crate) total_quantity: u64,
    /// The number of its payment id (`pay_<number>`), once paid.
    pub(crate) payment: Option<u64>,
    pub(crate) paid_at: Option<SystemTime>,
    pub(crate) crypto: Option<Box<Crypto>>,
    /// How many times it was charged (every confirm that succeeded, every `pay`).
    pub(crate) payments: u64,
    /// The id of its `checkout.session.completed` (it happened at `paid_at`), once paid.
    pub(crate) completed: Option<Box<str>>,
}

impl Session {
    pub(crate) fn id(&self) -> String {
        format!("ecs_{}", self.number)
    }

    pub(crate) fn paid(&self) -> bool {
        self.payment.is_some()
    }

    /// The id of its event of `kind`, and when it happened; `None` until it has.
    pub(crate) fn event(&self, kind: EventKind) -> Option<(&str, SystemTime)> {
        match kind {
            EventKind::Completed => Some((self.completed.as_deref()?, self.paid_at?)),
            EventKind::CryptoConfirmed => {
                let crypto = self.crypto.as_deref()?;
                Some((&crypto.event_id, crypto.confirmed_at))
            }
        }
    }

    /// The create body's fields.
    pub(crate) fn fields(&self) -> Map<String, Value> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }

    /// Expires an open session whose time is up.
    fn refresh(&mut self, now: SystemTime) {
        if self.status == Status::Open && now >= self.expires {
            self.status = Status::Expired;
            self.updated = self.expires;
        }
    }
}

/// Every session the fake still holds.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    /// By number: oldest first, the order they are forgotten in. Boxed, to keep the nodes small.
    live: BTreeMap<u64, Box<Session>>,
    by_secret: HashMap<String, u64>,
    created: u64,
    payments: u64,
    evicted: u64,
    limit: usize,
    grace: Duration,
}

impl Sessions {
    /// No sessions; at most `limit` held, each forgotten `grace` after it expires.
    pub(crate) fn new(limit: usize, grace: Duration) -> Self {
        Self {
            limit,
            grace,
            ..Self::default()
        }
    }

    /// A new open session for the create body `fields`; the oldest is forgotten if that makes
    /// one too many.
    pub(crate) fn create(
        &mut self,
        fields: &Map<String, Value>,
        total_quantity: u64,
        now: SystemTime,
    ) -> &Session {
        self.created += 1;
        let number = self.created;
        let fields = serde_json::to_string(fields).unwrap_or_default();
        let session = Session {
            number,
            client_secret: format!("ecs_secret_{}", random_hex(32)),
            status: Status::Open,
            created: now,
            updated: now,
            expires: now + SESSION_TTL,
            fields: fields.into_boxed_str(),
            total_quantity,
            payment: None,
            paid_at: None,
            crypto: None,
            payments: 0,
            completed: None,
        };
        self.by_secret.insert(session.client_secret.clone(), number);
        self.live.insert(number, Box::new(session));
        while self.live.len() > self.limit {
            self.evict_oldest();
        }
        room_to_churn(&mut self.by_secret, self.limit);
        &self.live[&number]
    }

    /// The session with this id (expired first if its time is up).
    pub(crate) fn get(&mut self, id: &str, now: SystemTime) -> Option<&mut Session> {
        let session = self.live.get_mut(&number_of(id)?)?;
        session.refresh(now);
        Some(session)
    }

    /// The session this client secret belongs to (expired first if its time is up).
    pub(crate) fn by_secret(&mut self, secret: &str, now: SystemTime) -> Option<&mut Session> {
        let session = self.live.get_mut(self.by_secret.get(secret)?)?;
        session.refresh(now);
        Some(session)
    }

    /// Every session, oldest first (each expired first if its time is up).
    pub(crate) fn all(&mut self, now: SystemTime) -> Vec<&Session> {
        for session in self.live.values_mut() {
            session.refresh(now);
        }
        self.live.values().map(Box::as_ref).collect()
    }

    /// Pays the session (an expired one too): `complete`, charged once more, a payment id the
    /// first time, and for [`Payment::Crypto`] a confirmed on-chain payment (1 USDC per unit).
    /// The events it caused, in order (none when nothing new happened); `None` if unknown.
    pub(crate) fn pay(
        &mut self,
        id: &str,
        now: SystemTime,
        payment: Payment,
    ) -> Option<Vec<EventKind>> {
        let session = number_of(id).and_then(|n| self.live.get_mut(&n))?;
        let mut caused = Vec::new();
        session.payments += 1;
        if session.payment.is_none() {
            self.payments += 1;
            session.payment = Some(self.payments);
        }
        session.status = Status::Complete;
        session.paid_at.get_or_insert(now);
        session.updated = now;
        if session.completed.is_none() {
            session.completed = Some(event_id().into_boxed_str());
            caused.push(EventKind::Completed);
        }
        if payment == Payment::Crypto && session.crypto.is_none() {
            session.crypto = Some(Box::new(Crypto {
                tx_signature: random_base58(88),
                payment_address: random_base58(44),
                amount: format!("{}.00", session.total_quantity),
                event_id: event_id().into_boxed_str(),
                confirmed_at: now,
            }));
            caused.push(EventKind::CryptoConfirmed);
        }
        Some(caused)
    }

    /// Sets the session's status to expired, paid or not. False if unknown.
    pub(crate) fn expire(&mut self, id: &str, now: SystemTime) -> bool {
        match self.get(id, now) {
            Some(session) => {
                session.status = Status::Expired;
                session.updated = now;
                true
            }
            None => false,
        }
    }

    /// Forgets every session, paid or not, whose expiry plus the grace period has passed.
    pub(crate) fn evict_expired(&mut self, now: SystemTime) {
        // Sessions are made in clock order with one lifetime, so their deadlines are too.
        while let Some((_, oldest)) = self.live.first_key_value() {
            match oldest.expires.checked_add(self.grace) {
                Some(deadline) if now >= deadline => self.evict_oldest(),
                _ => break,
            }
        }
    }

    fn evict_oldest(&mut self) {
        if let Some((_, session)) = self.live.pop_first() {
            self.by_secret.remove(&session.client_secret);
            self.evicted += 1;
        }
    }

    pub(crate) fn usage(&self) -> Usage {
        Usage::new(self.live.len(), self.limit, self.evicted)
    }
}

/// The number in an id the fake made (`ecs_<number>`, no sign or leading zero); `None` for
/// any other id, which no session has.
fn number_of(id: &str) -> Option<u64> {
    let digits = id.strip_prefix("ecs_")?;
    let canonical = !digits.is_empty()
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    canonical.then(|| digits.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Duration = Duration::from_secs(1_700_000_000);

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + T0 + Duration::from_secs(secs)
    }

    fn create(sessions: &mut Sessions, now: SystemTime) -> String {
        sessions.create(&Map::new(), 1, now).id()
    }

    #[test]
    fn only_the_ids_the_fake_makes_name_a_session() {
        assert_eq!(number_of("ecs_1"), Some(1));
        assert_eq!(number_of("ecs_120"), Some(120));
        for other in [
            "ecs_01",
            "ecs_",
            "ecs_+1",
            "ecs_1/../config",
            "ecs_1 ",
            "1",
            "",
        ] {
            assert_eq!(number_of(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_payment_causes_each_event_once_in_order() {
        use EventKind::{Completed, CryptoConfirmed};
        let mut sessions = Sessions::new(10, Duration::from_secs(60));
        let crypto = create(&mut sessions, at(0));
        let caused = sessions.pay(&crypto, at(1), Payment::Crypto);
        assert_eq!(caused, Some(vec![Completed, CryptoConfirmed]));
        assert_eq!(sessions.pay(&crypto, at(2), Payment::Crypto), Some(vec![]));
        let session = sessions.get(&crypto, at(2)).unwrap();
        assert_eq!(session.payments, 2, "charged twice, told once");
        let completed = session.event(Completed).unwrap();
        let confirmed = session.event(CryptoConfirmed).unwrap();
        assert_ne!(completed.0, confirmed.0);
        assert!(completed.0.starts_with("evt_") && completed.0.len() == 28);
        assert_eq!((completed.1, confirmed.1), (at(1), at(1)));

        // Paid by card first, on-chain later: the later payment tells only what is new.
        let card = create(&mut sessions, at(3));
        assert_eq!(
            sessions.pay(&card, at(4), Payment::Card),
            Some(vec![Completed])
        );
        let caused = sessions.pay(&card, at(5), Payment::Crypto);
        assert_eq!(caused, Some(vec![CryptoConfirmed]));
        assert_eq!(sessions.pay("ecs_404", at(6), Payment::Card), None);
    }
}
