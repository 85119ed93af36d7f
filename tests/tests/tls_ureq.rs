//! TLS over ureq, with certificates made in the test: the SDK's agent with added roots, and a
//! caller's own agent (its own roots, set up against the SDK's rules).

use easy_checkout_core::{RootCertificates, TransportSettings};
use easy_checkout_tests::tls_suite::TlsAdapter;
use easy_checkout_tests::transport_suite::Adapter;
use easy_checkout_tests::{adapter, tls_tests, transport_tests};
use easy_checkout_ureq::UreqTransport;
use ureq::tls::{PemItem, RootCerts, TlsConfig};

const ADAPTER: Adapter<UreqTransport> = adapter!(easy_checkout_ureq, UreqTransport);

const TLS: TlsAdapter<UreqTransport> = TlsAdapter {
    name: easy_checkout_ureq::USER_AGENT_SUFFIX,
    with_roots: |settings, roots| Ok(UreqTransport::with_roots(settings, roots)),
    callers_client: |ca_pem, settings| {
        UreqTransport::from_agent(callers_agent(Some(ca_pem)), settings)
    },
    with_transport: easy_checkout_ureq::with_transport,
    roots_alone: true,
};

/// The transport suite's adapter, over a caller's agent with no root of its own.
const CALLERS: Adapter<UreqTransport> = Adapter {
    transport: |settings| UreqTransport::from_agent(callers_agent(None), settings),
    ..ADAPTER
};

/// An agent set up against every rule of the SDK: it follows redirects, turns 4xx/5xx into
/// errors (ureq's default), has no timeout (ureq's default) and sends ureq's `Accept`; it
/// trusts `ca_pem` alone when given, through its own TLS configuration.
fn callers_agent(ca_pem: Option<&str>) -> ureq::Agent {
    let mut tls = TlsConfig::builder();
    if let Some(pem) = ca_pem {
        let certs: Vec<_> = ureq::tls::parse_pem(pem.as_bytes())
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(cert)) => Some(cert),
                _ => None,
            })
            .collect();
        assert_eq!(certs.len(), 1);
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    ureq::Agent::config_builder()
        .max_redirects(10)
        .http_status_as_error(true)
        .tls_config(tls.build())
        .build()
        .into()
}

include!("all_tls_tests.in");

#[test]
fn a_callers_agent_is_named_in_debug() {
    let transport = UreqTransport::from_agent(callers_agent(None), TransportSettings::default());
    assert!(
        format!("{transport:?}").contains("agent: Callers"),
        "{transport:?}"
    );
    let own = UreqTransport::with_roots(TransportSettings::default(), RootCertificates::default());
    assert!(format!("{own:?}").contains("agent: Own"), "{own:?}");
}
