//! Loopback benchmarks: one warm keep-alive client calling a loopback HTTP/1.1 server,
//! through the SDK versus the bare transport sending the identical request.
//!
//! * `loopback/<transport>/sdk/retrieve_session`:
//!   `client.embedded_checkout().retrieve_session(id)` (build, send, parse).
//! * `loopback/<transport>/raw/retrieve_session`: a bare `ureq::Agent` / `isahc::HttpClient`,
//!   configured as the SDK's transport configures its own (same timeouts, no redirects, no
//!   automatic headers or decompression), sending the same method, URI and headers and
//!   reading the body to a `Vec`. Both ureq agents resolve the host with ureq's default
//!   resolver, so both sides do the same network work (see [`raw_ureq_agent`]).
//! * `loopback/async/{sdk,raw}/retrieve_session`: the same pair for the async driver, on one
//!   current-thread tokio runtime: the SDK's `AsyncClient` over `easy-checkout-reqwest`'s
//!   `ReqwestTransport` against a bare `reqwest::Client` configured as that transport
//!   configures its own ([`bare_reqwest`]). Each call is one `runtime.block_on`, on both
//!   sides.
//!
//! The server is [`server::spawn`]: a minimal keep-alive server on `127.0.0.1` (a thread per
//! connection, no allocation per request) that answers every request with the same realistic
//! session-status JSON, so its cost is small and identical for both sides. Before measuring,
//! the request heads the SDK and the raw client put on the wire are checked to be identical.
//!
//! Run: `taskset -c 0 cargo bench -p easy-checkout-tests --bench loopback`. Pinned to one
//! CPU, the client and server threads always share it. Unpinned on this 2-vCPU VM, a round
//! trip swings between about 23 µs and 75 µs as the threads land on the same or on different
//! (idle, halted) vCPUs, and the two sides of a pair, measured one after the other, can land
//! in different regimes: three unpinned runs gave the SDK 1.17×, 0.75× and 1.01× the bare
//! isahc call. Interleaving the two sides' calls was tried and skewed isahc the other way.
//! Pinned, five runs stayed within 1.02–1.05× (ureq) and 1.01–1.08× (isahc).

use std::hint::black_box;
use std::io::Read;
use std::net::SocketAddr;

use criterion::Criterion;
use easy_checkout_core::{AsyncClient, BaseUrl, Config, TransportSettings};
use easy_checkout_reqwest::{ReqwestTransport, TokioSleep, USER_AGENT_SUFFIX};

/// The session every call retrieves.
pub const SESSION_ID: &str = "ecs_01J9ZQ4K7M3XW8T2B6N5R1VYHD";
/// The API key both sides send.
pub const API_KEY: &str = "sk_test_51PqRsTuVwXyZ0123456789abcdefGHIJ";

/// A minimal, fast HTTP/1.1 keep-alive server on loopback, written for these benchmarks.
pub mod server {
    use std::io::{self, Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::thread;

    /// The reply body: a realistic `EmbeddedCheckoutSessionStatus` in its `data` envelope.
    pub const BODY: &[u8] = br#"{"data":{"id":"ecs_01J9ZQ4K7M3XW8T2B6N5R1VYHD","status":"complete","payment_status":"succeeded","amount_total":4999,"currency":"USD","livemode":false}}"#;

    /// The last request head received, when the server records.
    pub type Recorded = Arc<Mutex<Vec<u8>>>;

    /// Starts the server on an ephemeral loopback port. It answers every request (read up
    /// to the blank line; the benchmarks send only body-less GETs) with [`BODY`]. With
    /// `record`, each request head is copied there (for the equivalence check only).
    pub fn spawn(record: Option<Recorded>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        let mut response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             ratelimit-limit: 100\r\nratelimit-remaining: 99\r\nratelimit-reset: 30\r\n\r\n",
            BODY.len()
        )
        .into_bytes();
        response.extend_from_slice(BODY);
        let response: Arc<[u8]> = response.into();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::Relaxed);
                let response = Arc::clone(&response);
                let record = record.clone();
                thread::spawn(move || {
                    let _ = serve(stream, &response, record.as_ref());
                });
            }
        });
        Server { addr, connections }
    }

    /// A running server: where it listens, how many connections it accepted.
    pub struct Server {
        /// `127.0.0.1:PORT`.
        pub addr: SocketAddr,
        connections: Arc<AtomicUsize>,
    }

    impl Server {
        /// How many TCP connections the server has accepted so far.
        pub fn connections(&self) -> usize {
            self.connections.load(Ordering::Relaxed)
        }
    }

    fn serve(mut stream: TcpStream, response: &[u8], record: Option<&Recorded>) -> io::Result<()> {
        stream.set_nodelay(true)?;
        let mut buf = [0u8; 16 * 1024];
        let mut filled = 0;
        loop {
            while let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                let end = end + 4;
                if let Some(record) = record {
                    *record.lock().expect("lock") = buf[..end].to_vec();
                }
                stream.write_all(response)?;
                buf.copy_within(end..filled, 0);
                filled -= end;
            }
            if filled == buf.len() {
                return Ok(()); // a head this large is not ours
            }
            match stream.read(&mut buf[filled..])? {
                0 => return Ok(()),
                n => filled += n,
            }
        }
    }

    /// A request head with its header lines sorted and names lower-cased, for comparing
    /// what two clients sent regardless of header order.
    pub fn normalize(head: &[u8]) -> Vec<String> {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
        let request_line = lines.next().unwrap_or_default().to_owned();
        let mut headers: Vec<String> = lines
            .map(|l| match l.split_once(':') {
                Some((name, value)) => format!("{}:{}", name.to_ascii_lowercase(), value.trim()),
                None => l.to_owned(),
            })
            .collect();
        headers.sort();
        let mut out = vec![request_line];
        out.extend(headers);
        out
    }
}

/// The SDK's configuration for a server at `addr`.
pub fn sdk_config(addr: SocketAddr) -> Config {
    Config::new(API_KEY.parse().expect("valid key"))
        .with_base_url(BaseUrl::parse(&format!("http://{addr}")).expect("loopback base url"))
}

/// A bare `ureq::Agent` configured as `easy_checkout_ureq::UreqTransport` configures its own
/// (`config.new_agent()`, ureq's default connector and resolver). With a timeout set, that
/// resolver looks the host up on a new thread for every request, a pooled one included: both
/// sides pay that.
pub fn raw_ureq_agent() -> ureq::Agent {
    use ureq::config::AutoHeaderValue;
    let settings = TransportSettings::default();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(AutoHeaderValue::None)
        .accept(AutoHeaderValue::None)
        .accept_encoding(AutoHeaderValue::None)
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_global(Some(settings.timeout))
        .build()
        .new_agent()
}

/// A bare `isahc::HttpClient` configured as `easy_checkout_isahc::IsahcTransport` configures
/// its own.
pub fn raw_isahc_client() -> isahc::HttpClient {
    use isahc::config::{Configurable, ExpectContinue, RedirectPolicy, VersionNegotiation};
    let settings = TransportSettings::default();
    isahc::HttpClient::builder()
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.timeout)
        .redirect_policy(RedirectPolicy::None)
        .automatic_decompression(false)
        .expect_continue(ExpectContinue::disabled())
        .version_negotiation(VersionNegotiation::http11())
        .build()
        .expect("isahc client")
}

/// What a hand-written client holds: the base URL, the user agent and the key.
pub struct Raw {
    base: String,
    user_agent: String,
    api_key: String,
}

impl Raw {
    /// A raw client for the server at `addr`, sending `user_agent`.
    pub fn new(addr: SocketAddr, user_agent: &str) -> Self {
        Self {
            base: format!("http://{addr}"),
            user_agent: user_agent.to_owned(),
            api_key: API_KEY.to_owned(),
        }
    }

    /// Sends `api_key` instead of [`API_KEY`].
    pub fn with_api_key(mut self, api_key: &str) -> Self {
        api_key.clone_into(&mut self.api_key);
        self
    }

    /// `GET {base}/embedded-checkout/{id}` over a bare ureq agent, the body read to a `Vec`.
    pub fn ureq_retrieve(&self, agent: &ureq::Agent, id: &str) -> Vec<u8> {
        let uri = format!("{}/embedded-checkout/{}", self.base, id);
        let mut response = agent
            .get(&uri)
            .header("accept", "application/json")
            .header("user-agent", &self.user_agent)
            .header("x-easy-api-key", &self.api_key)
            .call()
            .expect("ureq call");
        response.body_mut().read_to_vec().expect("ureq body")
    }

    /// The same over a bare reqwest client, the body read to a `Vec`.
    pub async fn reqwest_retrieve(&self, client: &reqwest::Client, id: &str) -> Vec<u8> {
        let uri = format!("{}/embedded-checkout/{}", self.base, id);
        let response = client
            .get(uri)
            .header("accept", "application/json")
            .header("user-agent", &self.user_agent)
            .header("x-easy-api-key", &self.api_key)
            .send()
            .await
            .expect("reqwest call");
        response.bytes().await.expect("reqwest body").to_vec()
    }

    /// The same over a bare isahc client.
    pub fn isahc_retrieve(&self, client: &isahc::HttpClient, id: &str) -> Vec<u8> {
        let uri = format!("{}/embedded-checkout/{}", self.base, id);
        let request = isahc::Request::get(uri)
            .header("accept", "application/json")
            .header("user-agent", &self.user_agent)
            .header("x-easy-api-key", &self.api_key)
            .body(())
            .expect("isahc request");
        let mut response = client.send(request).expect("isahc call");
        let mut body = Vec::new();
        response
            .body_mut()
            .read_to_end(&mut body)
            .expect("isahc body");
        body
    }
}

/// The async pair's parts for a server at `addr`: a current-thread tokio runtime, the SDK's
/// `AsyncClient` over a `ReqwestTransport` (default settings, `reqwest` appended to the user
/// agent, as the async scenarios' clients) and a bare reqwest client configured the same.
pub struct AsyncPair {
    /// The runtime both sides' calls block on.
    pub runtime: tokio::runtime::Runtime,
    /// The SDK side.
    pub sdk: AsyncClient<ReqwestTransport, TokioSleep>,
    /// The bare side.
    pub bare: reqwest::Client,
}

/// A bare `reqwest::Client` configured as `ReqwestTransport` configures its own for a plain
/// `http://` request: HTTP/1.1, no redirects, no retries of its own, no proxy, the timeouts.
/// reqwest (built with rustls and no provider of its own) initialises TLS when it builds a
/// client: the transport hands it a configuration with `ring`; here `ring` is installed as the
/// process default.
pub fn bare_reqwest(settings: &TransportSettings) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .http1_only()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .no_proxy()
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.timeout)
        .build()
        .expect("a bare reqwest client builds")
}

impl AsyncPair {
    /// The pair for the server at `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        let runtime = easy_checkout_tests::driver::current_thread_runtime();
        let settings = TransportSettings::default();
        let inside = runtime.enter();
        let config = sdk_config(addr).with_user_agent_suffix(USER_AGENT_SUFFIX);
        let sdk = AsyncClient::new(
            ReqwestTransport::with_settings(settings),
            config,
            TokioSleep,
        );
        let bare = bare_reqwest(&settings);
        drop(inside);
        Self { runtime, sdk, bare }
    }

    /// One SDK `retrieve_session`.
    pub fn sdk_retrieve(&self) -> easy_checkout_core::SessionStatus {
        self.runtime
            .block_on(self.sdk.embedded_checkout().retrieve_session(SESSION_ID))
            .expect("sdk async")
    }

    /// One bare reqwest GET of the same session.
    pub fn raw_retrieve(&self, raw: &Raw) -> Vec<u8> {
        self.runtime
            .block_on(raw.reqwest_retrieve(&self.bare, SESSION_ID))
    }

    /// The raw side's client description: this pair's user agent.
    pub fn raw(&self, addr: SocketAddr) -> Raw {
        Raw::new(addr, self.sdk.config().user_agent())
    }
}

/// Checks that the SDK and the raw client put the same request head on the wire (header
/// order aside) and both read the whole body.
pub fn check_same_wire_request() {
    let recorded = server::Recorded::default();
    let addr = server::spawn(Some(recorded.clone())).addr;
    let take = || std::mem::take(&mut *recorded.lock().expect("lock"));

    let sdk = easy_checkout_ureq::with_config(sdk_config(addr), TransportSettings::default());
    let status = sdk
        .embedded_checkout()
        .retrieve_session(SESSION_ID)
        .expect("sdk ureq");
    assert!(status.is_paid());
    let sdk_head = take();
    let raw = Raw::new(addr, sdk.config().user_agent());
    assert_eq!(
        raw.ureq_retrieve(&raw_ureq_agent(), SESSION_ID),
        server::BODY
    );
    let raw_head = take();
    assert_eq!(
        server::normalize(&sdk_head),
        server::normalize(&raw_head),
        "ureq heads"
    );

    let sdk = easy_checkout_isahc::with_config(sdk_config(addr), TransportSettings::default());
    let status = sdk
        .embedded_checkout()
        .retrieve_session(SESSION_ID)
        .expect("sdk isahc");
    assert!(status.is_paid());
    let sdk_head = take();
    let raw = Raw::new(addr, sdk.config().user_agent());
    assert_eq!(
        raw.isahc_retrieve(&raw_isahc_client(), SESSION_ID),
        server::BODY
    );
    let raw_head = take();
    assert_eq!(
        server::normalize(&sdk_head),
        server::normalize(&raw_head),
        "isahc heads"
    );

    let pair = AsyncPair::new(addr);
    assert!(pair.sdk_retrieve().is_paid());
    let sdk_head = take();
    assert_eq!(pair.raw_retrieve(&pair.raw(addr)), server::BODY);
    let raw_head = take();
    assert_eq!(
        server::normalize(&sdk_head),
        server::normalize(&raw_head),
        "async heads"
    );
}

/// Checks that each client, SDK and raw, keeps one connection alive across calls: the
/// benchmarks measure warm calls, not connection setup.
pub fn check_keep_alive() {
    let server = server::spawn(None);
    let addr = server.addr;
    let connections_for = |f: &dyn Fn()| {
        let before = server.connections();
        for _ in 0..20 {
            f();
        }
        server.connections() - before
    };

    let sdk = easy_checkout_ureq::with_config(sdk_config(addr), TransportSettings::default());
    let raw = Raw::new(addr, sdk.config().user_agent());
    let agent = raw_ureq_agent();
    let n = connections_for(&|| {
        sdk.embedded_checkout()
            .retrieve_session(SESSION_ID)
            .expect("sdk ureq");
    });
    assert_eq!(n, 1, "the SDK over ureq keeps its connection");
    let n = connections_for(&|| {
        raw.ureq_retrieve(&agent, SESSION_ID);
    });
    assert_eq!(n, 1, "the bare ureq agent keeps its connection");

    let sdk = easy_checkout_isahc::with_config(sdk_config(addr), TransportSettings::default());
    let http = raw_isahc_client();
    let n = connections_for(&|| {
        sdk.embedded_checkout()
            .retrieve_session(SESSION_ID)
            .expect("sdk isahc");
    });
    assert_eq!(n, 1, "the SDK over isahc keeps its connection");
    let n = connections_for(&|| {
        raw.isahc_retrieve(&http, SESSION_ID);
    });
    assert_eq!(n, 1, "the bare isahc client keeps its connection");

    let pair = AsyncPair::new(addr);
    let raw = pair.raw(addr);
    let n = connections_for(&|| {
        pair.sdk_retrieve();
    });
    assert_eq!(n, 1, "the SDK over reqwest keeps its connection");
    let n = connections_for(&|| {
        pair.raw_retrieve(&raw);
    });
    assert_eq!(n, 1, "the bare reqwest client keeps its connection");
}

/// One transport's pair on one server: `loopback/<transport>/sdk/retrieve_session` through
/// `sdk_call`, then `loopback/<transport>/raw/retrieve_session` through `raw_call`.
fn bench_pair<S>(
    c: &mut Criterion,
    transport: &str,
    mut sdk_call: impl FnMut() -> S,
    mut raw_call: impl FnMut() -> Vec<u8>,
) {
    let mut group = c.benchmark_group(format!("loopback/{transport}"));
    group.bench_function("sdk/retrieve_session", |b| b.iter(&mut sdk_call));
    group.bench_function("raw/retrieve_session", |b| b.iter(&mut raw_call));
    group.finish();
}

fn bench_ureq(c: &mut Criterion) {
    let addr = server::spawn(None).addr;
    let client = easy_checkout_ureq::with_config(sdk_config(addr), TransportSettings::default());
    let raw = Raw::new(addr, client.config().user_agent());
    let agent = raw_ureq_agent();
    bench_pair(
        c,
        "ureq",
        || {
            client
                .embedded_checkout()
                .retrieve_session(black_box(SESSION_ID))
                .expect("sdk call")
        },
        || raw.ureq_retrieve(&agent, black_box(SESSION_ID)),
    );
}

fn bench_isahc(c: &mut Criterion) {
    let addr = server::spawn(None).addr;
    let client = easy_checkout_isahc::with_config(sdk_config(addr), TransportSettings::default());
    let raw = Raw::new(addr, client.config().user_agent());
    let http = raw_isahc_client();
    bench_pair(
        c,
        "isahc",
        || {
            client
                .embedded_checkout()
                .retrieve_session(black_box(SESSION_ID))
                .expect("sdk call")
        },
        || raw.isahc_retrieve(&http, black_box(SESSION_ID)),
    );
}

fn bench_async(c: &mut Criterion) {
    let addr = server::spawn(None).addr;
    let pair = AsyncPair::new(addr);
    let raw = pair.raw(addr);
    bench_pair(
        c,
        "async",
        || pair.sdk_retrieve(),
        || pair.raw_retrieve(&raw),
    );
}

/// Opt-in (`EASY_BENCH_SERVER_CHECK=1`): the same raw ureq call against this file's server
/// and against `FakeEasy`, to show why the benchmarks do not use the fake.
fn bench_servers(c: &mut Criterion) {
    use easy_checkout_core::ops::{CreateSession, LineItem};
    use easy_checkout_fake::FakeEasy;

    let mut group = c.benchmark_group("loopback/server");
    let addr = server::spawn(None).addr;
    let raw = Raw::new(addr, easy_checkout_core::config::USER_AGENT);
    let agent = raw_ureq_agent();
    group.bench_function("bench_server/raw_ureq", |b| {
        b.iter(|| raw.ureq_retrieve(&agent, black_box(SESSION_ID)))
    });

    let fake = FakeEasy::start().expect("fake starts");
    let config = Config::new(FakeEasy::TEST_KEY.parse().expect("key"))
        .with_base_url(BaseUrl::parse(&fake.base_url()).expect("base url"));
    let sdk = easy_checkout_ureq::with_config(config, TransportSettings::default());
    let op = CreateSession::new(vec![LineItem::new("price_1", 1)], "https://example.com/r");
    let session = sdk
        .embedded_checkout()
        .create_session(&op)
        .expect("session");
    let raw = Raw::new(fake.addr(), easy_checkout_core::config::USER_AGENT)
        .with_api_key(FakeEasy::TEST_KEY);
    let agent = raw_ureq_agent();
    group.bench_function("fake_easy/raw_ureq", |b| {
        b.iter(|| {
            fake.clear_requests(); // keep the fake's request log from growing
            raw.ureq_retrieve(&agent, black_box(&session.id))
        })
    });
    group.finish();
}

/// `EASY_BENCH_RUN=<id>:<n>`: `n` calls of one benchmark's workload (after one warm-up call
/// that opens the connection), with no criterion around them, then exits. For instruction
/// counts: `valgrind --tool=callgrind` at two values of `n`.
fn run_fixed(spec: &str) {
    let (id, n) = spec.rsplit_once(':').expect("EASY_BENCH_RUN=<id>:<n>");
    let n: usize = n.parse().expect("a count");
    let addr = server::spawn(None).addr;
    let settings = TransportSettings::default;
    let repeat = |mut f: Box<dyn FnMut() + '_>| {
        for _ in 0..=n {
            f();
        }
    };
    match id {
        "loopback/ureq/sdk/retrieve_session" => {
            let client = easy_checkout_ureq::with_config(sdk_config(addr), settings());
            repeat(Box::new(|| {
                black_box(client.embedded_checkout().retrieve_session(SESSION_ID)).expect("sdk");
            }));
        }
        "loopback/ureq/raw/retrieve_session" => {
            let ua = easy_checkout_ureq::with_config(sdk_config(addr), settings());
            let raw = Raw::new(addr, ua.config().user_agent());
            let agent = raw_ureq_agent();
            repeat(Box::new(|| {
                black_box(raw.ureq_retrieve(&agent, SESSION_ID));
            }));
        }
        "loopback/isahc/sdk/retrieve_session" => {
            let client = easy_checkout_isahc::with_config(sdk_config(addr), settings());
            repeat(Box::new(|| {
                black_box(client.embedded_checkout().retrieve_session(SESSION_ID)).expect("sdk");
            }));
        }
        "loopback/isahc/raw/retrieve_session" => {
            let ua = easy_checkout_isahc::with_config(sdk_config(addr), settings());
            let raw = Raw::new(addr, ua.config().user_agent());
            let http = raw_isahc_client();
            repeat(Box::new(|| {
                black_box(raw.isahc_retrieve(&http, SESSION_ID));
            }));
        }
        "loopback/async/sdk/retrieve_session" => {
            let pair = AsyncPair::new(addr);
            repeat(Box::new(|| {
                black_box(pair.sdk_retrieve());
            }));
        }
        "loopback/async/raw/retrieve_session" => {
            let pair = AsyncPair::new(addr);
            let raw = pair.raw(addr);
            repeat(Box::new(|| {
                black_box(pair.raw_retrieve(&raw));
            }));
        }
        other => panic!("no benchmark {other}"),
    }
}

#[allow(dead_code)] // `allocs.rs` includes this file as a module and has its own `main`.
fn main() {
    if let Some(spec) = std::env::var_os("EASY_BENCH_RUN") {
        run_fixed(&spec.to_string_lossy());
        return;
    }
    check_same_wire_request();
    check_keep_alive();
    let mut c = Criterion::default().configure_from_args();
    bench_ureq(&mut c);
    bench_isahc(&mut c);
    bench_async(&mut c);
    if std::env::var_os("EASY_BENCH_SERVER_CHECK").is_some() {
        bench_servers(&mut c);
    }
    c.final_summary();
}
