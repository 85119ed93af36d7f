//! TLS over isahc (libcurl) beyond the kit's checks, with certificates made in the test: roots
//! alone refused up front, and added roots on top of the system's CA file. (A caller's
//! client's roots and proxy on keyless writes: `tests/tests/adapters.rs` in the workspace.)

use easy_checkout_conformance::certs::{Identity, Leaf, TestCa};
use easy_checkout_conformance::loopback::{After, Server, reply};
use easy_checkout_core::{RootCertificates, Transport, TransportSettings, http};
use easy_checkout_isahc::IsahcTransport;
use isahc::config::Configurable;
use isahc::tls::{TlsConfig, TrustStore};

/// A TLS server answering every request with a 200.
fn serving(identity: Identity) -> Server {
    Server::start_tls(identity, |_, stream| {
        let _ = stream.write_all(&reply("200 OK", &[], b"{}"));
        After::KeepAlive
    })
}

/// A client trusting `ca_pem` alone, through its own TLS configuration.
fn trusting(ca_pem: String) -> isahc::HttpClientBuilder {
    isahc::HttpClient::builder().tls_config(
        TlsConfig::builder()
            .trust_store(TrustStore::builder().certificate_from_pem(ca_pem).build())
            .build(),
    )
}

/// Roots alone are refused up front (libcurl keeps its CA directory); a caller's client and
/// the roots are in `Debug`.
#[test]
fn roots_alone_are_refused_and_the_client_kind_and_roots_are_in_debug() {
    let ca = TestCa::new("test CA");
    let alone = RootCertificates::default()
        .add_pem(ca.pem())
        .expect("parses")
        .without_defaults();
    let refused = IsahcTransport::with_roots(TransportSettings::default(), alone)
        .expect_err("libcurl keeps its CA directory");
    assert_eq!(refused.field(), "root_certificates");
    assert!(refused.reason().contains("CAPATH"), "{refused}");
    let callers = isahc::HttpClient::builder;
    let transport = IsahcTransport::from_client_builder(callers, TransportSettings::default());
    let debug = format!("{:?}", transport.expect("builds"));
    assert!(
        debug.contains("client: Callers") && debug.contains("started: true"),
        "{debug}"
    );
    let roots = "RootCertificates { defaults: true, added: 0 }";
    assert!(debug.contains(roots), "{debug}");
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
    let (system, added) = (TestCa::new("system CA"), TestCa::new("added CA"));
    let (by_system, by_added) = (
        serving(system.serve(Leaf::LOOPBACK)),
        serving(added.serve(Leaf::LOOPBACK)),
    );
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
        .env("EASY_TEST_BY_SYSTEM", by_system.url(""))
        .env("EASY_TEST_BY_ADDED", by_added.url(""))
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
        (
            by_system.take_requests().len(),
            by_added.take_requests().len()
        ),
        (1, 2)
    );
}

/// The child of `added_roots_go_on_top_of_the_system_ca_file`; passes trivially otherwise.
#[test]
fn on_top_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let var = |name| std::env::var(name).expect(name);
    let pem = std::fs::read_to_string(var("EASY_TEST_ADDED")).expect("read");
    let added = RootCertificates::default().add_pem(&pem).expect("parses");
    let outcome = |transport: &IsahcTransport, url: String| {
        let request = http::Request::get(format!("{url}/validate-key"))
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
    let alone =
        IsahcTransport::from_client_builder(|| trusting(pem.clone()), TransportSettings::default())
            .expect("builds");
    println!(
        "ON_TOP: with_roots: {} {}; added alone: {} {}",
        outcome(&ours, var("EASY_TEST_BY_SYSTEM")),
        outcome(&ours, var("EASY_TEST_BY_ADDED")),
        outcome(&alone, var("EASY_TEST_BY_SYSTEM")),
        outcome(&alone, var("EASY_TEST_BY_ADDED")),
    );
}
