//! Certificates made in the test, for the TLS checks and your own. Nothing is fetched; every
//! key is a new ECDSA P-256 key.
//!
//! ```
//! use easy_checkout_conformance::certs::{Leaf, TestCa};
//! use easy_checkout_conformance::loopback::{Server, reply};
//! use easy_checkout_core::RootCertificates;
//!
//! let ca = TestCa::new("my test CA");
//! let server = Server::start_tls(ca.serve(Leaf::LOOPBACK), |_, stream| {
//!     let _ = stream.write_all(&reply("200 OK", &[], b"{}"));
//!     easy_checkout_conformance::loopback::After::KeepAlive
//! });
//! assert!(server.url("/").starts_with("https://127.0.0.1:"));
//! // What your transport trusts to reach it:
//! let roots = RootCertificates::default().add_pem(ca.pem())?;
//! # let _ = roots;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// What a TLS server serves: a certificate and its key, ready for
/// [`Server::start_tls`](crate::loopback::Server::start_tls).
#[derive(Clone)]
pub struct Identity(pub(crate) Arc<ServerConfig>);

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").finish_non_exhaustive()
    }
}

/// A certificate authority made for one test, and the server certificates it signs.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// What a [`TestCa`] signs: for which names, and whether it has expired.
#[derive(Debug, Clone, Copy)]
pub struct Leaf<'a> {
    /// The subject alternative names (`127.0.0.1` is an IP address name).
    pub names: &'a [&'a str],
    /// Already expired (valid in 2000 only) rather than valid until 4096.
    pub expired: bool,
}

impl Leaf<'static> {
    /// Valid, for `127.0.0.1` and `localhost`: what a client of a loopback server checks.
    pub const LOOPBACK: Leaf<'static> = Leaf {
        names: &["127.0.0.1", "localhost"],
        expired: false,
    };
}

impl TestCa {
    /// A new authority named `name`.
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

    /// The authority's certificate as PEM, for a client to trust
    /// (`RootCertificates::add_pem`).
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server identity: a certificate this authority signs for `leaf`, and its key.
    pub fn serve(&self, leaf: Leaf<'_>) -> Identity {
        let (params, key) = leaf_params(leaf);
        let cert = params.signed_by(&key, &self.issuer).expect("signed");
        server_config(cert.der().clone(), &key)
    }
}

/// A server identity with a self-signed certificate for `leaf` (no authority signed it, so
/// no client trusts it).
pub fn self_signed(leaf: Leaf<'_>) -> Identity {
    let (params, key) = leaf_params(leaf);
    let cert = params.self_signed(&key).expect("self-signed");
    server_config(cert.der().clone(), &key)
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

fn server_config(cert: CertificateDer<'static>, key: &KeyPair) -> Identity {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("the key fits the certificate");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Identity(Arc::new(config))
}
