//! Every obligation of `Transport`, checked by the conformance kit over this crate's
//! transport: its own clients, and clients from a caller's builder set up against the SDK's
//! rules.

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
