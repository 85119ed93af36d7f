//! Every obligation of `Transport`, checked by the conformance kit over this crate's
//! transport: its own agent, and a caller's agent set up against the SDK's rules.

use easy_checkout_conformance::Kit;
use easy_checkout_ureq::{RootCertificates, UreqTransport};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

#[test]
fn the_transport_keeps_every_obligation() {
    Kit::new()
        .run(|settings, roots| UreqTransport::with_roots(settings, roots.unwrap_or_default()))
        .assert_passed();
}

#[test]
fn a_callers_agent_keeps_every_obligation() {
    Kit::new()
        .run(|settings, roots| UreqTransport::from_agent(callers_agent(roots), settings))
        .assert_passed();
}

/// An agent set up against every rule of the SDK: it follows redirects, turns 4xx/5xx into
/// errors (ureq's default), has no timeout (ureq's default) and sends ureq's `Accept`; given
/// roots, it trusts their added certificates alone, through its own TLS configuration.
fn callers_agent(roots: Option<RootCertificates>) -> ureq::Agent {
    let mut tls = TlsConfig::builder();
    if let Some(roots) = roots {
        let certs: Vec<_> = roots
            .added()
            .map(|der| Certificate::from_der(der).to_owned())
            .collect();
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    ureq::Agent::config_builder()
        .max_redirects(10)
        .http_status_as_error(true)
        .tls_config(tls.build())
        .build()
        .into()
}
