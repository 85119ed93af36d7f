//! The state as JSON: the one place for the [`Vocabulary`] the fake answers in (the
//! workspace's `docs/fake.md` sets the two side by side).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::record::SignedWebhook;
use crate::reply::{Reply, to_bytes};
use crate::state::MerchantConfig;
use crate::state::deliveries::Event;
use crate::state::sessions::{EventKind, Session, Status};
use crate::util::iso8601;

use easy_checkout_core::Vocabulary;
use easy_checkout_core::webhook::{self, WebhookSecret};

pub(crate) const WEBHOOK_SECRET: &str = "whsec_fake_secret";

/// The `api_version` of the reference's webhook events (the webhook reference's example).
const API_VERSION: &str = "2026-05-01";

/// What one unit of any price costs: 1 USD (1 USDC for a crypto payment). A create refuses a
/// cart whose total quantity times this does not fit in a `u64`.
pub(crate) const CENTS_PER_UNIT: u64 = 100;

/// A `200` with `data` in the vocabulary's success envelope; `message` is the reference's
/// one line about what was done.
pub(crate) fn success(vocabulary: Vocabulary, data: Value, msg: &str, now: SystemTime) -> Reply {
    match vocabulary {
        Vocabulary::Sdk => Reply::data(data),
        Vocabulary::Reference => Reply::json(
            200,
            &json!({ "success": true, "timestamp": iso8601(now), "message": msg, "data": data }),
        ),
    }
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Open => "open",
        Status::Complete => "complete",
        Status::Expired => "expired",
    }
}

fn payment_status(session: &Session, vocabulary: Vocabulary) -> &'static str {
    match (session.paid(), vocabulary) {
        (false, _) => "unpaid",
        (true, Vocabulary::Sdk) => "succeeded",
        (true, Vocabulary::Reference) => "paid",
    }
}

fn payment_id(session: &Session) -> Option<String> {
    session.payment.map(|n| format!("pay_{n}"))
}

/// The full session object: every create field echoed, then the server's fields.
pub(crate) fn session(session: &Session, with_secret: bool, vocabulary: Vocabulary) -> Value {
    session_with_fields(session, session.fields(), with_secret, vocabulary)
}

/// [`session`] over create fields the caller already holds.
pub(crate) fn session_with_fields(
    session: &Session,
    mut map: Map<String, Value>,
    with_secret: bool,
    vocabulary: Vocabulary,
) -> Value {
    map.remove("client_secret");
    let mut put = |name: &str, value: Value| map.insert(name.to_owned(), value);
    put("id", json!(session.id()));
    put("status", json!(status_name(session.status)));
    put("payment_status", json!(payment_status(session, vocabulary)));
    put("expires_at", json!(iso8601(session.expires)));
    put("created_at", json!(iso8601(session.created)));
    match vocabulary {
        Vocabulary::Sdk => put("updated_at", json!(iso8601(session.updated))),
        Vocabulary::Reference => {
            let url = format!("https://checkout.easy.invalid/{}", session.id());
            put("url", json!(url));
            put("amount_total", json!(cents(session)));
            put("currency", json!("usd"))
        }
    };
    if with_secret {
        put("client_secret", json!(session.client_secret));
    }
    if let Some(payment_id) = payment_id(session) {
        put("payment_id", json!(payment_id));
    }
    Value::Object(map)
}

/// The session's amount in cents; it fits, since a create refuses a total whose cents do not
/// (saturating only so that no arithmetic here can panic).
fn cents(session: &Session) -> u64 {
    session.total_quantity.saturating_mul(CENTS_PER_UNIT)
}

/// What `GET /embedded-checkout/{id}` answers.
pub(crate) fn status(session: &Session, vocabulary: Vocabulary) -> Value {
    json!({
        "id": session.id(),
        "status": status_name(session.status),
        "payment_status": payment_status(session, vocabulary),
    })
}

/// What a successful validate answers: the SDK page's `{"valid", "session"}` (`valid` only
/// for an open session), or the reference's `null`.
pub(crate) fn validation(session: &Session, vocabulary: Vocabulary) -> Value {
    match vocabulary {
        Vocabulary::Sdk => json!({
            "valid": session.status == Status::Open,
            "session": self::session(session, false, vocabulary),
        }),
        Vocabulary::Reference => Value::Null,
    }
}

/// What a successful confirm answers: [`status`] and the payment id, or the reference's `null`.
pub(crate) fn confirmation(session: &Session, vocabulary: Vocabulary) -> Value {
    if vocabulary == Vocabulary::Reference {
        return Value::Null;
    }
    let mut confirmed = status(session, vocabulary);
    confirmed["payment_id"] = json!(payment_id(session));
    confirmed
}

/// What `GET /embedded-checkout/{id}/crypto-status` answers: the on-chain payment, or
/// `pending` with the other fields `null`.
pub(crate) fn crypto(session: &Session, vocabulary: Vocabulary) -> Value {
    match &session.crypto {
        Some(crypto) => json!({
            "status": "confirmed",
            "tx_signature": crypto.tx_signature,
            "payment_address": crypto.payment_address,
            "chain": "solana",
            "asset": "USDC",
            "amount": match vocabulary {
                Vocabulary::Sdk => json!(crypto.amount),
                Vocabulary::Reference => json!(cents(session)),
            },
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

pub(crate) fn config(config: &MerchantConfig) -> Value {
    json!({ "allowed_origins": config.allowed_origins, "updated_at": iso8601(config.updated) })
}

/// [`FakeEasy::session`](crate::FakeEasy::session).
pub(crate) fn session_state(session: &Session, vocabulary: Vocabulary) -> Value {
    let mut view = self::session(session, true, vocabulary);
    view["payments"] = json!(session.payments);
    view["paid_at"] = json!(session.paid_at.map(iso8601));
    let on_chain = session.crypto.as_ref().map(|_| crypto(session, vocabulary));
    view["crypto_payment"] = json!(on_chain);
    view
}

/// The event of `kind` that happened to `session`, signed: `data` is the session as it is now
/// (no secret, `crypto_payment` when paid on-chain). `None` when it has not happened.
pub(crate) fn event(session: &Session, kind: EventKind, vocabulary: Vocabulary) -> Option<Event> {
    let (id, at) = session.event(kind)?;
    let mut data = self::session(session, false, vocabulary);
    if session.crypto.is_some() {
        data["crypto_payment"] = crypto(session, vocabulary);
    }
    let body = event_body(id, kind.as_str(), data, at, vocabulary);
    let signature = webhook::sign(&WebhookSecret::new(WEBHOOK_SECRET), &body);
    Some(Event {
        id: id.to_owned(),
        kind,
        session_id: session.id(),
        body,
        signature,
    })
}

/// An event's body: `{id, type, data, created_at}`, plus `created` (Unix seconds) and
/// `api_version` in the API reference's vocabulary.
pub(crate) fn event_body(
    id: &str,
    kind: &str,
    data: Value,
    at: SystemTime,
    vocabulary: Vocabulary,
) -> Vec<u8> {
    let mut event = json!({ "id": id, "type": kind, "data": data, "created_at": iso8601(at) });
    if vocabulary == Vocabulary::Reference {
        event["created"] = json!(at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs());
        event["api_version"] = json!(API_VERSION);
    }
    to_bytes(&event)
}

/// [`FakeEasy::webhook_for`](crate::FakeEasy::webhook_for).
pub(crate) fn signed_webhook(session: &Session, vocabulary: Vocabulary) -> Option<SignedWebhook> {
    let kind = match session.crypto {
        Some(_) => EventKind::CryptoConfirmed,
        None => EventKind::Completed,
    };
    let Event {
        body, signature, ..
    } = event(session, kind, vocabulary)?;
    Some(SignedWebhook { body, signature })
}
