//! TLS over isahc (libcurl), with certificates made in the test: the SDK's client with added
//! roots, and a caller's own client (its own roots, set up against the SDK's rules).

use easy_checkout_core::TransportSettings;
use easy_checkout_fake::FakeEasy;
use easy_checkout_isahc::IsahcTransport;
use easy_checkout_tests::tls_suite::TlsAdapter;
use easy_checkout_tests::transport_suite::Adapter;
use easy_checkout_tests::{adapter, tls_tests, transport_tests};
use isahc::config::{Configurable, RedirectPolicy};
use isahc::tls::{TlsConfig, TrustStore};

const ADAPTER: Adapter<IsahcTransport> = adapter!(easy_checkout_isahc, IsahcTransport);

const TLS: TlsAdapter<IsahcTransport> = TlsAdapter {
    name: easy_checkout_isahc::USER_AGENT_SUFFIX,
    with_roots: IsahcTransport::with_roots,
    // From the caller's builder: the requests that must not be sent twice get the caller's
    // roots too (`easy-checkout-isahc`'s `keyless_writes_take_the_callers_roots_and_proxy`).
    callers_client: |ca_pem, settings| {
        let ca_pem = ca_pem.to_owned();
        IsahcTransport::from_client_builder(move || callers_builder(Some(&ca_pem)), settings)
            .expect("the caller's clients build")
    },
    with_transport: easy_checkout_isahc::with_transport,
    roots_alone: false,
};

/// The transport suite's adapter, over two clients from a caller's builder with no root of
/// its own.
const CALLERS: Adapter<IsahcTransport> = Adapter {
    transport: |settings| {
        IsahcTransport::from_client_builder(|| callers_builder(None), settings)
            .expect("the caller's clients build")
    },
    ..ADAPTER
};

/// A client set up against every rule of the SDK: it follows redirects, decompresses (and
/// sends `Accept-Encoding`), and has no total timeout (isahc's defaults); it trusts `ca_pem`
/// when given, through its own TLS configuration.
fn callers_builder(ca_pem: Option<&str>) -> isahc::HttpClientBuilder {
    let builder = isahc::HttpClient::builder()
        .redirect_policy(RedirectPolicy::Follow)
        .automatic_decompression(true);
    match ca_pem {
        Some(pem) => builder.tls_config(
            TlsConfig::builder()
                .trust_store(TrustStore::builder().certificate_from_pem(pem).build())
                .build(),
        ),
        None => builder,
    }
}

include!("all_tls_tests.in");

#[test]
fn the_client_kind_and_roots_are_in_debug() {
    let transport =
        IsahcTransport::from_client_builder(|| callers_builder(None), TransportSettings::default())
            .expect("builds");
    let debug = format!("{transport:?}");
    assert!(
        debug.contains("client: Callers") && debug.contains("started: true"),
        "{debug}"
    );
    assert!(
        debug.contains("RootCertificates { defaults: true, added: 0 }"),
        "{debug}"
    );
}

/// Set in the child process of `added_roots_go_on_top_of_the_system_ca_file`.
const CHILD: &str = "EASY_TLS_TEST_CHILD";

/// Roots added to isahc's defaults really are on top of them: libcurl is given one bundle,
/// which replaces its CA file, so the transport puts the file's certificates in it too. Here
/// the "system" CA file is a test CA's (`SSL_CERT_FILE`, which isahc and the transport
/// honour, in a child process), and the added root another's: both servers are trusted. A
/// bundle of the added root alone (what isahc's `TrustStore` does by itself) loses the file.
#[test]
fn added_roots_go_on_top_of_the_system_ca_file() {
    use easy_checkout_tests::tls_suite::{Leaf, TestCa};

    let leaf = || Leaf {
        names: &["127.0.0.1"],
        expired: false,
    };
    let (system, added) = (TestCa::new("system CA"), TestCa::new("added CA"));
    let (by_system, by_added) = (system.serve(leaf()), added.serve(leaf()));
    let dir = std::env::temp_dir().join(format!("easy-tls-isahc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let (system_file, added_file) = (dir.join("system.pem"), dir.join("added.pem"));
    std::fs::write(&system_file, system.pem()).expect("written");
    std::fs::write(&added_file, added.pem()).expect("written");

    let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["on_top_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("SSL_CERT_FILE", &system_file)
        .env("EASY_TEST_ADDED", &added_file)
        .env("EASY_TEST_BY_SYSTEM", by_system.base_url())
        .env("EASY_TEST_BY_ADDED", by_added.base_url())
        .output()
        .expect("the child ran");
    std::fs::remove_dir_all(&dir).expect("removed");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = stdout
        .lines()
        .find_map(|line| line.split_once("ON_TOP: ").map(|(_, report)| report))
        .unwrap_or_else(|| panic!("no report: {stdout}"));
    assert_eq!(report, "with_roots: ok ok; added alone: tls ok");
    assert_eq!(
        (by_system.requests().len(), by_added.requests().len()),
        (1, 2)
    );
}

/// The child of `added_roots_go_on_top_of_the_system_ca_file`; passes trivially otherwise.
#[test]
fn on_top_child() {
    use easy_checkout_core::{RootCertificates, Transport, http};

    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let var = |name| std::env::var(name).expect(name);
    let added = RootCertificates::default()
        .add_pem(std::fs::read(var("EASY_TEST_ADDED")).expect("reads"))
        .expect("parses");
    let outcome = |transport: &IsahcTransport, url: String| {
        let request = http::Request::get(format!("{url}/validate-key"))
            .header("x-easy-api-key", FakeEasy::TEST_KEY)
            .body(Vec::new())
            .expect("a request");
        match transport.send(request) {
            Ok(response) => {
                assert_eq!(response.status(), 200);
                "ok".to_owned()
            }
            Err(e) => e.kind().as_str().to_owned(),
        }
    };
    let ours = IsahcTransport::with_roots(TransportSettings::default(), added).expect("taken");
    let added_pem = std::fs::read(var("EASY_TEST_ADDED")).expect("read");
    let alone = IsahcTransport::from_client_builder(
        || {
            let trust = TrustStore::builder().certificate_from_pem(added_pem.clone());
            isahc::HttpClient::builder()
                .tls_config(TlsConfig::builder().trust_store(trust.build()).build())
        },
        TransportSettings::default(),
    )
    .expect("builds");
    println!(
        "ON_TOP: with_roots: {} {}; added alone: {} {}",
        outcome(&ours, var("EASY_TEST_BY_SYSTEM")),
        outcome(&ours, var("EASY_TEST_BY_ADDED")),
        outcome(&alone, var("EASY_TEST_BY_SYSTEM")),
        outcome(&alone, var("EASY_TEST_BY_ADDED")),
    );
}
