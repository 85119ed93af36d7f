//! One function per endpoint: the checks the API makes, the state it changes, the reply it
//! gives. Routing, authentication and idempotency have happened by the time these run.

use std::time::SystemTime;

use easy_checkout_core::Vocabulary;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use super::Route;
use super::views;
use crate::record::RecordedRequest;
use crate::reply::Reply;
use crate::state::State;
use crate::state::sessions::{Payment, Session, Status};

pub(crate) const PUBLIC_KEY: &str = "pk_fake_basis_theory";
pub(crate) const DECLINE_TOKEN: &str = "tok_decline";

/// The reply of the endpoint `route` names, in the fake's vocabulary.
pub(super) fn answer(
    state: &mut State,
    route: Route<'_>,
    req: &RecordedRequest,
    now: SystemTime,
) -> Reply {
    let vocabulary = state.vocabulary;
    let (data, message) = match route {
        Route::ValidateKey => {
            let key = json!({ "basisTheoryPublicApiKey": PUBLIC_KEY });
            (Ok(key), "API key is valid")
        }
        Route::Create => (create(state, &req.body, now), "Checkout session created"),
        Route::Retrieve(id) => {
            let status = session_by_segment(state, id, now).map(|s| views::status(s, vocabulary));
            (status, "Checkout session retrieved")
        }
        Route::CryptoStatus(id) => {
            let crypto = session_by_segment(state, id, now).map(|s| views::crypto(s, vocabulary));
            (crypto, "Crypto payment status retrieved")
        }
        Route::Validate => (validate(state, &req.body, now), "Checkout session is valid"),
        Route::Confirm => (confirm(state, &req.body, now), "Payment confirmed"),
        Route::Config if req.method == "PATCH" => (
            update_config(state, &req.body, now),
            "Configuration updated",
        ),
        Route::Config => (Ok(views::config(&state.config)), "Configuration retrieved"),
    };
    match data {
        Ok(data) => views::success(vocabulary, data, message, now),
        Err(reply) => reply,
    }
}

/// A create in either vocabulary: the SDK page's `items` and `return_url`, or the API
/// reference's `line_items`, `success_url` and its optional fields.
fn create(state: &mut State, body: &[u8], now: SystemTime) -> Result<Value, Reply> {
    let fields = json_object(body)?;
    let name = match (fields.get("items"), fields.get("line_items")) {
        (Some(_), Some(_)) => {
            let reason = "must not come with items (send the SDK page's items or the API \
                          reference's line_items)";
            return Err(validation("line_items", reason));
        }
        (None, Some(_)) => "line_items",
        _ => "items",
    };
    let total_quantity = cart(name, fields.get(name))?;
    match name {
        "items" => require_url(&fields, "return_url")?,
        _ => reference_create_fields(&fields)?,
    }
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
            let reason = "is required and must be a non-empty array";
            return Err(validation(name, reason));
        }
    };
    let mut total_quantity = 0u64;
    for (i, item) in items.iter().enumerate() {
        let field = |suffix: &str| format!("{name}[{i}]{suffix}");
        let item = (item.as_object()).ok_or_else(|| validation(&field(""), "must be an object"))?;
        let price_id = item.get("price_id").and_then(Value::as_str);
        if price_id.is_none_or(|id| id.trim().is_empty()) {
            let reason = "is required and must be a non-empty string";
            return Err(validation(&field(".price_id"), reason));
        }
        let quantity = item.get("quantity").and_then(Value::as_u64);
        let Some(quantity) = quantity.filter(|q| *q >= 1) else {
            let reason = "is required and must be an integer of at least 1";
            return Err(validation(&field(".quantity"), reason));
        };
        // The total and its amount in cents (`amount_total`, a crypto `amount`) must fit.
        let total = (total_quantity.checked_add(quantity))
            .filter(|total| total.checked_mul(views::CENTS_PER_UNIT).is_some());
        let Some(total) = total else {
            let max = u64::MAX / views::CENTS_PER_UNIT;
            let reason = format!(
                "makes the total quantity too large: at most {max} units in all (its amount in \
                 cents must fit in 64 bits)"
            );
            return Err(validation(&field(".quantity"), &reason));
        };
        total_quantity = total;
    }
    Ok(total_quantity)
}

/// The reference's create fields besides the cart: `success_url` (required), `cancel_url`,
/// `mode`, `customer_email`, `payment_methods`.
fn reference_create_fields(fields: &Map<String, Value>) -> Result<(), Reply> {
    require_url(fields, "success_url")?;
    let given = |name| fields.get(name).filter(|v| !v.is_null());
    let text = |v: &Value| v.as_str().is_some_and(|s| !s.trim().is_empty());
    if given("cancel_url").is_some() {
        require_url(fields, "cancel_url")?;
    }
    if given("mode").is_some_and(|mode| !text(mode)) {
        return Err(validation("mode", "must be a non-empty string"));
    }
    if given("customer_email").is_some_and(|e| !e.as_str().is_some_and(|e| e.contains('@'))) {
        return Err(validation("customer_email", "must be an email address"));
    }
    let names = |v: &Value| {
        v.as_array()
            .is_some_and(|m| !m.is_empty() && m.iter().all(text))
    };
    if given("payment_methods").is_some_and(|methods| !names(methods)) {
        let reason = "must be a non-empty array of method names";
        return Err(validation("payment_methods", reason));
    }
    Ok(())
}

/// The absolute http(s) URL `fields` hold under `name`, or the `400` that names it.
fn require_url(fields: &Map<String, Value>, name: &str) -> Result<(), Reply> {
    match fields.get(name) {
        Some(Value::String(url)) if is_http_url(url) => Ok(()),
        _ => {
            let reason = "is required and must be an absolute http(s) URL";
            Err(validation(name, reason))
        }
    }
}

/// The session a raw id segment names: percent-decoded, then looked up.
fn session_by_segment<'s>(
    state: &'s mut State,
    segment: &str,
    now: SystemTime,
) -> Result<&'s Session, Reply> {
    let id = percent_decode_str(segment).decode_utf8_lossy();
    let details = json!({ "session_id": id });
    let session = state.sessions.get(&id, now).map(|session| &*session);
    session.ok_or_else(|| Reply::error(404, "SESSION_NOT_FOUND", "no session has this id", details))
}

fn session_by_secret<'s>(
    state: &'s mut State,
    fields: &Map<String, Value>,
    now: SystemTime,
) -> Result<&'s mut Session, Reply> {
    let secret = fields.get("client_secret").and_then(Value::as_str);
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        let reason = "is required and must be a non-empty string";
        return Err(validation("client_secret", reason));
    };
    state.sessions.by_secret(secret, now).ok_or_else(|| {
        let message = "the client_secret does not belong to any session";
        Reply::error(401, "INVALID_CLIENT_SECRET", message, Value::Null)
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
        // An empty list allows every origin; `https://Shop.example/` is `https://shop.example`.
        let normalize = |o: &str| o.trim().trim_end_matches('/').to_ascii_lowercase();
        let wanted = normalize(&origin);
        if !allowed.is_empty() && !allowed.iter().any(|a| normalize(a) == wanted) {
            let message = format!("{origin} is not in the allowed origins");
            let details = json!({ "parent_origin": origin, "allowed_origins": allowed });
            return Err(Reply::error(403, "ORIGIN_NOT_ALLOWED", message, details));
        }
    }
    // The reference answers a valid secret with `data: null`: a finished session is refused.
    if vocabulary == Vocabulary::Reference {
        finished(session)?;
    }
    Ok(views::validation(session, vocabulary))
}

/// The `409` for a session that can no longer be paid.
fn finished(session: &Session) -> Result<(), Reply> {
    let (code, message) = match session.status {
        Status::Expired => ("SESSION_EXPIRED", "the session has expired"),
        Status::Complete => (
            "SESSION_ALREADY_COMPLETE",
            "the session is already complete",
        ),
        Status::Open => return Ok(()),
    };
    let details = json!({ "session_id": session.id() });
    Err(Reply::error(409, code, message, details))
}

/// A confirm in either vocabulary: the SDK page's `payment_method: {type, token_id}`, or the
/// API reference's `source: {type, tokenId}` with optional `customer_details`.
fn confirm(state: &mut State, body: &[u8], now: SystemTime) -> Result<Value, Reply> {
    let fields = json_object(body)?;
    let (name, token_field) = match (fields.get("payment_method"), fields.get("source")) {
        (Some(_), Some(_)) => {
            let reason = "must not come with payment_method (send one of them)";
            return Err(validation("source", reason));
        }
        (None, Some(_)) => ("source", "tokenId"),
        _ => ("payment_method", "token_id"),
    };
    let Some(method) = fields.get(name).and_then(Value::as_object) else {
        return Err(validation(name, "is required and must be an object"));
    };
    payment_method(name, token_field, method)?;
    let customer = fields.get("customer_details");
    if !matches!(customer, None | Some(Value::Null | Value::Object(_))) {
        return Err(validation("customer_details", "must be an object"));
    }
    let declined = method.get(token_field).and_then(Value::as_str) == Some(DECLINE_TOKEN);
    let vocabulary = state.vocabulary;
    let session = session_by_secret(state, &fields, now)?;
    let id = session.id();
    finished(session)?;
    if declined {
        let details = json!({ "session_id": id, "decline_code": "generic_decline" });
        let message = "the card was declined";
        return Err(Reply::error(402, "CARD_DECLINED", message, details));
    }
    super::pay(state, &id, now, Payment::Card);
    let session = session_by_secret(state, &fields, now)?;
    Ok(views::confirmation(session, vocabulary))
}

/// The payment method types the API documents (the seed and the reference show only
/// `PAYMENT_CARD`, with a token); an on-chain payment is reported by `crypto-status` instead.
const PAYMENT_TYPES: &[&str] = &["PAYMENT_CARD"];

/// The `400` for a payment method (`name`: `payment_method` or `source`, its token under
/// `token_field`) whose type the API does not document, or that lacks its non-empty token.
fn payment_method(name: &str, token_field: &str, method: &Map<String, Value>) -> Result<(), Reply> {
    let kind = method.get("type").and_then(Value::as_str);
    let Some(kind) = kind.filter(|kind| !kind.is_empty()) else {
        let reason = "is required and must be a non-empty string";
        return Err(validation(&format!("{name}.type"), reason));
    };
    if !PAYMENT_TYPES.contains(&kind) {
        let known = PAYMENT_TYPES.join(", ");
        let reason = format!("must be a payment method type the API documents: {known}");
        return Err(validation(&format!("{name}.type"), &reason));
    }
    let token = method.get(token_field).and_then(Value::as_str);
    if token.is_none_or(|token| token.trim().is_empty()) {
        let reason =
            format!("is required for {kind} and must be a non-empty string ({token_field})");
        return Err(validation(&format!("{name}.{token_field}"), &reason));
    }
    Ok(())
}

fn update_config(state: &mut State, body: &[u8], now: SystemTime) -> Result<Value, Reply> {
    let fields = json_object(body)?;
    let Some(Value::Array(list)) = fields.get("allowed_origins") else {
        let reason = "is required and must be an array of origin strings";
        return Err(validation("allowed_origins", reason));
    };
    let origin = |(i, origin): (usize, &Value)| match origin {
        Value::String(o) if !o.trim().is_empty() => Ok(o.clone()),
        _ => Err(validation(
            &format!("allowed_origins[{i}]"),
            "must be a non-empty string",
        )),
    };
    let origins = list.iter().enumerate().map(origin);
    state.config.allowed_origins = origins.collect::<Result<_, _>>()?;
    state.config.updated = now;
    Ok(views::config(&state.config))
}

fn json_object(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(validation("body", "must be a JSON object")),
        Err(e) => {
            let message = format!("the body is not valid JSON: {e}");
            Err(Reply::error(400, "INVALID_JSON", message, Value::Null))
        }
    }
}

/// A `400 VALIDATION_ERROR` naming `field`.
fn validation(field: &str, reason: &str) -> Reply {
    let message = format!("`{field}` {reason}");
    let details = json!({ "field": field, "reason": reason });
    Reply::error(400, "VALIDATION_ERROR", message, details)
}

fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = (lower.strip_prefix("https://")).or_else(|| lower.strip_prefix("http://"));
    let host = rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with(['/', '?', '#']));
    host && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_urls() {
        assert!(is_http_url("https://shop.example/return?x=1"));
        assert!(is_http_url("HTTP://localhost:8080"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https:///path"));
        assert!(!is_http_url("https://shop.example/a b"));
    }
}
