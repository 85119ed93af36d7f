//! One function per endpoint: the checks the API makes, the state it changes, the reply it
//! gives. Routing, authentication and idempotency have happened by the time these run.

use std::time::SystemTime;

use easy_checkout_core::Vocabulary;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use super::request::{Request, Route};
use super::views;
use crate::reply::Reply;
use crate::state::State;
use crate::state::sessions::{Payment, Session, Status};

pub(crate) const PUBLIC_KEY: &str = "pk_fake_basis_theory";
pub(crate) const DECLINE_TOKEN: &str = "tok_decline";

/// The reply of the endpoint `route` names, in the fake's vocabulary (requests are read in
/// both).
pub(super) fn answer(
    state: &mut State,
    route: Route<'_>,
    req: &Request<'_>,
    now: SystemTime,
) -> Reply {
    let vocabulary = state.vocabulary;
    let result = match route {
        Route::ValidateKey => Ok((
            json!({ "basisTheoryPublicApiKey": PUBLIC_KEY }),
            "API key is valid",
        )),
        Route::Create => create(state, req.body, now).map(|d| (d, "Checkout session created")),
        Route::Retrieve(segment) => session_by_segment(state, segment, now)
            .map(|s| (views::status(s, vocabulary), "Checkout session retrieved")),
        Route::CryptoStatus(segment) => session_by_segment(state, segment, now).map(|s| {
            (
                views::crypto(s, vocabulary),
                "Crypto payment status retrieved",
            )
        }),
        Route::Validate => validate(state, req.body, now).map(|d| (d, "Checkout session is valid")),
        Route::Confirm => confirm(state, req.body, now).map(|d| (d, "Payment confirmed")),
        Route::Config if req.method == "PATCH" => {
            update_config(state, req.body, now).map(|d| (d, "Configuration updated"))
        }
        Route::Config => Ok((views::config(&state.config), "Configuration retrieved")),
    };
    match result {
        Ok((data, message)) => views::success(vocabulary, data, message, now),
        Err(reply) => reply,
    }
}

/// A create in either vocabulary: the SDK page's `items` and `return_url`, or the API
/// reference's `line_items`, `success_url` and its optional fields.
fn create(state: &mut State, body: &[u8], now: SystemTime) -> Result<Value, Reply> {
    let fields = json_object(body)?;
    let total_quantity = match (fields.get("items"), fields.get("line_items")) {
        (Some(_), Some(_)) => {
            return Err(validation(
                "line_items",
                "must not come with items (send the SDK page's items or the API reference's \
                 line_items)",
            ));
        }
        (None, Some(line_items)) => {
            let quantity = cart("line_items", Some(line_items))?;
            reference_create_fields(&fields)?;
            quantity
        }
        (items, None) => {
            let quantity = cart("items", items)?;
            require_url(&fields, "return_url")?;
            quantity
        }
    };
    let vocabulary = state.vocabulary;
    let session = state.sessions.create(&fields, total_quantity, now);
    Ok(views::session_with_fields(
        session, fields, true, vocabulary,
    ))
}

/// The cart named `name`: a non-empty array of `{price_id, quantity}`; its total quantity.
fn cart(name: &str, items: Option<&Value>) -> Result<u64, Reply> {
    let items = match items {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) => return Err(validation(name, "must not be empty")),
        _ => {
            return Err(validation(
                name,
                "is required and must be a non-empty array",
            ));
        }
    };
    let mut total_quantity = 0u64;
    for (i, item) in items.iter().enumerate() {
        let Some(item) = item.as_object() else {
            return Err(validation(&format!("{name}[{i}]"), "must be an object"));
        };
        match item.get("price_id") {
            Some(Value::String(id)) if !id.trim().is_empty() => {}
            _ => {
                return Err(validation(
                    &format!("{name}[{i}].price_id"),
                    "is required and must be a non-empty string",
                ));
            }
        }
        match item.get("quantity").and_then(Value::as_u64) {
            Some(q) if q >= 1 => total_quantity = total_quantity.saturating_add(q),
            _ => {
                return Err(validation(
                    &format!("{name}[{i}].quantity"),
                    "is required and must be an integer of at least 1",
                ));
            }
        }
    }
    Ok(total_quantity)
}

/// The reference's create fields besides the cart: `success_url` (required), `cancel_url`,
/// `mode`, `customer_email`, `payment_methods`.
fn reference_create_fields(fields: &Map<String, Value>) -> Result<(), Reply> {
    require_url(fields, "success_url")?;
    match fields.get("cancel_url") {
        None | Some(Value::Null) => {}
        Some(_) => require_url(fields, "cancel_url")?,
    }
    match fields.get("mode") {
        None | Some(Value::Null) => {}
        Some(Value::String(mode)) if !mode.trim().is_empty() => {}
        Some(_) => return Err(validation("mode", "must be a non-empty string")),
    }
    match fields.get("customer_email") {
        None | Some(Value::Null) => {}
        Some(Value::String(email)) if email.contains('@') => {}
        Some(_) => return Err(validation("customer_email", "must be an email address")),
    }
    match fields.get("payment_methods") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(methods))
            if !methods.is_empty()
                && methods
                    .iter()
                    .all(|m| m.as_str().is_some_and(|m| !m.trim().is_empty())) =>
        {
            Ok(())
        }
        Some(_) => Err(validation(
            "payment_methods",
            "must be a non-empty array of method names",
        )),
    }
}

/// The absolute http(s) URL `fields` hold under `name`, or the `400` that names it.
fn require_url(fields: &Map<String, Value>, name: &str) -> Result<(), Reply> {
    match fields.get(name) {
        Some(Value::String(url)) if is_http_url(url) => Ok(()),
        _ => Err(validation(
            name,
            "is required and must be an absolute http(s) URL",
        )),
    }
}

/// The session a raw id segment names: percent-decoded, then looked up.
fn session_by_segment<'s>(
    state: &'s mut State,
    segment: &str,
    now: SystemTime,
) -> Result<&'s Session, Reply> {
    let id = percent_decode_str(segment).decode_utf8_lossy();
    match state.sessions.get(&id, now) {
        Some(session) => Ok(session),
        None => Err(Reply::error(
            404,
            "SESSION_NOT_FOUND",
            "no session has this id",
            json!({ "session_id": id }),
        )),
    }
}

/// The session that `client_secret` in `fields` belongs to.
fn session_by_secret<'s>(
    state: &'s mut State,
    fields: &Map<String, Value>,
    now: SystemTime,
) -> Result<&'s mut Session, Reply> {
    let secret = match fields.get("client_secret") {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => {
            return Err(validation(
                "client_secret",
                "is required and must be a non-empty string",
            ));
        }
    };
    state.sessions.by_secret(secret, now).ok_or_else(|| {
        Reply::error(
            401,
            "INVALID_CLIENT_SECRET",
            "the client_secret does not belong to any session",
            Value::Null,
        )
    })
}

fn validate(state: &mut State, body: &[u8], now: SystemTime) -> Result<Value, Reply> {
    let fields = json_object(body)?;
    let origin = match fields.get("parent_origin") {
        None | Some(Value::Null) => None,
        Some(Value::String(origin)) => Some(origin.clone()),
        Some(_) => return Err(validation("parent_origin", "must be a string")),
    };
    let allowed = state.config.allowed_origins.clone();
    let vocabulary = state.vocabulary;
    let session = session_by_secret(state, &fields, now)?;
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
    // The reference answers a valid secret with `data: null`: a finished session is refused.
    if vocabulary == Vocabulary::Reference {
        if let Some(refusal) = finished(session) {
            return Err(refusal);
        }
    }
    Ok(views::validation(session, vocabulary))
}

/// The `409` for a session that can no longer be paid; `None` for an open one.
fn finished(session: &Session) -> Option<Reply> {
    let (code, message) = match session.status {
        Status::Expired => ("SESSION_EXPIRED", "the session has expired"),
        Status::Complete => (
            "SESSION_ALREADY_COMPLETE",
            "the session is already complete",
        ),
        Status::Open => return None,
    };
    let details = json!({ "session_id": session.id() });
    Some(Reply::error(409, code, message, details))
}

/// A confirm in either vocabulary: the SDK page's `payment_method: {type, token_id}`, or the
/// API reference's `source: {type, tokenId}` with optional `customer_details`.
fn confirm(state: &mut State, body: &[u8], now: SystemTime) -> Result<Value, Reply> {
    let fields = json_object(body)?;
    let (name, token_field) = match (fields.get("payment_method"), fields.get("source")) {
        (Some(_), Some(_)) => {
            return Err(validation(
                "source",
                "must not come with payment_method (send one of them)",
            ));
        }
        (None, Some(_)) => ("source", "tokenId"),
        _ => ("payment_method", "token_id"),
    };
    let Some(method) = fields.get(name).and_then(Value::as_object) else {
        return Err(validation(name, "is required and must be an object"));
    };
    match method.get("type") {
        Some(Value::String(kind)) if !kind.is_empty() => {}
        _ => {
            return Err(validation(
                &format!("{name}.type"),
                "is required and must be a non-empty string",
            ));
        }
    }
    match fields.get("customer_details") {
        None | Some(Value::Null | Value::Object(_)) => {}
        Some(_) => return Err(validation("customer_details", "must be an object")),
    }
    let declined = method.get(token_field).and_then(Value::as_str) == Some(DECLINE_TOKEN);
    let vocabulary = state.vocabulary;
    let session = session_by_secret(state, &fields, now)?;
    let id = session.id();
    if let Some(refusal) = finished(session) {
        return Err(refusal);
    }
    if declined {
        return Err(Reply::error(
            402,
            "CARD_DECLINED",
            "the card was declined",
            json!({ "session_id": id, "decline_code": "generic_decline" }),
        ));
    }
    super::pay(state, &id, now, Payment::Card);
    let session = session_by_secret(state, &fields, now)?;
    Ok(views::confirmation(session, vocabulary))
}

fn update_config(state: &mut State, body: &[u8], now: SystemTime) -> Result<Value, Reply> {
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
    state.config.allowed_origins = origins;
    state.config.updated = now;
    Ok(views::config(&state.config))
}

/// The body as a JSON object, or the `400` that says why not.
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

/// A `400 VALIDATION_ERROR` naming `field`.
fn validation(field: &str, reason: &str) -> Reply {
    Reply::error(
        400,
        "VALIDATION_ERROR",
        format!("`{field}` {reason}"),
        json!({ "field": field, "reason": reason }),
    )
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::api::handle;
    use crate::state::sessions::SESSION_TTL;
    use crate::state::{Limits, Shared};

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
        let shared = Shared::new(
            Limits::default(),
            Vocabulary::Sdk,
            Default::default(),
            Default::default(),
        );
        let (mut state, _) = shared.state();
        let headers = vec![("x-easy-api-key".to_owned(), "sk_test_a".to_owned())];
        let body = br#"{"items":[{"price_id":"p","quantity":1}],"return_url":"https://a.example"}"#;
        let req = Request {
            method: "POST",
            target: "/embedded-checkout",
            headers: &headers,
            body,
        };
        assert_eq!(handle(&mut state, &req, t0).status, 200);
        let get = Request {
            method: "GET",
            target: "/embedded-checkout/ecs_1",
            headers: &headers,
            body: b"",
        };
        let later = t0 + SESSION_TTL + Duration::from_secs(1);
        let reply = handle(&mut state, &get, later);
        let value: Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(value["data"]["status"], "expired");
        assert_eq!(value["data"]["payment_status"], "unpaid");
    }
}
