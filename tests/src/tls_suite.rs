//! The TLS suite every adapter runs: real handshakes on loopback against the fake over https
//! (`FakeEasy::start_tls`) and against fakes serving a bad certificate on purpose, with
//! certificates made in the test ([`TestCa`]); and a caller's own configured client with its
//! own roots. Nothing is fetched: every certificate is made here.
//!
//! Each test takes the [`TlsAdapter`] under test; [`tls_tests!`](crate::tls_tests)
//! generates one `#[test]` per suite test.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use easy_checkout_core::ops::{
    Confirm, CreateSession, LineItem, PaymentMethod, UpdateConfig, Validate,
};
use easy_checkout_core::{
    Client, Config, Error, ErrorKind, Event, InvalidInput, RootCertificates, Transport,
    TransportError, TransportErrorKind, TransportSettings,
};
use easy_checkout_fake::{FakeEasy, FakeTls, Fault, RecordedRequest};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use crate::fast_retries;

/// An adapter's TLS constructors.
#[derive(Clone, Copy)]
pub struct TlsAdapter<T> {
    /// The adapter's `USER_AGENT_SUFFIX`.
    pub name: &'static str,
    /// The transport's `with_roots` (ureq's never fails).
    pub with_roots: fn(TransportSettings, RootCertificates) -> Result<T, InvalidInput>,
    /// A transport over a client the caller configured: trusting `ca_pem` through the
    /// client's own TLS configuration (not the SDK's), and set up against the SDK's rules
    /// (following redirects, no timeouts, ureq's errors for 4xx/5xx).
    pub callers_client: fn(ca_pem: &str, settings: TransportSettings) -> T,
    /// The adapter's `with_transport`.
    pub with_transport: fn(Config, T) -> Client<T>,
    /// Whether `with_roots` can leave the defaults out (ureq) or refuses to (isahc).
    pub roots_alone: bool,
}

/// Generates one `#[test]` per named TLS suite test for a [`TlsAdapter`].
#[macro_export]
macro_rules! tls_tests {
    ($adapter:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::tls_suite::$name(&$adapter);
            }
        )*
    };
}

/// A certificate authority made for one test, and the server certificates it signs.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// What a [`TestCa`] signs: for which names, and when it expires.
pub struct Leaf<'a> {
    pub names: &'a [&'a str],
    /// Already expired (valid in 2000 only) rather than valid until 4096.
    pub expired: bool,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("a key");
        Self {
            issuer: CertifiedIssuer::self_signed(params, key).expect("a CA"),
        }
    }

    /// The CA certificate, for the client to trust.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server identity signed by this CA, served by a fake.
    pub fn serve(&self, leaf: Leaf<'_>) -> FakeEasy {
        let (params, key) = leaf_params(leaf);
        let cert = params.signed_by(&key, &self.issuer).expect("signed");
        fake_serving(&cert.pem(), &key, self.pem())
    }
}

fn leaf_params(leaf: Leaf<'_>) -> (CertificateParams, KeyPair) {
    let names: Vec<String> = leaf.names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "test server");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    if leaf.expired {
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2000, 12, 31);
    }
    (params, KeyPair::generate().expect("a key"))
}

fn fake_serving(cert_pem: &str, key: &KeyPair, ca_pem: String) -> FakeEasy {
    let tls = FakeTls::from_pem(cert_pem, &key.serialize_pem(), ca_pem).expect("served");
    FakeEasy::start_tls_with(tls, 0).expect("the fake starts")
}

/// A fake serving a self-signed certificate for `127.0.0.1`: no CA signed it.
pub fn self_signed_fake() -> FakeEasy {
    let (params, key) = leaf_params(Leaf {
        names: &["127.0.0.1", "localhost"],
        expired: false,
    });
    let cert = params.self_signed(&key).expect("self-signed");
    fake_serving(&cert.pem(), &key, String::new())
}

/// Short limits, for every client of this suite.
fn settings() -> TransportSettings {
    TransportSettings::default()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
}

/// The roots a client of the fake needs: the defaults plus `fake`'s CA.
fn trusting(fake: &FakeEasy) -> RootCertificates {
    RootCertificates::default()
        .add_pem(fake.ca_pem().expect("a fake over TLS"))
        .expect("the fake's CA parses")
}

fn config(fake: &FakeEasy) -> Config {
    Config::from_values(Some(FakeEasy::TEST_KEY), Some(&fake.base_url())).expect("config")
}

impl<T: Transport> TlsAdapter<T> {
    /// A client of `fake` through `transport`, retrying `retries` times, counting the
    /// attempts it sends.
    fn client(&self, fake: &FakeEasy, transport: T, retries: u32) -> (Client<T>, Arc<AtomicU32>) {
        let attempts = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&attempts);
        let client = (self.with_transport)(config(fake), transport)
            .with_retry_policy(fast_retries(retries))
            .with_observer(move |event| {
                if matches!(event, Event::Request { .. }) {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            });
        (client, attempts)
    }

    /// A client of `fake` trusting `roots` (the SDK's own transport).
    fn trusting(&self, fake: &FakeEasy, roots: RootCertificates) -> Client<T> {
        let transport = (self.with_roots)(settings(), roots).expect("roots taken");
        self.client(fake, transport, 2).0
    }
}

/// Every operation once, in the order a checkout runs them, through `client`; the recorded
/// requests, with what differs between two fakes (the host's port, the session's secret)
/// made equal.
fn every_operation<T: Transport>(client: &Client<T>, fake: &FakeEasy) -> Vec<RecordedRequest> {
    let checkout = client.embedded_checkout();
    client.validate_key().expect("validate-key");
    checkout.get_config().expect("get config");
    checkout
        .update_config(
            &UpdateConfig::new(["https://shop.example"])
                .with_idempotency_key("origins-1")
                .expect("a key"),
        )
        .expect("update config");
    let create = CreateSession::new(
        vec![LineItem::new("price_abc", 2)],
        "https://shop.example/r",
    )
    .with_idempotency_key("cart-1")
    .expect("a key");
    let session = checkout.create_session(&create).expect("create");
    checkout.retrieve_session(&session.id).expect("retrieve");
    checkout.crypto_status(&session.id).expect("crypto status");
    let secret = session.client_secret.clone().expect("a client secret");
    let valid = checkout
        .validate(&Validate::new(secret.clone()).with_parent_origin("https://shop.example"))
        .expect("validate");
    assert_eq!(valid.valid, Some(true));
    // Keyless: marked never to be sent twice (isahc sends it on a client of its own).
    checkout
        .confirm(&Confirm::new(secret.clone(), PaymentMethod::card("tok_1")))
        .expect("confirm");
    assert!(
        checkout
            .retrieve_session(&session.id)
            .expect("paid")
            .is_paid()
    );

    let host = fake.addr().to_string();
    let secret = secret.expose_secret().to_owned();
    fake.requests()
        .into_iter()
        .map(|mut r| {
            for (name, value) in &mut r.headers {
                if name == "host" {
                    *value = value.replace(&host, "HOST");
                }
            }
            let body = String::from_utf8(r.body).expect("JSON bodies");
            r.body = body.replace(&secret, "SECRET").into_bytes();
            r
        })
        .collect()
}

/// A request as it went on the wire: method, target, headers, body.
type Wire = (String, String, Vec<(String, String)>, String);

/// The wire view of recorded requests: everything but the client's address.
fn wire(requests: &[RecordedRequest]) -> Vec<Wire> {
    requests
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.path.clone(),
                r.headers.clone(),
                String::from_utf8_lossy(&r.body).into_owned(),
            )
        })
        .collect()
}

// A trusted CA: everything works, and the wire is the same as over http.

pub fn every_operation_over_https_puts_the_same_requests_on_the_wire<T: Transport>(
    adapter: &TlsAdapter<T>,
) {
    let plain = FakeEasy::start().expect("the fake starts");
    let tls = FakeEasy::start_tls().expect("the fake starts over TLS");
    assert!(tls.base_url().starts_with("https://127.0.0.1:"));
    let roots = trusting(&tls);
    let over_http = every_operation(&adapter.trusting(&plain, roots.clone()), &plain);
    let over_https = every_operation(&adapter.trusting(&tls, roots), &tls);
    assert_eq!(over_http.len(), 9);
    assert_eq!(wire(&over_https), wire(&over_http));
    // The key went over TLS, as it goes over http.
    assert!(
        over_https
            .iter()
            .any(|r| r.header("x-easy-api-key") == Some(FakeEasy::TEST_KEY))
    );
}

/// The fake's faults work over TLS as over TCP: a lost reply is a cut connection (`Io`,
/// never a TLS failure), and a keyless confirm whose reply was lost is not sent again.
pub fn faults_over_tls_look_like_faults_over_tcp<T: Transport>(adapter: &TlsAdapter<T>) {
    let fake = FakeEasy::start_tls().expect("the fake starts over TLS");
    let transport = (adapter.with_roots)(settings(), trusting(&fake)).expect("roots taken");
    let (client, attempts) = adapter.client(&fake, transport, 2);
    let checkout = client.embedded_checkout();
    let create = CreateSession::new(
        vec![LineItem::new("price_abc", 1)],
        "https://shop.example/r",
    );
    let session = checkout.create_session(&create).expect("create");
    let secret = session.client_secret.expect("a secret");

    for fault in [Fault::Close, Fault::CloseMidBody] {
        fake.inject(fault.clone());
        checkout
            .get_config()
            .unwrap_or_else(|e| panic!("{fault:?} then a retry: {e}"));
    }
    fake.clear_requests();
    attempts.store(0, Ordering::SeqCst);
    fake.inject(Fault::LoseReply);
    let error = checkout
        .confirm(&Confirm::new(secret, PaymentMethod::card("tok_1")))
        .expect_err("the reply was lost");
    assert!(
        matches!(
            transport_error(&error).map(|e| e.kind()),
            Some(TransportErrorKind::Io)
        ),
        "{error:?}"
    );
    assert!(error.outcome_unknown(), "{error:?}");
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert_eq!(fake.requests().len(), 1, "sent once");
    assert_eq!(fake.session(&session.id).expect("session")["payments"], 1);
}

// An untrusted server: a TLS error, not retried, and nothing reaches the server.

/// The transport failure behind `error`, if that is what it is.
fn transport_error(error: &Error) -> Option<&TransportError> {
    match error {
        Error::Transport(e) => Some(e),
        _ => None,
    }
}

/// Asserts `error` is a TLS failure that sent nothing: the server read no request. (Whether
/// the transport may *claim* "certainly not sent" differs: isahc does not on its pooled
/// client, where libcurl may have resent a delivered request before its handshake failed;
/// so the proof here is the server's own record.)
fn assert_refused_handshake(error: &Error, fake: &FakeEasy, what: &str) {
    let transport = transport_error(error)
        .unwrap_or_else(|| panic!("{what}: not a transport error: {error:?}"));
    assert_eq!(
        transport.kind(),
        TransportErrorKind::Tls,
        "{what}: {error:?}"
    );
    assert!(!error.outcome_unknown(), "{what}: a read: {error:?}");
    assert_eq!(error.kind(), ErrorKind::Transport, "{what}");
    // The API key (every header) stayed on the client: the server read no request.
    assert!(fake.requests().is_empty(), "{what}: {:?}", fake.requests());
    assert_eq!(fake.connections(), 0, "{what}");
}

pub fn an_untrusted_ca_is_a_tls_error_sent_once_and_the_key_never_leaves<T: Transport>(
    adapter: &TlsAdapter<T>,
) {
    let fake = FakeEasy::start_tls().expect("the fake starts over TLS");
    let transport = (adapter.with_roots)(settings(), RootCertificates::default()).expect("roots");
    let (client, attempts) = adapter.client(&fake, transport, 3);
    // A GET is retried on connection failures: never on a refused certificate.
    let error = client
        .embedded_checkout()
        .get_config()
        .expect_err("untrusted");
    assert_refused_handshake(&error, &fake, "the default roots");
    assert_eq!(attempts.load(Ordering::SeqCst), 1, "a TLS failure is final");
    // Another CA trusted instead changes nothing.
    let other = TestCa::new("someone else's CA");
    let roots = RootCertificates::default()
        .add_pem(other.pem())
        .expect("parses");
    let error = adapter
        .trusting(&fake, roots)
        .validate_key()
        .expect_err("untrusted");
    assert_refused_handshake(&error, &fake, "another CA");
}

pub fn bad_certificates_are_tls_errors_with_the_ca_trusted<T: Transport>(adapter: &TlsAdapter<T>) {
    let ca = TestCa::new("test CA");
    let roots = RootCertificates::default()
        .add_pem(ca.pem())
        .expect("parses");
    let fakes = [
        (
            "a certificate for another host",
            ca.serve(Leaf {
                names: &["api.example.com"],
                expired: false,
            }),
        ),
        (
            "an expired certificate",
            ca.serve(Leaf {
                names: &["127.0.0.1", "localhost"],
                expired: true,
            }),
        ),
        ("a self-signed certificate", self_signed_fake()),
    ];
    for (what, fake) in &fakes {
        let (client, attempts) = adapter.client(
            fake,
            (adapter.with_roots)(settings(), roots.clone()).expect("roots"),
            3,
        );
        let error = client.embedded_checkout().get_config().expect_err(what);
        assert_refused_handshake(&error, fake, what);
        assert_eq!(attempts.load(Ordering::SeqCst), 1, "{what}");
    }
    // The same CA, a good certificate: the CA was trusted all along.
    let good = ca.serve(Leaf {
        names: &["127.0.0.1", "localhost"],
        expired: false,
    });
    adapter
        .trusting(&good, roots)
        .embedded_checkout()
        .get_config()
        .expect("trusted");
}

pub fn roots_alone_are_trusted_or_refused_up_front<T: Transport>(adapter: &TlsAdapter<T>) {
    let fake = FakeEasy::start_tls().expect("the fake starts over TLS");
    let alone = trusting(&fake).without_defaults();
    match (adapter.with_roots)(settings(), alone) {
        Ok(transport) => {
            assert!(adapter.roots_alone, "{} took roots alone", adapter.name);
            let (client, _) = adapter.client(&fake, transport, 0);
            client.validate_key().expect("the CA alone is trusted");
        }
        Err(refused) => {
            assert!(!adapter.roots_alone, "{}: {refused}", adapter.name);
            assert_eq!(refused.field(), "root_certificates");
            assert!(refused.reason().contains("CAPATH"), "{refused}");
        }
    }
    // With nothing added and no defaults, nothing is trusted.
    if adapter.roots_alone {
        let fake = FakeEasy::start_tls().expect("the fake starts over TLS");
        let none = RootCertificates::default().without_defaults();
        let transport = (adapter.with_roots)(settings(), none).expect("taken");
        let error = adapter
            .client(&fake, transport, 0)
            .0
            .validate_key()
            .expect_err("no root");
        assert_refused_handshake(&error, &fake, "no roots at all");
    }
}

// A caller's own client: its own roots, and the SDK's rules all the same.

pub fn a_callers_client_with_its_own_roots_works_and_keeps_the_rules<T: Transport>(
    adapter: &TlsAdapter<T>,
) {
    let fake = FakeEasy::start_tls().expect("the fake starts over TLS");
    let ca = fake.ca_pem().expect("a CA").to_owned();
    let callers = |settings| (adapter.callers_client)(&ca, settings);
    let plain = FakeEasy::start().expect("the fake starts");
    let wire_http = every_operation(
        &adapter.trusting(&plain, RootCertificates::default()),
        &plain,
    );
    let (client, _) = adapter.client(&fake, callers(settings()), 0);
    assert_eq!(wire(&every_operation(&client, &fake)), wire(&wire_http));
    fake.clear_requests();

    // Configured to follow redirects: the 3xx comes back as an API error, not followed.
    let target = format!("{}/embedded-checkout/config", fake.base_url());
    fake.inject(Fault::Redirect(target));
    let error = client.embedded_checkout().get_config().expect_err("a 302");
    assert_eq!(
        error.as_api().map(|e| e.status.as_u16()),
        Some(302),
        "{error:?}"
    );
    assert_eq!(fake.requests().len(), 1, "not followed");

    // A 5xx comes back as a response with its body (ureq's agent would make it an error).
    fake.inject(Fault::status(503));
    let error = client.embedded_checkout().get_config().expect_err("a 503");
    let api = error.as_api().unwrap_or_else(|| panic!("{error:?}"));
    assert_eq!(api.code.as_deref(), Some("INJECTED_FAULT"));

    // No timeout of its own: the SDK's holds.
    let (short, _) = adapter.client(
        &fake,
        callers(settings().timeout(Duration::from_millis(300))),
        0,
    );
    // (Dropping the fake ends the delay.)
    fake.inject(Fault::Delay(Duration::from_secs(3)));
    let error = short
        .embedded_checkout()
        .get_config()
        .expect_err("too slow");
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");

    // The SDK's body cap holds.
    let (capped, _) = adapter.client(&fake, callers(settings().max_body_bytes(1024)), 0);
    fake.inject(Fault::Oversized(64 * 1024));
    let error = capped
        .embedded_checkout()
        .get_config()
        .expect_err("too large");
    assert_eq!(
        transport_error(&error).map(|e| e.kind()),
        Some(TransportErrorKind::BodyTooLarge),
        "{error:?}"
    );
}
