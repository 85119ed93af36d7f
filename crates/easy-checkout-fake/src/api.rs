//! The fake API itself: routing, authentication, validation, sessions, config and
//! idempotency. Knows nothing of sockets; the caller passes in the clock.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::util::{iso8601, random_base58, random_hex};

pub(crate) const REVOKED_KEY: &str = "sk_test_revoked";
pub(crate) const PUBLIC_KEY: &str = "pk_fake_basis_theory";
pub(crate) const DECLINE_TOKEN: &str = "tok_decline";
/// How long a new session stays open.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(30 * 60);

/// A request as the API sees it.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    /// The raw request target (path and query, percent-encoding intact).
    pub target: &'a str,
    /// Names lowercased.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A JSON reply.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// Headers besides `Content-Type` and the rate-limit ones.
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(crate) fn data(value: Value) -> Self {
        Self {
            status: 200,
            body: to_bytes(&json!({ "data": value })),
            headers: Vec::new(),
        }
    }

    /// The error envelope `{"success": false, "error": {code, message, details}}`.
    pub(crate) fn error(
        status: u16,
        code: &str,
        message: impl Into<String>,
        details: Value,
    ) -> Self {
        let envelope = json!({
            "success": false,
            "error": { "code": code, "message": message.into(), "details": details },
        });
        Self {
            status,
            body: to_bytes(&envelope),
            headers: Vec::new(),
        }
    }
}

fn to_bytes(value: &Value) -> Vec<u8> {
    // Serialising a `Value` cannot fail (its map keys are strings).
    serde_json::to_vec(value).unwrap_or_default()
}

fn validation(field: &str, reason: &str) -> Reply {
    Reply::error(
        400,
        "VALIDATION_ERROR",
        format!("`{field}` {reason}"),
        json!({ "field": field, "reason": reason }),
    )
}

/// Whether the fake accepts `key`: `sk_test_X` or `sk_live_X` with a non-empty `X`, except
/// the revoked key.
fn key_accepted(key: &str) -> bool {
    key != REVOKED_KEY
        && key
            .strip_prefix("sk_test_")
            .or_else(|| key.strip_prefix("sk_live_"))
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_graphic()))
}

fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            host_end > 0 && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// `https://Shop.example/` and `https://shop.example` are the same origin here.
fn normalize_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    ValidateKey,
    Create,
    Validate,
    Confirm,
    Config,
    /// The raw (still percent-encoded) id segment.
    Retrieve(&'a str),
    CryptoStatus(&'a str),
}

impl Route<'_> {
    /// Routes on the raw target split on `/`, so an encoded `%2F` inside an id stays in its
    /// segment and can never reach another endpoint.
    fn of(target: &str) -> Option<Route<'_>> {
        let path = target.split(['?', '#']).next().unwrap_or_default();
        let rest = path.strip_prefix('/')?;
        let segments: Vec<&str> = rest.split('/').collect();
        Some(match segments.as_slice() {
            ["validate-key"] => Route::ValidateKey,
            ["embedded-checkout"] => Route::Create,
            ["embedded-checkout", "validate"] => Route::Validate,
            ["embedded-checkout", "confirm"] => Route::Confirm,
            ["embedded-checkout", "config"] => Route::Config,
            ["embedded-checkout", id] if !id.is_empty() => Route::Retrieve(id),
            ["embedded-checkout", id, "crypto-status"] if !id.is_empty() => Route::CryptoStatus(id),
            _ => return None,
        })
    }

    fn methods(self) -> &'static [&'static str] {
        match self {
            Route::Create | Route::Validate | Route::Confirm => &["POST"],
            Route::Config => &["GET", "PATCH"],
            Route::ValidateKey | Route::Retrieve(_) | Route::CryptoStatus(_) => &["GET"],
        }
    }

    fn needs_key(self) -> bool {
        !matches!(self, Route::Validate | Route::Confirm)
    }
}

#[derive(Debug, Clone)]
struct Crypto {
    tx_signature: String,
    payment_address: String,
    amount: String,
}

impl Crypto {
    fn json(&self) -> Value {
        json!({
            "status": "confirmed",
            "tx_signature": self.tx_signature,
            "payment_address": self.payment_address,
            "chain": "solana",
            "asset": "USDC",
            "amount": self.amount,
        })
    }
}

#[derive(Debug, Clone)]
struct Session {
    id: String,
    client_secret: String,
    status: &'static str,
    payment_status: &'static str,
    created_at: String,
    updated_at: String,
    expires: SystemTime,
    expires_at: String,
    /// The create body as sent (items, return_url, metadata, any extra field).
    fields: Map<String, Value>,
    total_quantity: u64,
    payment_id: Option<String>,
    paid_at: Option<String>,
    crypto: Option<Crypto>,
    /// Its creation number (`ecs_<number>`).
    number: u64,
    /// How many times it was charged (every confirm that succeeded, every `pay`).
    payments: u64,
}

impl Session {
    /// Lazily expires an open session whose time is up.
    fn refresh(&mut self, now: SystemTime) {
        if self.status == "open" && now >= self.expires {
            self.status = "expired";
            self.updated_at = self.expires_at.clone();
        }
    }

    /// The full object: every create field echoed, then the server's fields.
    fn view(&self, with_secret: bool) -> Value {
        let mut map = self.fields.clone();
        map.remove("client_secret");
        let fields = [
            ("id", json!(self.id)),
            ("status", json!(self.status)),
            ("payment_status", json!(self.payment_status)),
            ("expires_at", json!(self.expires_at)),
            ("created_at", json!(self.created_at)),
            ("updated_at", json!(self.updated_at)),
        ];
        for (name, value) in fields {
            map.insert(name.to_owned(), value);
        }
        if with_secret {
            map.insert("client_secret".to_owned(), json!(self.client_secret));
        }
        if let Some(payment_id) = &self.payment_id {
            map.insert("payment_id".to_owned(), json!(payment_id));
        }
        Value::Object(map)
    }

    fn status_view(&self) -> Value {
        json!({ "id": self.id, "status": self.status, "payment_status": self.payment_status })
    }
}

#[derive(Debug, Clone)]
struct Stored {
    method: String,
    target: String,
    body: Vec<u8>,
    reply: Reply,
}

/// Everything the fake API remembers.
#[derive(Debug)]
pub(crate) struct State {
    sessions: HashMap<String, Session>,
    by_secret: HashMap<String, String>,
    created: u64,
    payments: u64,
    allowed_origins: Vec<String>,
    config_updated_at: String,
    /// (scope, Idempotency-Key) → the first request and its reply.
    idempotency: HashMap<(String, String), Stored>,
}

impl State {
    pub(crate) fn new(now: SystemTime) -> Self {
        Self {
            sessions: HashMap::new(),
            by_secret: HashMap::new(),
            created: 0,
            payments: 0,
            allowed_origins: Vec::new(),
            config_updated_at: iso8601(now),
            idempotency: HashMap::new(),
        }
    }

    /// Answers one request.
    pub(crate) fn handle(&mut self, req: &Request<'_>, now: SystemTime) -> Reply {
        let Some(route) = Route::of(req.target) else {
            return Reply::error(
                404,
                "ROUTE_NOT_FOUND",
                format!("no route for {} {}", req.method, req.target),
                json!({ "method": req.method, "path": req.target }),
            );
        };
        let allowed = route.methods();
        if !allowed.contains(&req.method) {
            let mut reply = Reply::error(
                405,
                "METHOD_NOT_ALLOWED",
                format!("{} is not allowed here", req.method),
                json!({ "allowed": allowed }),
            );
            reply.headers.push(("Allow", allowed.join(", ")));
            return reply;
        }
        let scope = if route.needs_key() {
            match authenticate(req) {
                Ok(key) => format!("key:{key}"),
                Err(reply) => return reply,
            }
        } else {
            // Browser-side calls: idempotency keys are scoped to the session's secret.
            let secret = serde_json::from_slice::<Value>(req.body)
                .ok()
                .and_then(|v| v.get("client_secret")?.as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("secret:{secret}")
        };
        let idempotency_key = match req.method {
            "POST" | "PATCH" => req.header("idempotency-key").filter(|k| !k.is_empty()),
            _ => None,
        };
        let Some(key) = idempotency_key else {
            return self.dispatch(route, req, now);
        };
        let slot = (scope, key.to_owned());
        if let Some(stored) = self.idempotency.get(&slot) {
            if stored.method == req.method && stored.target == req.target && stored.body == req.body
            {
                let mut reply = stored.reply.clone();
                reply
                    .headers
                    .push(("Idempotent-Replayed", "true".to_owned()));
                return reply;
            }
            return Reply::error(
                409,
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key was already used for a different request",
                json!({ "idempotency_key": key }),
            );
        }
        let reply = self.dispatch(route, req, now);
        // Server errors are not remembered: retrying them with the same key runs again.
        if reply.status < 500 {
            self.idempotency.insert(
                slot,
                Stored {
                    method: req.method.to_owned(),
                    target: req.target.to_owned(),
                    body: req.body.to_vec(),
                    reply: reply.clone(),
                },
            );
        }
        reply
    }

    fn dispatch(&mut self, route: Route<'_>, req: &Request<'_>, now: SystemTime) -> Reply {
        let result = match route {
            Route::ValidateKey => Ok(Reply::data(
                json!({ "basisTheoryPublicApiKey": PUBLIC_KEY }),
            )),
            Route::Create => self.create(req.body, now),
            Route::Retrieve(segment) => self
                .session_by_segment(segment, now)
                .map(|s| Reply::data(s.status_view())),
            Route::CryptoStatus(segment) => self.session_by_segment(segment, now).map(|s| {
                Reply::data(match &s.crypto {
                    Some(crypto) => crypto.json(),
                    None => json!({
                        "status": "pending",
                        "tx_signature": null,
                        "payment_address": null,
                        "chain": null,
                        "asset": null,
                        "amount": null,
                    }),
                })
            }),
            Route::Validate => self.validate(req.body, now),
            Route::Confirm => self.confirm(req.body, now),
            Route::Config if req.method == "PATCH" => self.update_config(req.body, now),
            Route::Config => Ok(Reply::data(self.config_view())),
        };
        result.unwrap_or_else(|reply| reply)
    }

    fn create(&mut self, body: &[u8], now: SystemTime) -> Result<Reply, Reply> {
        let fields = json_object(body)?;
        let items = match fields.get("items") {
            Some(Value::Array(items)) if !items.is_empty() => items,
            Some(Value::Array(_)) => return Err(validation("items", "must not be empty")),
            _ => {
                return Err(validation(
                    "items",
                    "is required and must be a non-empty array",
                ));
            }
        };
        let mut total_quantity = 0u64;
        for (i, item) in items.iter().enumerate() {
            let Some(item) = item.as_object() else {
                return Err(validation(&format!("items[{i}]"), "must be an object"));
            };
            match item.get("price_id") {
                Some(Value::String(id)) if !id.trim().is_empty() => {}
                _ => {
                    return Err(validation(
                        &format!("items[{i}].price_id"),
                        "is required and must be a non-empty string",
                    ));
                }
            }
            match item.get("quantity").and_then(Value::as_u64) {
                Some(q) if q >= 1 => total_quantity = total_quantity.saturating_add(q),
                _ => {
                    return Err(validation(
                        &format!("items[{i}].quantity"),
                        "is required and must be an integer of at least 1",
                    ));
                }
            }
        }
        match fields.get("return_url") {
            Some(Value::String(url)) if is_http_url(url) => {}
            _ => {
                return Err(validation(
                    "return_url",
                    "is required and must be an absolute http(s) URL",
                ));
            }
        }
        self.created += 1;
        let id = format!("ecs_{}", self.created);
        let client_secret = format!("ecs_secret_{}", random_hex(32));
        let expires = now + SESSION_TTL;
        let session = Session {
            id: id.clone(),
            client_secret: client_secret.clone(),
            status: "open",
            payment_status: "unpaid",
            created_at: iso8601(now),
            updated_at: iso8601(now),
            expires,
            expires_at: iso8601(expires),
            fields,
            total_quantity,
            payment_id: None,
            paid_at: None,
            crypto: None,
            number: self.created,
            payments: 0,
        };
        let reply = Reply::data(session.view(true));
        self.by_secret.insert(client_secret, id.clone());
        self.sessions.insert(id, session);
        Ok(reply)
    }

    fn session_by_segment(&mut self, segment: &str, now: SystemTime) -> Result<&Session, Reply> {
        let id = percent_decode_str(segment).decode_utf8_lossy().into_owned();
        match self.sessions.get_mut(&id) {
            Some(session) => {
                session.refresh(now);
                Ok(session)
            }
            None => Err(not_found(&id)),
        }
    }

    /// The session that `client_secret` in `fields` belongs to.
    fn session_by_secret(
        &mut self,
        fields: &Map<String, Value>,
        now: SystemTime,
    ) -> Result<&mut Session, Reply> {
        let secret = match fields.get("client_secret") {
            Some(Value::String(s)) if !s.is_empty() => s,
            _ => {
                return Err(validation(
                    "client_secret",
                    "is required and must be a non-empty string",
                ));
            }
        };
        let session = self
            .by_secret
            .get(secret)
            .and_then(|id| self.sessions.get_mut(id))
            .ok_or_else(|| {
                Reply::error(
                    401,
                    "INVALID_CLIENT_SECRET",
                    "the client_secret does not belong to any session",
                    Value::Null,
                )
            })?;
        session.refresh(now);
        Ok(session)
    }

    fn validate(&mut self, body: &[u8], now: SystemTime) -> Result<Reply, Reply> {
        let fields = json_object(body)?;
        let origin = match fields.get("parent_origin") {
            None | Some(Value::Null) => None,
            Some(Value::String(origin)) => Some(origin.clone()),
            Some(_) => return Err(validation("parent_origin", "must be a string")),
        };
        let allowed = self.allowed_origins.clone();
        let session = self.session_by_secret(&fields, now)?;
        if let Some(origin) = origin {
            let wanted = normalize_origin(&origin);
            if !allowed.is_empty() && !allowed.iter().any(|a| normalize_origin(a) == wanted) {
                return Err(Reply::error(
                    403,
                    "ORIGIN_NOT_ALLOWED",
                    format!("{origin} is not in the allowed origins"),
                    json!({ "parent_origin": origin, "allowed_origins": allowed }),
                ));
            }
        }
        Ok(Reply::data(json!({
            "valid": session.status == "open",
            "session": session.view(false),
        })))
    }

    fn confirm(&mut self, body: &[u8], now: SystemTime) -> Result<Reply, Reply> {
        let fields = json_object(body)?;
        let Some(method) = fields.get("payment_method").and_then(Value::as_object) else {
            return Err(validation(
                "payment_method",
                "is required and must be an object",
            ));
        };
        match method.get("type") {
            Some(Value::String(kind)) if !kind.is_empty() => {}
            _ => {
                return Err(validation(
                    "payment_method.type",
                    "is required and must be a non-empty string",
                ));
            }
        }
        let declined = method.get("token_id").and_then(Value::as_str) == Some(DECLINE_TOKEN);
        let session = self.session_by_secret(&fields, now)?;
        let id = session.id.clone();
        match session.status {
            "expired" => {
                return Err(Reply::error(
                    409,
                    "SESSION_EXPIRED",
                    "the session has expired",
                    json!({ "session_id": id }),
                ));
            }
            "complete" => {
                return Err(Reply::error(
                    409,
                    "SESSION_ALREADY_COMPLETE",
                    "the session is already complete",
                    json!({ "session_id": id }),
                ));
            }
            _ => {}
        }
        if declined {
            return Err(Reply::error(
                402,
                "CARD_DECLINED",
                "the card was declined",
                json!({ "session_id": id, "decline_code": "generic_decline" }),
            ));
        }
        self.pay(&id, now);
        let session = self.sessions.get(&id).ok_or_else(|| not_found(&id))?;
        Ok(Reply::data(json!({
            "id": session.id,
            "status": session.status,
            "payment_status": session.payment_status,
            "payment_id": session.payment_id,
        })))
    }

    fn config_view(&self) -> Value {
        json!({ "allowed_origins": self.allowed_origins, "updated_at": self.config_updated_at })
    }

    fn update_config(&mut self, body: &[u8], now: SystemTime) -> Result<Reply, Reply> {
        let fields = json_object(body)?;
        let Some(Value::Array(list)) = fields.get("allowed_origins") else {
            return Err(validation(
                "allowed_origins",
                "is required and must be an array of origin strings",
            ));
        };
        let mut origins = Vec::with_capacity(list.len());
        for (i, origin) in list.iter().enumerate() {
            match origin {
                Value::String(o) if !o.trim().is_empty() => origins.push(o.clone()),
                _ => {
                    return Err(validation(
                        &format!("allowed_origins[{i}]"),
                        "must be a non-empty string",
                    ));
                }
            }
        }
        self.set_allowed_origins(origins, now);
        Ok(Reply::data(self.config_view()))
    }

    // ---- the test-side controls ----

    pub(crate) fn set_allowed_origins(&mut self, origins: Vec<String>, now: SystemTime) {
        self.allowed_origins = origins;
        self.config_updated_at = iso8601(now);
    }

    /// Marks the session paid as a successful confirm would. False if unknown.
    pub(crate) fn pay(&mut self, id: &str, now: SystemTime) -> bool {
        let Some(session) = self.sessions.get_mut(id) else {
            return false;
        };
        session.payments += 1;
        if session.payment_id.is_none() {
            self.payments += 1;
            session.payment_id = Some(format!("pay_{}", self.payments));
        }
        let at = iso8601(now);
        session.status = "complete";
        session.payment_status = "succeeded";
        session.paid_at.get_or_insert_with(|| at.clone());
        session.updated_at = at;
        true
    }

    /// As [`State::pay`], plus a confirmed on-chain payment (1 USDC per unit of quantity).
    pub(crate) fn pay_crypto(&mut self, id: &str, now: SystemTime) -> bool {
        if !self.pay(id, now) {
            return false;
        }
        if let Some(session) = self.sessions.get_mut(id) {
            let amount = format!("{}.00", session.total_quantity);
            session.crypto.get_or_insert_with(|| Crypto {
                tx_signature: random_base58(88),
                payment_address: random_base58(44),
                amount,
            });
        }
        true
    }

    pub(crate) fn expire(&mut self, id: &str, now: SystemTime) -> bool {
        match self.sessions.get_mut(id) {
            Some(session) => {
                session.status = "expired";
                session.updated_at = iso8601(now);
                true
            }
            None => false,
        }
    }

    /// One session's whole state, for the control API: the object the API returns (its
    /// `client_secret` included), plus `payments` (how many times it was charged), `paid_at`
    /// and `crypto_payment`.
    pub(crate) fn session_state(&mut self, id: &str, now: SystemTime) -> Option<Value> {
        let session = self.sessions.get_mut(id)?;
        session.refresh(now);
        let mut view = session.view(true);
        if let Some(map) = view.as_object_mut() {
            map.insert("payments".to_owned(), json!(session.payments));
            map.insert("paid_at".to_owned(), json!(session.paid_at));
            let crypto = session.crypto.as_ref().map(Crypto::json);
            map.insert("crypto_payment".to_owned(), json!(crypto));
        }
        Some(view)
    }

    /// Every session's [`State::session_state`], in creation order.
    pub(crate) fn sessions_state(&mut self, now: SystemTime) -> Vec<Value> {
        let mut ids: Vec<(u64, String)> = self
            .sessions
            .values()
            .map(|s| (s.number, s.id.clone()))
            .collect();
        ids.sort_unstable();
        ids.iter()
            .filter_map(|(_, id)| self.session_state(id, now))
            .collect()
    }

    /// The event body the API would deliver for a paid session.
    pub(crate) fn webhook_event(&self, id: &str) -> Option<Vec<u8>> {
        let session = self.sessions.get(id)?;
        if session.payment_status != "succeeded" {
            return None;
        }
        let mut data = session.view(false);
        let (kind, suffix) = match (&session.crypto, data.as_object_mut()) {
            (Some(crypto), Some(map)) => {
                map.insert("crypto_payment".to_owned(), crypto.json());
                ("checkout.session.crypto_confirmed", "crypto_confirmed")
            }
            _ => ("checkout.session.completed", "completed"),
        };
        let event = json!({
            "id": format!("evt_{}_{suffix}", session.id),
            "type": kind,
            "data": data,
            "created_at": session.paid_at,
        });
        Some(to_bytes(&event))
    }
}

fn authenticate<'r>(req: &Request<'r>) -> Result<&'r str, Reply> {
    match req.header("x-easy-api-key").map(str::trim) {
        None | Some("") => Err(Reply::error(
            401,
            "AUTHENTICATION_REQUIRED",
            "the x-easy-api-key header is missing",
            Value::Null,
        )),
        Some(key) if key_accepted(key) => Ok(key),
        Some(_) => Err(Reply::error(
            401,
            "INVALID_API_KEY",
            "the API key is not valid",
            Value::Null,
        )),
    }
}

fn json_object(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(validation("body", "must be a JSON object")),
        Err(e) => Err(Reply::error(
            400,
            "INVALID_JSON",
            format!("the body is not valid JSON: {e}"),
            Value::Null,
        )),
    }
}

fn not_found(id: &str) -> Reply {
    Reply::error(
        404,
        "SESSION_NOT_FOUND",
        "no session has this id",
        json!({ "session_id": id }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_on_raw_segments() {
        assert_eq!(Route::of("/embedded-checkout"), Some(Route::Create));
        assert_eq!(Route::of("/embedded-checkout?x=1"), Some(Route::Create));
        assert_eq!(Route::of("/embedded-checkout/config"), Some(Route::Config));
        assert_eq!(
            Route::of("/embedded-checkout/ecs_1%2F..%2Fconfig"),
            Some(Route::Retrieve("ecs_1%2F..%2Fconfig"))
        );
        assert_eq!(
            Route::of("/embedded-checkout/ecs_1/crypto-status"),
            Some(Route::CryptoStatus("ecs_1"))
        );
        assert_eq!(Route::of("/embedded-checkout/"), None);
        assert_eq!(Route::of("/embedded-checkout/a/b"), None);
        assert_eq!(Route::of("embedded-checkout"), None);
        assert_eq!(Route::of("/"), None);
        assert_eq!(Route::of("*"), None);
    }

    #[test]
    fn accepts_keys_by_shape() {
        assert!(key_accepted("sk_test_fake_key"));
        assert!(key_accepted("sk_live_x"));
        assert!(!key_accepted("sk_test_"));
        assert!(!key_accepted("sk_test_revoked"));
        assert!(!key_accepted("pk_test_x"));
        assert!(!key_accepted("sk_other_x"));
    }

    #[test]
    fn checks_urls() {
        assert!(is_http_url("https://shop.example/return?x=1"));
        assert!(is_http_url("HTTP://localhost:8080"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https:///path"));
        assert!(!is_http_url("ftp://shop.example"));
        assert!(!is_http_url("/relative"));
        assert!(!is_http_url("https://shop.example/a b"));
    }

    #[test]
    fn sessions_expire_lazily() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut state = State::new(t0);
        let headers = vec![("x-easy-api-key".to_owned(), "sk_test_a".to_owned())];
        let body = br#"{"items":[{"price_id":"p","quantity":1}],"return_url":"https://a.example"}"#;
        let req = Request {
            method: "POST",
            target: "/embedded-checkout",
            headers: &headers,
            body,
        };
        assert_eq!(state.handle(&req, t0).status, 200);
        let get = Request {
            method: "GET",
            target: "/embedded-checkout/ecs_1",
            headers: &headers,
            body: b"",
        };
        let later = t0 + SESSION_TTL + Duration::from_secs(1);
        let reply = state.handle(&get, later);
        let value: Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(value["data"]["status"], "expired");
        assert_eq!(value["data"]["payment_status"], "unpaid");
    }
}
