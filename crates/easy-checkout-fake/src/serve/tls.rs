//! The fake over https (feature `tls`): a certificate authority and a server certificate made
//! with `rcgen`, served with `rustls`.

use std::fmt;
use std::io;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// What the fake serves https with: its certificate chain and key, and the PEM of the
/// certificate authority a client must trust. [`FakeTls::from_pem`] serves a chain of your
/// own (an expired certificate, one for another host name). `Debug` prints neither key.
///
/// ```
/// use easy_checkout_fake::{FakeEasy, FakeTls};
///
/// let tls = FakeTls::generate()?;
/// assert!(tls.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
/// let fake = FakeEasy::start_tls_with(tls, 0)?;
/// assert!(fake.base_url().starts_with("https://127.0.0.1:"));
/// assert!(fake.ca_pem().is_some());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct FakeTls {
    config: Arc<ServerConfig>,
    ca_pem: String,
}

impl fmt::Debug for FakeTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeTls").finish_non_exhaustive()
    }
}

impl FakeTls {
    /// A new certificate authority (`easy-checkout fake CA`) and a server certificate it signs
    /// for `localhost`, `127.0.0.1` and `::1`, each with a new ECDSA P-256 key, valid from 1975
    /// to 4096 (rcgen's defaults).
    pub fn generate() -> io::Result<FakeTls> {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
            IsCa, KeyPair, KeyUsagePurpose,
        };

        let mut ca = CertificateParams::new(Vec::new()).map_err(invalid)?;
        ca.distinguished_name
            .push(DnType::CommonName, "easy-checkout fake CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(invalid)?)
            .map_err(invalid)?;

        let names = ["localhost", "127.0.0.1", "::1"].map(String::from);
        let mut leaf = CertificateParams::new(names.to_vec()).map_err(invalid)?;
        leaf.distinguished_name
            .push(DnType::CommonName, "easy-checkout fake");
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().map_err(invalid)?;
        let cert = leaf.signed_by(&key, &ca).map_err(invalid)?;

        let key = PrivateKeyDer::try_from(key.serialize_der()).map_err(invalid)?;
        Self::new(vec![cert.der().clone()], key, ca.pem())
    }

    /// Serves `chain_pem` (the server certificate first) with the key in `key_pem`; `ca_pem`
    /// is only reported. Fails when a PEM does not parse or the key does not fit.
    pub fn from_pem(chain_pem: &str, key_pem: &str, ca_pem: impl Into<String>) -> io::Result<Self> {
        let chain = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(invalid)?;
        Self::new(chain, key, ca_pem.into())
    }

    fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        ca_pem: String,
    ) -> io::Result<Self> {
        if chain.is_empty() {
            return Err(invalid("no certificate to serve"));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(invalid)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(invalid)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            config: Arc::new(config),
            ca_pem,
        })
    }

    /// The PEM of the certificate authority a client must trust (for `--ca-cert`, or
    /// `RootCertificates::add_pem`).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    pub(crate) fn accept(
        &self,
        stream: std::net::TcpStream,
    ) -> io::Result<rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream>> {
        let conn = rustls::ServerConnection::new(Arc::clone(&self.config)).map_err(invalid)?;
        Ok(rustls::StreamOwned::new(conn, stream))
    }
}

fn invalid(error: impl fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, error.to_string())
}
