//! What the fake hands back to tests.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use easy_checkout_core::http::{self, Method, Request};
use easy_checkout_core::webhook;

use crate::util::uuid_v4;

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The raw request target (path and query), percent-encoding intact.
    pub path: String,
    /// Every header in the order received; names lowercased, values as sent.
    pub headers: Vec<(String, String)>,
    /// The request body (after de-chunking), empty when there was none.
    pub body: Vec<u8>,
    /// The client's address (its side of the TCP connection).
    pub peer: SocketAddr,
}

impl RecordedRequest {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let named = |(n, _): &&(String, String)| n.eq_ignore_ascii_case(name);
        let (_, value) = self.headers.iter().find(named)?;
        Some(value)
    }

    /// The body parsed as JSON, `None` when it is empty or not JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A webhook delivery the real API would POST to the merchant: the exact body and its
/// `x-easy-webhook-signature` header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedWebhook {
    /// The raw JSON body: `{"id", "type", "data", "created_at"}`, plus `created` and
    /// `api_version` in the API reference's vocabulary.
    pub body: Vec<u8>,
    /// `sha256=<lowercase hex>`: HMAC-SHA256 of `body` under
    /// [`FakeEasy::webhook_secret`](crate::FakeEasy::webhook_secret).
    pub signature: String,
}

/// A registered webhook endpoint: where the fake POSTs its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Its id, `we_1`, `we_2`, … (to remove it with).
    pub id: String,
    /// The URL as registered.
    pub url: String,
}

/// One attempt to deliver a webhook event to an endpoint: a line of
/// [`FakeEasy::deliveries`](crate::FakeEasy::deliveries).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryAttempt {
    /// The event's id (`evt_…`): the same on every attempt and every redelivery.
    pub event_id: String,
    /// The event's type, also sent as `x-easy-event`.
    pub event_type: String,
    /// The session the event is about.
    pub session_id: String,
    /// The endpoint's id (`we_…`).
    pub endpoint_id: String,
    /// The endpoint's URL.
    pub url: String,
    /// `1` to `3`, as sent in `x-easy-webhook-attempt`.
    pub attempt: u8,
    /// This attempt's `x-easy-delivery-id`: a UUID, new on every attempt.
    pub delivery_id: String,
    /// The status the endpoint answered; `None` when it did not answer in whole.
    pub status: Option<u16>,
    /// Why no answer came (refused, timed out, closed, dropped by a fault), if none did.
    pub error: Option<String>,
    /// How long the attempt took, from connecting to the end of the answer.
    pub duration: Duration,
    /// When it started, by the fake's clock.
    pub started_at: SystemTime,
    /// What became of the delivery after this attempt.
    pub verdict: DeliveryVerdict,
}

/// What became of a delivery after one of its attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryVerdict {
    /// The endpoint answered 2xx: delivered.
    Delivered,
    /// It did not: another attempt follows after the backoff.
    Retrying,
    /// It did not, and this was the last attempt (or the endpoint was removed): Easy gives up.
    Failed,
}

impl DeliveryVerdict {
    /// `delivered`, `retrying` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryVerdict::Delivered => "delivered",
            DeliveryVerdict::Retrying => "retrying",
            DeliveryVerdict::Failed => "failed",
        }
    }
}

impl SignedWebhook {
    /// Attempt number `attempt` (from 1) of this delivery as the fake's deliveries send it (a
    /// new `x-easy-delivery-id` each time), to hand to [`webhook::verify_request`].
    pub fn delivery(&self, attempt: u32) -> Request<Vec<u8>> {
        let event = serde_json::from_slice::<serde_json::Value>(&self.body).unwrap_or_default();
        let (body, attempt) = (self.body.clone(), attempt.to_string());
        let event_type = event["type"].as_str().unwrap_or_default();
        // The fake makes every value: each is visible ASCII, so the request is always built.
        delivery_request("/", body, &self.signature, event_type, &attempt).unwrap_or_default()
    }
}

/// How full one bounded store of the fake is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Entries held now.
    pub kept: usize,
    /// The most it holds ([`FakeBuilder`](crate::FakeBuilder) sets it).
    pub limit: usize,
    /// Entries let go to stay within bounds since the fake started or was reset (for the
    /// recorded requests: since they were last cleared).
    pub dropped: u64,
}

impl Usage {
    pub(crate) fn new(kept: usize, limit: usize, dropped: u64) -> Self {
        Self {
            kept,
            limit,
            dropped,
        }
    }
}

/// What the fake holds now, against its limits: [`FakeEasy::stats`](crate::FakeEasy::stats).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// The recorded requests: the newest `limit` are kept.
    pub requests: Usage,
    /// The sessions, forgotten after their expiry and grace period, or oldest first.
    pub sessions: Usage,
    /// The remembered `Idempotency-Key`s, forgotten after 24 hours, or oldest first.
    pub idempotency_records: Usage,
    /// The delivery log: the newest `limit` attempts are kept.
    pub deliveries: Usage,
    /// Webhook deliveries waiting for their next attempt; the oldest are given up above `limit`.
    pub pending_deliveries: Usage,
    /// Client connections open now.
    pub connections_open: usize,
    /// The most connections served at once; more are answered `503`.
    pub max_connections: usize,
    /// Connections answered `503 TOO_MANY_CONNECTIONS` since the fake started or was reset.
    pub connections_refused: u64,
}

/// The user agent of the fake's deliveries.
const USER_AGENT: &str = concat!("easy-checkout-fake/", env!("CARGO_PKG_VERSION"));

/// One delivery attempt of `body` as a `POST uri`, with a new delivery id.
pub(crate) fn delivery_request(
    uri: &str,
    body: Vec<u8>,
    signature: &str,
    event_type: &str,
    attempt: &str,
) -> Result<Request<Vec<u8>>, http::Error> {
    let delivery_id = uuid_v4();
    let mut request = Request::builder().method(Method::POST).uri(uri);
    for (name, value) in delivery_headers(signature, event_type, &delivery_id, attempt) {
        request = request.header(name, value);
    }
    request.body(body)
}

/// The headers of a delivery attempt, as the webhook reference lists them (besides `host`,
/// `content-length` and `connection`).
pub(crate) fn delivery_headers<'a>(
    signature: &'a str,
    event_type: &'a str,
    delivery_id: &'a str,
    attempt: &'a str,
) -> [(&'static str, &'a str); 6] {
    [
        ("content-type", "application/json"),
        (webhook::SIGNATURE_HEADER, signature),
        (webhook::EVENT_HEADER, event_type),
        (webhook::DELIVERY_ID_HEADER, delivery_id),
        (webhook::ATTEMPT_HEADER, attempt),
        ("user-agent", USER_AGENT),
    ]
}
