//! Every obligation of `Transport`, checked by the conformance kit over this crate's
//! transport: its own clients, a caller's client, and clients from a caller's builder, both
//! set up against the SDK's rules.

use easy_checkout_conformance::Kit;
use easy_checkout_isahc::{IsahcTransport, RootCertificates};
use isahc::config::{Configurable, RedirectPolicy};
use isahc::tls::{TlsConfig, TrustStore};

#[test]
fn the_transport_keeps_every_obligation() {
    Kit::new()
        .run(|settings, roots| {
            IsahcTransport::with_roots(settings, roots.unwrap_or_default())
                .expect("roots on top of the defaults")
        })
        .assert_passed();
}

/// `from_client` sends a keyless write through a client of the transport's own, built
/// without the caller's configuration: over TLS it does not trust the caller's roots.
#[test]
fn a_callers_client_keeps_every_obligation() {
    Kit::new()
        .skip(
            "tls_added_roots_are_trusted",
            "issue 21: from_client sends keyless writes without the caller's roots",
        )
        .run(|settings, roots| {
            let client = callers_builder(roots.as_ref()).build().expect("builds");
            IsahcTransport::from_client(client, settings)
        })
        .assert_passed();
}

#[test]
fn clients_from_a_callers_builder_keep_every_obligation() {
    Kit::new()
        .run(|settings, roots| {
            IsahcTransport::from_client_builder(move || callers_builder(roots.as_ref()), settings)
                .expect("the caller's clients build")
        })
        .assert_passed();
}

/// A client set up against every rule of the SDK: it follows redirects, decompresses (and
/// sends `Accept-Encoding`), and has no total timeout (isahc's defaults); given roots, it
/// trusts their added certificates, through its own TLS configuration.
fn callers_builder(roots: Option<&RootCertificates>) -> isahc::HttpClientBuilder {
    let builder = isahc::HttpClient::builder()
        .redirect_policy(RedirectPolicy::Follow)
        .automatic_decompression(true);
    match roots {
        Some(roots) => {
            let store = roots.added().fold(TrustStore::builder(), |store, der| {
                store.certificate_from_der(der)
            });
            builder.tls_config(TlsConfig::builder().trust_store(store.build()).build())
        }
        None => builder,
    }
}
