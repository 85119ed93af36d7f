//! One function per endpoint: the checks the API makes, the state it changes, the reply it
//! gives. Routing, authentication and idempotency have happened by the time these run.

use std::time::SystemTime;

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use super::request::{Request, Route};
use super::views;
use crate::reply::Reply;
use crate::state::State;
use crate::state::sessions::{Payment, Session, Status};

pub(crate) const PUBLIC_KEY: &str = "pk_fake_basis_theory";
pub(crate) const DECLINE_TOKEN: &str = "tok_decline";

/// The reply of the endpoint `route` names.
pub(super) fn answer(
    state: &mut State,
    route: Route<'_>,
    req: &Request<'_>,
    now: SystemTime,
) -> Reply {
    let result = match route {
        Route::ValidateKey => Ok(Reply::data(
            json!({ "basisTheoryPublicApiKey": PUBLIC_KEY }),
        )),
        Route::Create => create(state, req.body, now),
        Route::Retrieve(segment) => {
            session_by_segment(state, segment, now).map(|s| Reply::data(views::status(s)))
        }
        Route::CryptoStatus(segment) => session_by_segment(state, segment, now)
            .map(|s| Reply::data(views::crypto(s.crypto.as_deref()))),
        Route::Validate => validate(state, req.body, now),
        Route::Confirm => confirm(state, req.body, now),
        Route::Config if req.method == "PATCH" => update_config(state, req.body, now),
        Route::Config => Ok(Reply::data(views::config(&state.config))),
    };
    result.unwrap_or_else(|reply| reply)
}

fn create(state: &mut State, body: &[u8], now: SystemTime) -> Result<Reply, Reply> {
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
    let session = state.sessions.create(&fields, total_quantity, now);
    Ok(Reply::data(views::session_with_fields(
        session, fields, true,
    )))
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

fn validate(state: &mut State, body: &[u8], now: SystemTime) -> Result<Reply, Reply> {
    let fields = json_object(body)?;
    let origin = match fields.get("parent_origin") {
        None | Some(Value::Null) => None,
        Some(Value::String(origin)) => Some(origin.clone()),
        Some(_) => return Err(validation("parent_origin", "must be a string")),
    };
    let allowed = state.config.allowed_origins.clone();
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
    Ok(Reply::data(json!({
        "valid": session.status == Status::Open,
        "session": views::session(session, false),
    })))
}

fn confirm(state: &mut State, body: &[u8], now: SystemTime) -> Result<Reply, Reply> {
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
    let session = session_by_secret(state, &fields, now)?;
    let id = session.id();
    let refusal = match session.status {
        Status::Expired => Some((409, "SESSION_EXPIRED", "the session has expired")),
        Status::Complete => Some((
            409,
            "SESSION_ALREADY_COMPLETE",
            "the session is already complete",
        )),
        Status::Open => None,
    };
    if let Some((status, code, message)) = refusal {
        return Err(Reply::error(
            status,
            code,
            message,
            json!({ "session_id": id }),
        ));
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
    Ok(Reply::data(views::confirmation(session)))
}

fn update_config(state: &mut State, body: &[u8], now: SystemTime) -> Result<Reply, Reply> {
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
    Ok(Reply::data(views::config(&state.config)))
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
        let shared = Shared::new(Limits::default(), Default::default(), Default::default());
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
