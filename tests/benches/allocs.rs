//! Heap allocations per call: the core versus the hand-written baselines, and the SDK versus
//! the bare transports over loopback (the async pair: `AsyncClient` over reqwest against bare
//! reqwest, on a current-thread tokio runtime). Prints Markdown tables; measures no time.
//!
//! A counting global allocator (`stats_alloc`, which wraps `System`; the workspace forbids
//! `unsafe` code, so the `GlobalAlloc` impl comes from that crate) counts every allocation
//! and reallocation in the process, on every thread. The workloads are exactly those of the
//! criterion benches: this file includes `crates/easy-checkout-core/benches/core.rs` and
//! `loopback.rs` as modules.
//!
//! Run: `cargo bench -p easy-checkout-tests --bench allocs`.

use std::alloc::System;
use std::hint::black_box;

use easy_checkout_core::http::{StatusCode, Uri};
use easy_checkout_core::ops::{CreateSession, CryptoStatus, GetConfig, RetrieveSession};
use easy_checkout_core::{Operation, TransportSettings};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[allow(dead_code, unused_imports)]
#[path = "../../crates/easy-checkout-core/benches/core.rs"]
mod core_bench;

#[allow(dead_code, unused_imports)]
#[path = "loopback.rs"]
mod loopback;

use core_bench as f;

/// Heap traffic of one call, averaged over many.
#[derive(Clone, Copy)]
struct PerCall {
    /// `alloc` + `realloc` calls.
    allocs: f64,
    /// Bytes requested by those calls.
    bytes: f64,
}

impl std::fmt::Display for PerCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1} ({:.0} B)", self.allocs, self.bytes)
    }
}

/// Calls `f` once to warm up (lazy statics, connection setup), then `n` times counted.
fn measure<R>(n: usize, mut f: impl FnMut() -> R) -> PerCall {
    black_box(f());
    let region = Region::new(GLOBAL);
    for _ in 0..n {
        black_box(f());
    }
    let s = region.change();
    let bytes = s.bytes_allocated as f64 + s.bytes_reallocated.max(0) as f64;
    PerCall {
        allocs: (s.allocations + s.reallocations) as f64 / n as f64,
        bytes: bytes / n as f64,
    }
}

fn row(id: &str, core: PerCall, baseline: PerCall) {
    println!(
        "| {id} | {core} | {baseline} | {:+.1} |",
        core.allocs - baseline.allocs
    );
}

const N: usize = 2000;

fn build() {
    let config = f::config();
    let b = f::Baseline::new(&config);
    f::check_build_equivalence(&config, &b);
    let key = f::IDEMPOTENCY_KEY;

    println!("### Allocations per `Config::build` (allocs, bytes requested)\n");
    println!("| op | core | baseline | core − baseline |\n|---|---|---|---|");
    let (op, p) = (f::create_session(), f::plain_create_session());
    row(
        "create_session",
        measure(N, || config.build(&op)),
        measure(N, || b.create_session(&p, key)),
    );
    let op = f::retrieve_session();
    row(
        "retrieve_session",
        measure(N, || config.build(&op)),
        measure(N, || b.retrieve_session(f::SESSION_ID)),
    );
    let op = f::crypto_status();
    row(
        "crypto_status",
        measure(N, || config.build(&op)),
        measure(N, || b.crypto_status(f::SESSION_ID)),
    );
    let (op, p) = (f::validate(), f::plain_validate());
    row(
        "validate",
        measure(N, || config.build(&op)),
        measure(N, || b.validate(&p)),
    );
    let (op, p) = (f::confirm(), f::plain_confirm());
    row(
        "confirm",
        measure(N, || config.build(&op)),
        measure(N, || b.confirm(&p, key)),
    );
    row(
        "get_config",
        measure(N, || config.build(&GetConfig)),
        measure(N, || b.get_config()),
    );
    let (op, p) = (f::update_config(), f::plain_update_config());
    row(
        "update_config",
        measure(N, || config.build(&op)),
        measure(N, || b.update_config(&p, key)),
    );
    println!();
}

fn parse() {
    let headers = f::response_headers();
    f::check_parses(&headers);
    let ok = StatusCode::OK;
    use serde_json::from_slice;

    println!("### Allocations per `parse` (allocs, bytes requested)\n");
    println!("| model | core | baseline | core − baseline |\n|---|---|---|---|");
    row(
        "session",
        measure(N, || CreateSession::parse(ok, &headers, f::SESSION_BODY)),
        measure(N, || {
            from_slice::<f::Envelope<f::PlainSession>>(f::SESSION_BODY)
        }),
    );
    row(
        "session_status",
        measure(N, || {
            RetrieveSession::parse(ok, &headers, f::SESSION_STATUS_BODY)
        }),
        measure(N, || {
            from_slice::<f::Envelope<f::PlainSessionStatus>>(f::SESSION_STATUS_BODY)
        }),
    );
    row(
        "crypto_status",
        measure(N, || {
            CryptoStatus::parse(ok, &headers, f::CRYPTO_STATUS_BODY)
        }),
        measure(N, || {
            from_slice::<f::Envelope<f::PlainCryptoStatus>>(f::CRYPTO_STATUS_BODY)
        }),
    );
    row(
        "config",
        measure(N, || GetConfig::parse(ok, &headers, f::CONFIG_BODY)),
        measure(N, || {
            from_slice::<f::Envelope<f::PlainConfig>>(f::CONFIG_BODY)
        }),
    );
    println!();
}

/// Where the differences come from: the pieces of a build and of a parse, alone.
fn breakdown() {
    println!("### Breakdown (allocs, bytes requested)\n");
    println!("| piece | per call |\n|---|---|");
    let piece = |name: &str, c: PerCall| println!("| {name} | {c} |");

    let op = f::create_session();
    let p = f::plain_create_session();
    piece(
        "`CreateSession::body()` (validation + serialization)",
        measure(N, || op.body()),
    );
    piece(
        "`serde_json::to_vec(&PlainCreateSession)`",
        measure(N, || serde_json::to_vec(&p)),
    );
    piece(
        "`\"https://shop.example.com/checkout/return\".parse::<Uri>()` (one `check_url`)",
        measure(N, || f::RETURN_URL.parse::<Uri>()),
    );
    let op = f::update_config();
    piece(
        "`UpdateConfig::body()` (two origins checked)",
        measure(N, || op.body()),
    );
    let op = f::validate();
    piece(
        "`Validate::body()` (one origin checked)",
        measure(N, || op.body()),
    );
    piece(
        "`RetrieveSession::new(id)` (per SDK call, before `build`)",
        measure(N, || RetrieveSession::new(f::SESSION_ID)),
    );

    let data = |body: &'static [u8]| -> &'static [u8] {
        // The object inside `{"data": …}`: strip the 8-byte prefix and the closing brace.
        &body[8..body.len() - 1]
    };
    piece(
        "`from_slice::<PlainSessionStatus>` (no envelope)",
        measure(N, || {
            serde_json::from_slice::<f::PlainSessionStatus>(data(f::SESSION_STATUS_BODY))
        }),
    );
    piece(
        "`from_slice::<PlainSessionStatus + #[serde(flatten)] Map>`",
        measure(N, || {
            serde_json::from_slice::<f::KeptSessionStatus>(data(f::SESSION_STATUS_BODY))
        }),
    );
    piece(
        "`from_slice::<SessionStatus>` (the core's model, no envelope)",
        measure(N, || {
            serde_json::from_slice::<easy_checkout_core::SessionStatus>(data(
                f::SESSION_STATUS_BODY,
            ))
        }),
    );
    piece(
        "`from_slice::<PlainCryptoStatus>` (no envelope)",
        measure(N, || {
            serde_json::from_slice::<f::PlainCryptoStatus>(data(f::CRYPTO_STATUS_BODY))
        }),
    );
    piece(
        "`from_slice::<PlainCryptoStatus + #[serde(flatten)] Map>`",
        measure(N, || {
            serde_json::from_slice::<f::KeptCryptoStatus>(data(f::CRYPTO_STATUS_BODY))
        }),
    );
    println!();
}

fn over_loopback() {
    use loopback::{Raw, SESSION_ID, raw_isahc_client, raw_ureq_agent, sdk_config, server};
    const CALLS: usize = 300;

    println!("### Allocations per loopback `retrieve_session` (allocs, bytes requested)\n");
    println!(
        "Rust heap only, all threads (isahc's agent thread included); libcurl's own `malloc` \
         calls are not seen.\n"
    );
    println!("| transport | sdk | raw | sdk − raw |\n|---|---|---|---|");
    let addr = server::spawn(None).addr;

    let sdk = easy_checkout_ureq::with_config(sdk_config(addr), TransportSettings::default());
    let raw = Raw::new(addr, sdk.config().user_agent());
    let agent = raw_ureq_agent();
    row(
        "ureq",
        measure(CALLS, || {
            sdk.embedded_checkout()
                .retrieve_session(SESSION_ID)
                .expect("sdk")
        }),
        measure(CALLS, || raw.ureq_retrieve(&agent, SESSION_ID)),
    );

    let sdk = easy_checkout_isahc::with_config(sdk_config(addr), TransportSettings::default());
    let raw = Raw::new(addr, sdk.config().user_agent());
    let http = raw_isahc_client();
    row(
        "isahc",
        measure(CALLS, || {
            sdk.embedded_checkout()
                .retrieve_session(SESSION_ID)
                .expect("sdk")
        }),
        measure(CALLS, || raw.isahc_retrieve(&http, SESSION_ID)),
    );

    let pair = loopback::AsyncPair::new(addr);
    let raw = pair.raw(addr);
    row(
        "async (reqwest)",
        measure(CALLS, || pair.sdk_retrieve()),
        measure(CALLS, || pair.raw_retrieve(&raw)),
    );
    println!();
}

fn main() {
    build();
    parse();
    breakdown();
    over_loopback();
}
