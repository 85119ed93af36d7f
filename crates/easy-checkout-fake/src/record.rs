//! What the fake hands back to tests: recorded requests and signed webhook deliveries.

use std::net::SocketAddr;

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
    /// The raw JSON body: `{"id", "type", "data", "created_at"}`.
    pub body: Vec<u8>,
    /// `sha256=<lowercase hex>`: HMAC-SHA256 of `body` under
    /// [`FakeEasy::webhook_secret`](crate::FakeEasy::webhook_secret).
    pub signature: String,
}
