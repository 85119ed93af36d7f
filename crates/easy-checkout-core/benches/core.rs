//! Criterion benchmarks of the sans-IO core against hand-written baselines.
//!
//! * `core/build/<op>`: `Config::build(&op)`, from a prebuilt operation to `http::Request`.
//! * `baseline/build/<op>`: only the unavoidable work for the same request: `serde_json::to_vec`
//!   of a plain derived struct, a URI concatenated from the base URL string and the path (one
//!   exact allocation), and the same headers in a `HeaderMap` reserved once (the API key and
//!   user agent values prepared once, as the core's `Config` does). A sloppier baseline
//!   (`format!` for the URI, no `reserve`) is slower than the core for the body-less calls.
//! * `core/parse/<model>`: `<Op as Operation>::parse(StatusCode::OK, &headers, body)` of a
//!   realistic 200 body (`data` envelope, a couple of fields the SDK does not model).
//! * `baseline/parse_kept/<model>`: the same, into the struct with a `#[serde(flatten)]`
//!   `Map` for the fields it does not know: what a user would write to keep them, as the
//!   models do.
//! * `baseline/parse/<model>`: `serde_json::from_slice` of the same bytes into a plain
//!   `{ data: Plain }` struct with the same known fields as `String`s and `Option`s.
//!
//! Before measuring, every baseline request is checked to be identical to the core's
//! (method, URI, headers and their sensitivity, body bytes), and every parse to succeed.
//!
//! Run: `cargo bench -p easy-checkout-core --bench core`.

// The fixtures are `pub` only so that `tests/benches/allocs.rs`, which includes this file as a
// module, counts the allocations of exactly these workloads.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::Criterion;
use easy_checkout_core::headers::{API_KEY_HEADER, IDEMPOTENCY_KEY_HEADER};
use easy_checkout_core::http::header::{ACCEPT, CONTENT_TYPE, HeaderValue, USER_AGENT};
use easy_checkout_core::http::{HeaderMap, Method, Request, StatusCode};
use easy_checkout_core::ops::{
    Confirm, CreateSession, CryptoStatus, GetConfig, LineItem, PaymentMethod, RetrieveSession,
    UpdateConfig, Validate,
};
use easy_checkout_core::{ClientSecret, Config, Operation};
use serde::{Deserialize, Serialize};

pub const API_KEY: &str = "sk_test_51PqRsTuVwXyZ0123456789abcdefGHIJ";
pub const BASE: &str = "https://sandbox-api.itseasy.co/v1/api";
pub const SESSION_ID: &str = "ecs_01J9ZQ4K7M3XW8T2B6N5R1VYHD";
pub const CLIENT_SECRET: &str = "ecs_01J9ZQ4K7M3XW8T2B6N5R1VYHD_secret_q8W2eR4tY6uI8oP0aS2dF4gH";
pub const RETURN_URL: &str = "https://shop.example.com/checkout/return";
const JSON: HeaderValue = HeaderValue::from_static("application/json");
pub const IDEMPOTENCY_KEY: &str = "order-7f3c2a91-5b8e-4d6f-a0c1-93e4b7d2f815";

// ---------------------------------------------------------------------------------------------
// Build: the core's operations.
// ---------------------------------------------------------------------------------------------

pub fn config() -> Config {
    Config::new(API_KEY.parse().expect("valid key"))
}

pub fn create_session() -> CreateSession {
    CreateSession::new(
        vec![
            LineItem::new("price_1PqRsT2eZvKYlo2C8xYz1234", 2),
            LineItem::new("price_1PqRsU2eZvKYlo2CaBcD5678", 1),
        ],
        RETURN_URL,
    )
    .with_idempotency_key(IDEMPOTENCY_KEY)
    .expect("valid key")
}

pub fn retrieve_session() -> RetrieveSession {
    RetrieveSession::new(SESSION_ID).expect("valid id")
}

pub fn crypto_status() -> CryptoStatus {
    CryptoStatus::new(SESSION_ID).expect("valid id")
}

pub fn validate() -> Validate {
    Validate::new(ClientSecret::new(CLIENT_SECRET).expect("valid secret"))
        .with_parent_origin("https://shop.example.com")
}

pub fn confirm() -> Confirm {
    Confirm::new(
        ClientSecret::new(CLIENT_SECRET).expect("valid secret"),
        PaymentMethod::card("tok_1PqRsV2eZvKYlo2C9wXy0987"),
    )
    .with_idempotency_key(IDEMPOTENCY_KEY)
    .expect("valid key")
}

pub fn update_config() -> UpdateConfig {
    UpdateConfig::new(["https://shop.example.com", "https://www.example.com"])
        .with_idempotency_key(IDEMPOTENCY_KEY)
        .expect("valid key")
}

// ---------------------------------------------------------------------------------------------
// Build: the hand-written baseline.
// ---------------------------------------------------------------------------------------------

#[derive(Serialize)]
pub struct PlainLineItem {
    price_id: String,
    quantity: u32,
}

#[derive(Serialize)]
pub struct PlainCreateSession {
    items: Vec<PlainLineItem>,
    return_url: String,
}

#[derive(Serialize)]
pub struct PlainValidate {
    client_secret: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_origin: Option<String>,
}

#[derive(Serialize)]
pub struct PlainPaymentMethod {
    #[serde(rename = "type")]
    kind: String,
    token_id: String,
}

#[derive(Serialize)]
pub struct PlainConfirm {
    client_secret: String,
    payment_method: PlainPaymentMethod,
}

#[derive(Serialize)]
pub struct PlainUpdateConfig {
    allowed_origins: Vec<String>,
}

/// What a careful hand-written client prepares once: the base URL and the header values.
pub struct Baseline {
    base: String,
    user_agent: HeaderValue,
    api_key: HeaderValue,
}

impl Baseline {
    pub fn new(config: &Config) -> Self {
        let mut api_key = HeaderValue::from_str(API_KEY).expect("valid header");
        api_key.set_sensitive(true);
        Self {
            base: BASE.to_owned(),
            user_agent: HeaderValue::from_str(config.user_agent()).expect("valid header"),
            api_key,
        }
    }

    /// The unavoidable part: URI, method, headers, body.
    pub fn request(
        &self,
        method: Method,
        uri: String,
        body: Option<Vec<u8>>,
        idempotency_key: Option<&str>,
        with_api_key: bool,
    ) -> Request<Vec<u8>> {
        let has_body = body.is_some();
        let mut request = Request::new(body.unwrap_or_default());
        *request.method_mut() = method;
        *request.uri_mut() = uri.try_into().expect("valid uri");
        let headers = request.headers_mut();
        headers.reserve(3 + usize::from(has_body) + usize::from(idempotency_key.is_some()));
        headers.insert(ACCEPT, JSON);
        headers.insert(USER_AGENT, self.user_agent.clone());
        if has_body {
            headers.insert(CONTENT_TYPE, JSON);
        }
        if let Some(key) = idempotency_key {
            headers.insert(
                IDEMPOTENCY_KEY_HEADER,
                HeaderValue::from_str(key).expect("valid header"),
            );
        }
        if with_api_key {
            headers.insert(API_KEY_HEADER, self.api_key.clone());
        }
        request
    }

    pub fn create_session(&self, p: &PlainCreateSession, key: &str) -> Request<Vec<u8>> {
        let body = serde_json::to_vec(p).expect("serializable");
        let uri = [self.base.as_str(), "/embedded-checkout"].concat();
        self.request(Method::POST, uri, Some(body), Some(key), true)
    }

    pub fn retrieve_session(&self, id: &str) -> Request<Vec<u8>> {
        let uri = [self.base.as_str(), "/embedded-checkout/", id].concat();
        self.request(Method::GET, uri, None, None, true)
    }

    pub fn crypto_status(&self, id: &str) -> Request<Vec<u8>> {
        let uri = [
            self.base.as_str(),
            "/embedded-checkout/",
            id,
            "/crypto-status",
        ]
        .concat();
        self.request(Method::GET, uri, None, None, true)
    }

    pub fn validate(&self, p: &PlainValidate) -> Request<Vec<u8>> {
        let body = serde_json::to_vec(p).expect("serializable");
        let uri = [self.base.as_str(), "/embedded-checkout/validate"].concat();
        self.request(Method::POST, uri, Some(body), None, false)
    }

    pub fn confirm(&self, p: &PlainConfirm, key: &str) -> Request<Vec<u8>> {
        let body = serde_json::to_vec(p).expect("serializable");
        let uri = [self.base.as_str(), "/embedded-checkout/confirm"].concat();
        self.request(Method::POST, uri, Some(body), Some(key), false)
    }

    pub fn get_config(&self) -> Request<Vec<u8>> {
        let uri = [self.base.as_str(), "/embedded-checkout/config"].concat();
        self.request(Method::GET, uri, None, None, true)
    }

    pub fn update_config(&self, p: &PlainUpdateConfig, key: &str) -> Request<Vec<u8>> {
        let body = serde_json::to_vec(p).expect("serializable");
        let uri = [self.base.as_str(), "/embedded-checkout/config"].concat();
        self.request(Method::PATCH, uri, Some(body), Some(key), true)
    }
}

pub fn plain_create_session() -> PlainCreateSession {
    PlainCreateSession {
        items: vec![
            PlainLineItem {
                price_id: "price_1PqRsT2eZvKYlo2C8xYz1234".to_owned(),
                quantity: 2,
            },
            PlainLineItem {
                price_id: "price_1PqRsU2eZvKYlo2CaBcD5678".to_owned(),
                quantity: 1,
            },
        ],
        return_url: RETURN_URL.to_owned(),
    }
}

pub fn plain_validate() -> PlainValidate {
    PlainValidate {
        client_secret: CLIENT_SECRET.to_owned(),
        parent_origin: Some("https://shop.example.com".to_owned()),
    }
}

pub fn plain_confirm() -> PlainConfirm {
    PlainConfirm {
        client_secret: CLIENT_SECRET.to_owned(),
        payment_method: PlainPaymentMethod {
            kind: "PAYMENT_CARD".to_owned(),
            token_id: "tok_1PqRsV2eZvKYlo2C9wXy0987".to_owned(),
        },
    }
}

pub fn plain_update_config() -> PlainUpdateConfig {
    PlainUpdateConfig {
        allowed_origins: vec![
            "https://shop.example.com".to_owned(),
            "https://www.example.com".to_owned(),
        ],
    }
}

/// The baseline must send exactly what the core sends, or the comparison means nothing.
pub fn assert_same(op: &str, core: &Request<Vec<u8>>, baseline: &Request<Vec<u8>>) {
    assert_eq!(core.method(), baseline.method(), "{op}: method");
    assert_eq!(core.uri(), baseline.uri(), "{op}: uri");
    assert_eq!(core.headers(), baseline.headers(), "{op}: headers");
    for (name, value) in core.headers() {
        assert_eq!(
            value.is_sensitive(),
            baseline.headers()[name].is_sensitive(),
            "{op}: sensitivity of {name}"
        );
    }
    assert_eq!(core.body(), baseline.body(), "{op}: body");
}

pub fn check_build_equivalence(config: &Config, b: &Baseline) {
    let c = |r: Result<Request<Vec<u8>>, _>| r.expect("core builds");
    assert_same(
        "create_session",
        &c(config.build(&create_session())),
        &b.create_session(&plain_create_session(), IDEMPOTENCY_KEY),
    );
    assert_same(
        "retrieve_session",
        &c(config.build(&retrieve_session())),
        &b.retrieve_session(SESSION_ID),
    );
    assert_same(
        "crypto_status",
        &c(config.build(&crypto_status())),
        &b.crypto_status(SESSION_ID),
    );
    assert_same(
        "validate",
        &c(config.build(&validate())),
        &b.validate(&plain_validate()),
    );
    assert_same(
        "confirm",
        &c(config.build(&confirm())),
        &b.confirm(&plain_confirm(), IDEMPOTENCY_KEY),
    );
    assert_same("get_config", &c(config.build(&GetConfig)), &b.get_config());
    assert_same(
        "update_config",
        &c(config.build(&update_config())),
        &b.update_config(&plain_update_config(), IDEMPOTENCY_KEY),
    );
}

fn bench_build(c: &mut Criterion) {
    let config = config();
    let b = Baseline::new(&config);
    check_build_equivalence(&config, &b);

    let mut core = c.benchmark_group("core/build");
    let op = create_session();
    core.bench_function("create_session", |bench| {
        bench.iter(|| config.build(black_box(&op)))
    });
    let op = retrieve_session();
    core.bench_function("retrieve_session", |bench| {
        bench.iter(|| config.build(black_box(&op)))
    });
    let op = crypto_status();
    core.bench_function("crypto_status", |bench| {
        bench.iter(|| config.build(black_box(&op)))
    });
    let op = validate();
    core.bench_function("validate", |bench| {
        bench.iter(|| config.build(black_box(&op)))
    });
    let op = confirm();
    core.bench_function("confirm", |bench| {
        bench.iter(|| config.build(black_box(&op)))
    });
    core.bench_function("get_config", |bench| {
        bench.iter(|| config.build(black_box(&GetConfig)))
    });
    let op = update_config();
    core.bench_function("update_config", |bench| {
        bench.iter(|| config.build(black_box(&op)))
    });
    core.finish();

    let mut base = c.benchmark_group("baseline/build");
    let p = plain_create_session();
    base.bench_function("create_session", |bench| {
        bench.iter(|| b.create_session(black_box(&p), black_box(IDEMPOTENCY_KEY)))
    });
    base.bench_function("retrieve_session", |bench| {
        bench.iter(|| b.retrieve_session(black_box(SESSION_ID)))
    });
    base.bench_function("crypto_status", |bench| {
        bench.iter(|| b.crypto_status(black_box(SESSION_ID)))
    });
    let p = plain_validate();
    base.bench_function("validate", |bench| bench.iter(|| b.validate(black_box(&p))));
    let p = plain_confirm();
    base.bench_function("confirm", |bench| {
        bench.iter(|| b.confirm(black_box(&p), black_box(IDEMPOTENCY_KEY)))
    });
    base.bench_function("get_config", |bench| bench.iter(|| b.get_config()));
    let p = plain_update_config();
    base.bench_function("update_config", |bench| {
        bench.iter(|| b.update_config(black_box(&p), black_box(IDEMPOTENCY_KEY)))
    });
    base.finish();
}

// ---------------------------------------------------------------------------------------------
// Parse: realistic 200 bodies, each with a `data` envelope and fields the SDK does not model.
// ---------------------------------------------------------------------------------------------

pub const SESSION_BODY: &[u8] = br#"{"data":{"id":"ecs_01J9ZQ4K7M3XW8T2B6N5R1VYHD","client_secret":"ecs_01J9ZQ4K7M3XW8T2B6N5R1VYHD_secret_q8W2eR4tY6uI8oP0aS2dF4gH","status":"open","expires_at":"2025-06-01T12:30:00.000Z","return_url":"https://shop.example.com/checkout/return","created_at":"2025-06-01T12:00:00.000Z","updated_at":"2025-06-01T12:00:00.000Z","merchant_id":"MU7noQ1wdgdAeAfymw2rfBMq","livemode":false}}"#;

pub const SESSION_STATUS_BODY: &[u8] = br#"{"data":{"id":"ecs_01J9ZQ4K7M3XW8T2B6N5R1VYHD","status":"complete","payment_status":"succeeded","amount_total":4999,"currency":"USD"}}"#;

pub const CRYPTO_STATUS_BODY: &[u8] = br#"{"data":{"status":"confirmed","tx_signature":"5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW","payment_address":"7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU","chain":"solana","asset":"USDC","amount":"49.99","confirmations":32,"network":"mainnet-beta"}}"#;

pub const CONFIG_BODY: &[u8] = br#"{"data":{"allowed_origins":["https://shop.example.com","https://www.example.com"],"updated_at":"2025-06-01T12:00:00.000Z","merchant_id":"MU7noQ1wdgdAeAfymw2rfBMq","created_at":"2025-05-01T09:15:00.000Z"}}"#;

#[derive(Deserialize)]
pub struct Envelope<T> {
    #[allow(dead_code)]
    pub data: T,
}

/// Each model twice, as a user would write it: `Plain*` drops the fields it does not know,
/// `Kept*` keeps them the idiomatic way, in a `#[serde(flatten)]` map.
macro_rules! plain_and_kept {
    ($($plain:ident / $kept:ident { $($field:ident: $ty:ty),* $(,)? })*) => {$(
        #[allow(dead_code)]
        #[derive(Deserialize)]
        pub struct $plain {
            $($field: $ty,)*
        }

        #[allow(dead_code)]
        #[derive(Deserialize)]
        pub struct $kept {
            $($field: $ty,)*
            #[serde(flatten)]
            extra: serde_json::Map<String, serde_json::Value>,
        }
    )*};
}

plain_and_kept! {
    PlainSession / KeptSession {
        id: String,
        client_secret: Option<String>,
        status: Option<String>,
        expires_at: Option<String>,
        return_url: Option<String>,
        created_at: Option<String>,
        updated_at: Option<String>,
    }
    PlainSessionStatus / KeptSessionStatus {
        id: String,
        status: Option<String>,
        payment_status: Option<String>,
    }
    PlainCryptoStatus / KeptCryptoStatus {
        status: Option<String>,
        tx_signature: Option<String>,
        payment_address: Option<String>,
        chain: Option<String>,
        asset: Option<String>,
        amount: Option<String>,
    }
    PlainConfig / KeptConfig {
        allowed_origins: Option<Vec<String>>,
        updated_at: Option<String>,
    }
}

pub fn response_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, JSON);
    headers
}

pub fn check_parses(headers: &HeaderMap) {
    let s = CreateSession::parse(StatusCode::OK, headers, SESSION_BODY).expect("session");
    assert_eq!(s.extra.len(), 2, "session: two unknown fields");
    let s = RetrieveSession::parse(StatusCode::OK, headers, SESSION_STATUS_BODY).expect("status");
    assert!(s.is_paid() && s.extra.len() == 2, "session_status");
    let s = CryptoStatus::parse(StatusCode::OK, headers, CRYPTO_STATUS_BODY).expect("crypto");
    assert_eq!(s.extra.len(), 2, "crypto_status: two unknown fields");
    let s = GetConfig::parse(StatusCode::OK, headers, CONFIG_BODY).expect("config");
    assert_eq!(s.extra.len(), 2, "config: two unknown fields");
    serde_json::from_slice::<Envelope<PlainSession>>(SESSION_BODY).expect("plain session");
    serde_json::from_slice::<Envelope<PlainSessionStatus>>(SESSION_STATUS_BODY).expect("plain");
    serde_json::from_slice::<Envelope<PlainCryptoStatus>>(CRYPTO_STATUS_BODY).expect("plain");
    serde_json::from_slice::<Envelope<PlainConfig>>(CONFIG_BODY).expect("plain config");
    let kept = serde_json::from_slice::<Envelope<KeptSession>>(SESSION_BODY).expect("kept");
    assert_eq!(kept.data.extra.len(), 2, "kept session");
    serde_json::from_slice::<Envelope<KeptSessionStatus>>(SESSION_STATUS_BODY).expect("kept");
    serde_json::from_slice::<Envelope<KeptCryptoStatus>>(CRYPTO_STATUS_BODY).expect("kept");
    serde_json::from_slice::<Envelope<KeptConfig>>(CONFIG_BODY).expect("kept config");
}

fn bench_parse(c: &mut Criterion) {
    let headers = response_headers();
    check_parses(&headers);
    let ok = StatusCode::OK;

    let mut core = c.benchmark_group("core/parse");
    core.bench_function("session", |b| {
        b.iter(|| CreateSession::parse(ok, &headers, black_box(SESSION_BODY)))
    });
    core.bench_function("session_status", |b| {
        b.iter(|| RetrieveSession::parse(ok, &headers, black_box(SESSION_STATUS_BODY)))
    });
    core.bench_function("crypto_status", |b| {
        b.iter(|| CryptoStatus::parse(ok, &headers, black_box(CRYPTO_STATUS_BODY)))
    });
    core.bench_function("config", |b| {
        b.iter(|| GetConfig::parse(ok, &headers, black_box(CONFIG_BODY)))
    });
    core.finish();

    let mut base = c.benchmark_group("baseline/parse");
    base.bench_function("session", |b| {
        b.iter(|| serde_json::from_slice::<Envelope<PlainSession>>(black_box(SESSION_BODY)))
    });
    base.bench_function("session_status", |b| {
        b.iter(|| {
            serde_json::from_slice::<Envelope<PlainSessionStatus>>(black_box(SESSION_STATUS_BODY))
        })
    });
    base.bench_function("crypto_status", |b| {
        b.iter(|| {
            serde_json::from_slice::<Envelope<PlainCryptoStatus>>(black_box(CRYPTO_STATUS_BODY))
        })
    });
    base.bench_function("config", |b| {
        b.iter(|| serde_json::from_slice::<Envelope<PlainConfig>>(black_box(CONFIG_BODY)))
    });
    base.finish();

    let mut kept = c.benchmark_group("baseline/parse_kept");
    kept.bench_function("session", |b| {
        b.iter(|| serde_json::from_slice::<Envelope<KeptSession>>(black_box(SESSION_BODY)))
    });
    kept.bench_function("session_status", |b| {
        b.iter(|| {
            serde_json::from_slice::<Envelope<KeptSessionStatus>>(black_box(SESSION_STATUS_BODY))
        })
    });
    kept.bench_function("crypto_status", |b| {
        b.iter(|| {
            serde_json::from_slice::<Envelope<KeptCryptoStatus>>(black_box(CRYPTO_STATUS_BODY))
        })
    });
    kept.bench_function("config", |b| {
        b.iter(|| serde_json::from_slice::<Envelope<KeptConfig>>(black_box(CONFIG_BODY)))
    });
    kept.finish();
}

/// `EASY_BENCH_RUN=<id>:<n>`: runs the workload of one benchmark id `n` times, with no
/// criterion around it, and exits. For instruction counts that do not depend on the load of
/// the machine: the difference between two `valgrind --tool=callgrind` runs with `n = 1001`
/// and `n = 1`, divided by 1000, is the instructions of one call.
fn run_fixed(spec: &str) {
    let (id, n) = spec.rsplit_once(':').expect("EASY_BENCH_RUN=<id>:<n>");
    let n: usize = n.parse().expect("a count");
    let config = config();
    let b = Baseline::new(&config);
    let h = response_headers();
    let ok = StatusCode::OK;
    let key = IDEMPOTENCY_KEY;
    fn repeat<R>(n: usize, mut f: impl FnMut() -> R) {
        for _ in 0..n {
            black_box(f());
        }
    }
    let (cs, pcs) = (create_session(), plain_create_session());
    let (rs, cr) = (retrieve_session(), crypto_status());
    let (va, pva) = (validate(), plain_validate());
    let (co, pco) = (confirm(), plain_confirm());
    let (uc, puc) = (update_config(), plain_update_config());
    use serde_json::from_slice;
    match id {
        "core/build/create_session" => repeat(n, || config.build(black_box(&cs))),
        "core/build/retrieve_session" => repeat(n, || config.build(black_box(&rs))),
        "core/build/crypto_status" => repeat(n, || config.build(black_box(&cr))),
        "core/build/validate" => repeat(n, || config.build(black_box(&va))),
        "core/build/confirm" => repeat(n, || config.build(black_box(&co))),
        "core/build/get_config" => repeat(n, || config.build(black_box(&GetConfig))),
        "core/build/update_config" => repeat(n, || config.build(black_box(&uc))),
        "baseline/build/create_session" => repeat(n, || b.create_session(black_box(&pcs), key)),
        "baseline/build/retrieve_session" => {
            repeat(n, || b.retrieve_session(black_box(SESSION_ID)))
        }
        "baseline/build/crypto_status" => repeat(n, || b.crypto_status(black_box(SESSION_ID))),
        "baseline/build/validate" => repeat(n, || b.validate(black_box(&pva))),
        "baseline/build/confirm" => repeat(n, || b.confirm(black_box(&pco), key)),
        "baseline/build/get_config" => repeat(n, || b.get_config()),
        "baseline/build/update_config" => repeat(n, || b.update_config(black_box(&puc), key)),
        "core/parse/session" => repeat(n, || CreateSession::parse(ok, &h, black_box(SESSION_BODY))),
        "core/parse/session_status" => repeat(n, || {
            RetrieveSession::parse(ok, &h, black_box(SESSION_STATUS_BODY))
        }),
        "core/parse/crypto_status" => repeat(n, || {
            CryptoStatus::parse(ok, &h, black_box(CRYPTO_STATUS_BODY))
        }),
        "core/parse/config" => repeat(n, || GetConfig::parse(ok, &h, black_box(CONFIG_BODY))),
        "baseline/parse/session" => repeat(n, || {
            from_slice::<Envelope<PlainSession>>(black_box(SESSION_BODY))
        }),
        "baseline/parse/session_status" => repeat(n, || {
            from_slice::<Envelope<PlainSessionStatus>>(black_box(SESSION_STATUS_BODY))
        }),
        "baseline/parse/crypto_status" => repeat(n, || {
            from_slice::<Envelope<PlainCryptoStatus>>(black_box(CRYPTO_STATUS_BODY))
        }),
        "baseline/parse/config" => repeat(n, || {
            from_slice::<Envelope<PlainConfig>>(black_box(CONFIG_BODY))
        }),
        "baseline/parse_kept/session" => repeat(n, || {
            from_slice::<Envelope<KeptSession>>(black_box(SESSION_BODY))
        }),
        "baseline/parse_kept/session_status" => repeat(n, || {
            from_slice::<Envelope<KeptSessionStatus>>(black_box(SESSION_STATUS_BODY))
        }),
        "baseline/parse_kept/crypto_status" => repeat(n, || {
            from_slice::<Envelope<KeptCryptoStatus>>(black_box(CRYPTO_STATUS_BODY))
        }),
        "baseline/parse_kept/config" => repeat(n, || {
            from_slice::<Envelope<KeptConfig>>(black_box(CONFIG_BODY))
        }),
        other => panic!("no benchmark {other}"),
    }
}

fn main() {
    if let Some(spec) = std::env::var_os("EASY_BENCH_RUN") {
        run_fixed(&spec.to_string_lossy());
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench_build(&mut c);
    bench_parse(&mut c);
    c.final_summary();
}
