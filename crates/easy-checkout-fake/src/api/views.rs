//! What the stored state looks like as JSON: the session objects of the replies, the
//! control API's whole session state, the merchant config and the webhook events (the
//! bodies delivered, and [`signed_webhook`]). One place for the vocabulary the fake answers
//! in.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use crate::record::SignedWebhook;
use crate::reply::to_bytes;
use crate::state::MerchantConfig;
use crate::state::deliveries::Event;
use crate::state::sessions::{Crypto, EventKind, Session, Status};
use crate::util::iso8601;

use easy_checkout_core::webhook::{self, WebhookSecret};

/// What every webhook is signed with.
pub(crate) const WEBHOOK_SECRET: &str = "whsec_fake_secret";

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Open => "open",
        Status::Complete => "complete",
        Status::Expired => "expired",
    }
}

fn payment_status(session: &Session) -> &'static str {
    if session.paid() {
        "succeeded"
    } else {
        "unpaid"
    }
}

fn payment_id(session: &Session) -> Option<String> {
    session.payment.map(|n| format!("pay_{n}"))
}

/// The full session object: every create field echoed, then the server's fields.
pub(crate) fn session(session: &Session, with_secret: bool) -> Value {
    session_with_fields(session, session.fields(), with_secret)
}

/// [`session`] over create fields the caller already holds.
pub(crate) fn session_with_fields(
    session: &Session,
    mut map: Map<String, Value>,
    with_secret: bool,
) -> Value {
    map.remove("client_secret");
    let fields = [
        ("id", json!(session.id())),
        ("status", json!(status_name(session.status))),
        ("payment_status", json!(payment_status(session))),
        ("expires_at", json!(iso8601(session.expires))),
        ("created_at", json!(iso8601(session.created))),
        ("updated_at", json!(iso8601(session.updated))),
    ];
    for (name, value) in fields {
        map.insert(name.to_owned(), value);
    }
    if with_secret {
        map.insert("client_secret".to_owned(), json!(session.client_secret));
    }
    if let Some(payment_id) = payment_id(session) {
        map.insert("payment_id".to_owned(), json!(payment_id));
    }
    Value::Object(map)
}

/// What `GET /embedded-checkout/{id}` answers.
pub(crate) fn status(session: &Session) -> Value {
    json!({
        "id": session.id(),
        "status": status_name(session.status),
        "payment_status": payment_status(session),
    })
}

/// What a successful confirm answers.
pub(crate) fn confirmation(session: &Session) -> Value {
    json!({
        "id": session.id(),
        "status": status_name(session.status),
        "payment_status": payment_status(session),
        "payment_id": payment_id(session),
    })
}

/// What `GET /embedded-checkout/{id}/crypto-status` answers.
pub(crate) fn crypto(crypto: Option<&Crypto>) -> Value {
    match crypto {
        Some(crypto) => json!({
            "status": "confirmed",
            "tx_signature": crypto.tx_signature,
            "payment_address": crypto.payment_address,
            "chain": "solana",
            "asset": "USDC",
            "amount": crypto.amount,
        }),
        None => json!({
            "status": "pending",
            "tx_signature": null,
            "payment_address": null,
            "chain": null,
            "asset": null,
            "amount": null,
        }),
    }
}

/// The merchant config.
pub(crate) fn config(config: &MerchantConfig) -> Value {
    json!({ "allowed_origins": config.allowed_origins, "updated_at": iso8601(config.updated) })
}

/// One session's whole state, for the control API and [`FakeEasy::session`]: the object the
/// API returns (its `client_secret` included), plus `payments` (how many times it was
/// charged), `paid_at` and `crypto_payment`.
///
/// [`FakeEasy::session`]: crate::FakeEasy::session
pub(crate) fn session_state(session: &Session) -> Value {
    let mut view = self::session(session, true);
    if let Some(map) = view.as_object_mut() {
        map.insert("payments".to_owned(), json!(session.payments));
        map.insert("paid_at".to_owned(), json!(session.paid_at.map(iso8601)));
        let crypto = session.crypto.as_deref().map(|c| self::crypto(Some(c)));
        map.insert("crypto_payment".to_owned(), json!(crypto));
    }
    view
}

/// The event of `kind` that happened to `session`, built and signed: `{id, type, data,
/// created_at}`, `data` the session object as it is now (no secret), plus `crypto_payment`
/// for a session paid on-chain. `None` when that event has not happened.
pub(crate) fn event(session: &Session, kind: EventKind) -> Option<Event> {
    let (id, at) = session.event(kind)?;
    let mut data = self::session(session, false);
    if let (Some(crypto), Some(map)) = (&session.crypto, data.as_object_mut()) {
        map.insert("crypto_payment".to_owned(), self::crypto(Some(crypto)));
    }
    let body = event_body(id, kind.as_str(), data, at);
    let signature = webhook::sign(&WebhookSecret::new(WEBHOOK_SECRET), &body);
    Some(Event {
        id: id.to_owned(),
        kind,
        session_id: session.id(),
        body,
        signature,
    })
}

/// An event's body: `{id, type, data, created_at}`.
fn event_body(id: &str, kind: &str, data: Value, at: SystemTime) -> Vec<u8> {
    to_bytes(&json!({ "id": id, "type": kind, "data": data, "created_at": iso8601(at) }))
}

/// An event's body for a session the fake need not know: `data` is
/// `{id, status: "complete", payment_status: "succeeded"}`.
pub(crate) fn sample_event(id: &str, kind: &str, session_id: &str, at: SystemTime) -> Vec<u8> {
    let data = json!({ "id": session_id, "status": "complete", "payment_status": "succeeded" });
    event_body(id, kind, data, at)
}

/// The session's newest event, signed: `checkout.session.crypto_confirmed` for a session paid
/// on-chain, else `checkout.session.completed`; `None` for an unpaid session.
pub(crate) fn signed_webhook(session: &Session) -> Option<SignedWebhook> {
    let kind = match session.crypto {
        Some(_) => EventKind::CryptoConfirmed,
        None => EventKind::Completed,
    };
    let event = event(session, kind)?;
    Some(SignedWebhook {
        body: event.body,
        signature: event.signature,
    })
}
