//! What the fake hands back to tests: recorded requests, signed webhook deliveries, and
//! counts of what it holds against its limits.

use std::net::SocketAddr;

use easy_checkout_core::http::{HeaderValue, Method, Request};
use easy_checkout_core::webhook;

use crate::util::random_uuid;

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The raw request target as received (path and query), percent-encoding intact:
    /// `/embedded-checkout/ecs_1%2F..%2Fconfig`.
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
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, `None` when it is empty or not JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A webhook delivery the real API would POST to the merchant: the exact body and the
/// `x-easy-webhook-signature` header value for it
/// ([`SIGNATURE_HEADER`](easy_checkout_core::webhook::SIGNATURE_HEADER)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedWebhook {
    /// The raw JSON body: `{"id", "type", "data", "created_at"}`, plus `created` and
    /// `api_version` in the API reference's vocabulary.
    pub body: Vec<u8>,
    /// `sha256=<lowercase hex>`: HMAC-SHA256 of `body` under
    /// [`FakeEasy::webhook_secret`](crate::FakeEasy::webhook_secret).
    pub signature: String,
}

impl SignedWebhook {
    /// The request attempt number `attempt` (from 1) of this delivery would be, as the
    /// webhook reference describes it: `POST /` with the raw body and the headers
    /// `content-type: application/json`, the signature, `x-easy-event` (the event's type),
    /// `x-easy-delivery-id` (a new random UUID: one per attempt) and
    /// `x-easy-webhook-attempt`. What a merchant's handler hands to
    /// [`webhook::verify_request`](easy_checkout_core::webhook::verify_request).
    pub fn delivery(&self, attempt: u32) -> Request<Vec<u8>> {
        let event_type = serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|event| Some(event.get("type")?.as_str()?.to_owned()))
            .unwrap_or_default();
        let headers = [
            ("content-type", "application/json".to_owned()),
            (webhook::SIGNATURE_HEADER, self.signature.clone()),
            (webhook::EVENT_HEADER, event_type),
            (webhook::DELIVERY_ID_HEADER, random_uuid()),
            (webhook::ATTEMPT_HEADER, attempt.to_string()),
        ];
        let mut request = Request::new(self.body.clone());
        *request.method_mut() = Method::POST;
        for (name, value) in headers {
            // The fake makes every value: each is visible ASCII.
            if let Ok(value) = HeaderValue::from_str(&value) {
                request.headers_mut().insert(name, value);
            }
        }
        request
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

/// What the fake holds now, against its limits: [`FakeEasy::stats`](crate::FakeEasy::stats),
/// or `GET /__fake/stats`. A long-lived fake stays within these whatever it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// The recorded requests: [`FakeEasy::requests`](crate::FakeEasy::requests) keeps the
    /// newest `limit`; `dropped` counts the older ones it let go.
    pub requests: Usage,
    /// The sessions: `dropped` counts the ones forgotten after their expiry and grace
    /// period, or oldest first above the limit.
    pub sessions: Usage,
    /// The remembered `Idempotency-Key`s: `dropped` counts the ones forgotten after 24 hours,
    /// or oldest first above the limit.
    pub idempotency_records: Usage,
    /// Client connections open now.
    pub connections_open: usize,
    /// The most connections served at once; more are answered `503`.
    pub max_connections: usize,
    /// Connections answered `503 TOO_MANY_CONNECTIONS` since the fake started or was reset.
    pub connections_refused: u64,
}
