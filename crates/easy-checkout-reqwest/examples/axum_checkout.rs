//! A merchant's checkout server on axum, over the async client:
//!
//! - `POST /api/checkout/session` (`{"price_id": "price_abc", "quantity": 1}`) mints a checkout
//!   session and answers `{"id": …, "client_secret": …}`, for the browser to mount the
//!   embedded checkout with;
//! - `GET /checkout/{id}/return`, where Easy sends the buyer back, retrieves the session and
//!   answers whether it is paid (`SessionStatus::is_paid`, which reads both of Easy's
//!   vocabularies);
//! - `POST /webhooks` verifies the delivery's signature over the raw body and fulfils each
//!   order once per event id: Easy delivers at least once, retrying with a new delivery id
//!   each time, so the event id is what identifies a repeat.
//!
//! One `Client` serves every handler (it is cheap to share: calls take `&self`), created once
//! at start. Run it against Easy's sandbox, or against the fake, which delivers its webhooks
//! to this server as Easy does:
//!
//! ```sh
//! EASY_API_KEY=sk_test_… EASY_WEBHOOK_SECRET=whsec_… \
//!   cargo run -p easy-checkout-reqwest --example axum_checkout   # listens on 127.0.0.1:3000
//!
//! easy-checkout fake-server --port 4010 --webhook-url http://127.0.0.1:3000/webhooks &
//! EASY_API_KEY=sk_test_fake_key EASY_API_URL=http://127.0.0.1:4010 \
//!   EASY_WEBHOOK_SECRET=whsec_fake_secret cargo run -p easy-checkout-reqwest --example axum_checkout
//! ```
//!
//! The crate's `tests/axum_example.rs` runs this router against the fake and drives it over
//! HTTP: mint, pay, the return page, the fake's deliveries (one duplicated, one answered 503
//! and retried), each order fulfilled once.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use easy_checkout_reqwest::easy_checkout_core::ops::{CreateSession, LineItem};
use easy_checkout_reqwest::easy_checkout_core::webhook::{self, EventType, WebhookSecret};
use serde_json::{Value, json};

/// The shop: its Easy client, the webhook signing secret, where buyers come back to, and
/// the orders it fulfilled.
pub struct Shop {
    easy: easy_checkout_reqwest::Client,
    webhook_secret: WebhookSecret,
    return_url: String,
    /// The event ids already handled: a repeated delivery is acknowledged, not fulfilled.
    events: Mutex<HashSet<String>>,
    /// The sessions fulfilled, in order (your order system, in a real shop).
    fulfilled: Mutex<Vec<String>>,
}

impl Shop {
    /// A shop calling Easy through `easy`, verifying webhooks with `webhook_secret`, whose
    /// public address is `public_url` (buyers come back to its return page).
    pub fn new(
        easy: easy_checkout_reqwest::Client,
        webhook_secret: WebhookSecret,
        public_url: &str,
    ) -> Self {
        Self {
            easy,
            webhook_secret,
            // Easy puts the session's id in place of `{SESSION_ID}`.
            return_url: format!("{public_url}/checkout/{{SESSION_ID}}/return"),
            events: Mutex::new(HashSet::new()),
            fulfilled: Mutex::new(Vec::new()),
        }
    }

    /// The sessions fulfilled so far.
    pub fn fulfilled(&self) -> Vec<String> {
        self.fulfilled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The shop's routes.
pub fn router(shop: Arc<Shop>) -> Router {
    Router::new()
        .route("/api/checkout/session", post(create_session))
        .route("/checkout/{id}/return", get(return_page))
        .route("/webhooks", post(webhook))
        .with_state(shop)
}

/// A failure to reach Easy, as the browser sees it: the error's one line (which never holds
/// a secret), as a 502.
fn upstream(error: easy_checkout_reqwest::easy_checkout_core::Error) -> (StatusCode, String) {
    (StatusCode::BAD_GATEWAY, error.to_string())
}

/// `POST /api/checkout/session`: a new session for the cart; its client secret for the
/// browser.
async fn create_session(
    State(shop): State<Arc<Shop>>,
    Json(cart): Json<Value>,
) -> Result<Json<Value>, (StatusCode, String)> {
    let price = cart["price_id"].as_str().unwrap_or_default();
    let quantity = cart["quantity"].as_u64().unwrap_or(1);
    if price.is_empty() || quantity == 0 || quantity > 100 {
        return Err((
            StatusCode::BAD_REQUEST,
            "a price_id and a quantity of 1 to 100".into(),
        ));
    }
    let params = CreateSession::new(
        vec![LineItem::new(price, quantity as u32)],
        shop.return_url.clone(),
    );
    let session = shop
        .easy
        .embedded_checkout()
        .create_session(&params)
        .await
        .map_err(upstream)?;
    let Some(secret) = session.client_secret else {
        return Err((StatusCode::BAD_GATEWAY, "Easy sent no client secret".into()));
    };
    // The one place the secret leaves: to the browser that pays.
    Ok(Json(
        json!({"id": session.id, "client_secret": secret.expose_secret()}),
    ))
}

/// `GET /checkout/{id}/return`: whether the buyer's session is paid.
async fn return_page(
    State(shop): State<Arc<Shop>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, (StatusCode, String)> {
    let status = shop
        .easy
        .embedded_checkout()
        .retrieve_session(&id)
        .await
        .map_err(upstream)?;
    Ok(Json(json!({"id": status.id, "paid": status.is_paid()})))
}

/// `POST /webhooks`: verify, deduplicate on the event id, confirm the session is paid,
/// fulfil the session once. A 2xx tells Easy to stop delivering this event; anything else makes it retry.
async fn webhook(State(shop): State<Arc<Shop>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let delivery = match webhook::verify_delivery(&shop.webhook_secret, &headers, &body) {
        Ok(delivery) => delivery,
        Err(e) => {
            eprintln!("webhook refused: {}", e.code());
            return StatusCode::BAD_REQUEST;
        }
    };
    let event = delivery.event;
    // The delivery id and attempt are for your logs: a retry has a new delivery id.
    let attempt = delivery.attempt.map_or("-".to_owned(), |n| n.to_string());
    let delivery_id = delivery.delivery_id.as_deref().unwrap_or("-");
    println!(
        "webhook {} {}: delivery {delivery_id}, attempt {attempt}",
        event.id, event.kind
    );
    if !matches!(
        event.kind,
        EventType::SessionCompleted | EventType::CryptoConfirmed
    ) {
        return StatusCode::OK;
    }
    let Some(session_id) = event.data["id"].as_str() else {
        return StatusCode::BAD_REQUEST;
    };
    // Claim the event before the slow part, so a delivery racing this one is a repeat.
    let first = shop
        .events
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(event.id.clone());
    if !first {
        println!("webhook {}: a repeat, already handled", event.id);
        return StatusCode::OK;
    }
    // No timestamp is signed, so an old event can be replayed: check with Easy.
    match shop
        .easy
        .embedded_checkout()
        .retrieve_session(session_id)
        .await
    {
        Ok(status) if status.is_paid() => {
            // One payment can raise two events (a crypto payment: `completed`, then
            // `crypto_confirmed`), each with its own id: fulfil each session once.
            let mut fulfilled = shop
                .fulfilled
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if fulfilled.iter().any(|done| done == session_id) {
                println!("{session_id}: already fulfilled");
            } else {
                println!("fulfilled {session_id}");
                fulfilled.push(session_id.to_owned());
            }
            StatusCode::OK
        }
        Ok(_) => StatusCode::OK,
        Err(e) => {
            // Let Easy deliver it again.
            shop.events
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&event.id);
            eprintln!("webhook {}: {e}", event.id);
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let easy = easy_checkout_reqwest::from_env()?;
    let secret = std::env::var("EASY_WEBHOOK_SECRET").unwrap_or_default();
    if easy.config().api_key().is_none() || secret.is_empty() {
        eprintln!("set EASY_API_KEY (sk_test_… for the sandbox) and EASY_WEBHOOK_SECRET");
        std::process::exit(2);
    }
    let address = "127.0.0.1:3000";
    let shop = Shop::new(
        easy,
        WebhookSecret::new(secret),
        &format!("http://{address}"),
    );
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!("listening on http://{address}");
    axum::serve(listener, router(Arc::new(shop))).await?;
    Ok(())
}
