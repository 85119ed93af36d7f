//! Every obligation of `AsyncTransport`, checked by the conformance kit over this crate's
//! transport: its own clients, and clients from a caller's builder set up against the SDK's
//! rules.

use easy_checkout_conformance::Kit;
use easy_checkout_reqwest::{ReqwestTransport, RootCertificates};

#[test]
fn the_transport_keeps_every_obligation() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    Kit::new()
        .run_async(
            |settings, roots| ReqwestTransport::with_roots(settings, roots.unwrap_or_default()),
            move |send| runtime.block_on(send),
        )
        .assert_passed();
}

#[test]
fn clients_from_a_callers_builder_keep_every_obligation() {
    // reqwest is built without a provider of its own: the caller installs the default one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    Kit::new()
        .run_async(
            |settings, roots| {
                ReqwestTransport::from_client_builder(
                    move || callers_builder(roots.as_ref()),
                    settings,
                )
            },
            move |send| runtime.block_on(send),
        )
        .assert_passed();
}

/// A builder set up against every rule of the SDK: reqwest's defaults (it follows up to 10
/// redirects, takes proxies from the environment for `http://` too, has no timeout); given
/// roots, it trusts their added certificates alone.
fn callers_builder(roots: Option<&RootCertificates>) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    match roots {
        Some(roots) => builder.tls_certs_only(
            roots
                .added()
                .map(|der| reqwest::Certificate::from_der(der).expect("a certificate")),
        ),
        None => builder,
    }
}
