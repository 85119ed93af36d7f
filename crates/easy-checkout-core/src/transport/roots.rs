//! The root certificates a transport trusts, checked once here, whatever the transport.

use std::fmt;
use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::{self, PemObject};

use crate::input::InvalidInput;

/// The name [`InvalidInput`] gives a refused root certificate.
const FIELD: &str = "root_certificates";

/// The root certificates a transport verifies servers against: its defaults plus those added
/// with [`add_pem`](Self::add_pem), or only the added ones. `Debug` prints how many were
/// added; no message quotes a PEM (it could hold a private key).
///
/// ```
/// use easy_checkout_core::transport::RootCertificates;
///
/// let roots = RootCertificates::default();
/// assert!(roots.uses_defaults() && roots.added().len() == 0);
///
/// let error = RootCertificates::default().add_pem("not a certificate").unwrap_err();
/// assert_eq!(error.to_string(), "root_certificates has no PEM certificate (no `-----BEGIN CERTIFICATE-----` section)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RootCertificates {
    /// DER, in the order added.
    added: Arc<[Arc<[u8]>]>,
    defaults: bool,
}

impl Default for RootCertificates {
    /// The transport's default roots, nothing added.
    fn default() -> Self {
        Self {
            added: Arc::new([]),
            defaults: true,
        }
    }
}

impl RootCertificates {
    /// Adds every `CERTIFICATE` in `pem`, each an X.509 trust anchor; other sections are
    /// skipped. Refused, with nothing added, when the PEM does not parse or holds none.
    pub fn add_pem(self, pem: impl AsRef<[u8]>) -> Result<Self, InvalidInput> {
        let more = parse_pem(pem.as_ref())?;
        let added = self.added.iter().cloned().chain(more).collect();
        Ok(Self { added, ..self })
    }

    /// Trusts the added certificates only, not the transport's defaults.
    pub fn without_defaults(mut self) -> Self {
        self.defaults = false;
        self
    }

    /// Whether the transport's default roots are trusted (besides the added ones).
    pub fn uses_defaults(&self) -> bool {
        self.defaults
    }

    /// The added certificates, DER-encoded, in the order added.
    pub fn added(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.added.iter().map(|der| &der[..])
    }

    /// Whether this is exactly the transport's defaults: nothing added, defaults kept.
    pub fn is_default(&self) -> bool {
        self.defaults && self.added.is_empty()
    }
}

impl fmt::Debug for RootCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootCertificates")
            .field("defaults", &self.defaults)
            .field("added", &self.added.len())
            .finish()
    }
}

/// The DER of every certificate in `pem`, each checked as a trust anchor.
fn parse_pem(pem: &[u8]) -> Result<Vec<Arc<[u8]>>, InvalidInput> {
    let refuse = |reason: String| InvalidInput::new(FIELD, reason);
    let mut certificates = Vec::new();
    for (n, item) in CertificateDer::pem_slice_iter(pem).enumerate() {
        let der = item.map_err(|e| refuse(pem_problem(&e).to_owned()))?;
        webpki::anchor_from_trusted_cert(&der).map_err(|e| {
            refuse(format!(
                "certificate {} is not an X.509 certificate ({e:?})",
                n + 1
            ))
        })?;
        certificates.push(Arc::from(der.as_ref()));
    }
    if certificates.is_empty() {
        return Err(refuse(
            "has no PEM certificate (no `-----BEGIN CERTIFICATE-----` section)".to_owned(),
        ));
    }
    Ok(certificates)
}

/// What is wrong with a PEM, in words (pki-types' messages print the line's bytes).
fn pem_problem(error: &pem::Error) -> &'static str {
    match error {
        pem::Error::MissingSectionEnd { .. } => "is not valid PEM: a section has no END line",
        pem::Error::IllegalSectionStart { .. } => "is not valid PEM: a malformed BEGIN line",
        pem::Error::Base64Decode(_) => "is not valid PEM: a section is not base64",
        pem::Error::SectionTooLarge => "is not valid PEM: a section over 256 MB",
        _ => "is not valid PEM",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real root (ISRG Root X1, Let's Encrypt's), so the tests need no generator.
    const ISRG_ROOT_X1: &str = include_str!("testdata/isrg-root-x1.pem");

    #[test]
    fn certificates_are_added_in_order_on_top_of_the_defaults() {
        let two = format!("# a bundle\n{ISRG_ROOT_X1}\n{ISRG_ROOT_X1}");
        let roots = RootCertificates::default()
            .add_pem(ISRG_ROOT_X1)
            .unwrap()
            .add_pem(&two)
            .unwrap();
        assert!(roots.uses_defaults() && !roots.is_default());
        assert_eq!(roots.added().len(), 3);
        let first = roots.added().next().unwrap();
        assert_eq!(first[0], 0x30, "DER, not PEM");
        assert_eq!(
            format!("{roots:?}"),
            "RootCertificates { defaults: true, added: 3 }"
        );
        let only = roots.without_defaults();
        assert!(!only.uses_defaults());
        assert!(RootCertificates::default().is_default());
    }

    #[test]
    fn what_is_not_a_certificate_is_refused_without_quoting_it() {
        let key = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n";
        let cut = &ISRG_ROOT_X1[..ISRG_ROOT_X1.len() - 30];
        let bad_base64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        let not_x509 = "-----BEGIN CERTIFICATE-----\nc2VjcmV0\n-----END CERTIFICATE-----\n";
        for (pem, reason) in [
            ("", "has no PEM certificate"),
            (key, "has no PEM certificate"),
            (cut, "is not valid PEM: a section has no END line"),
            (bad_base64, "is not valid PEM: a section is not base64"),
            (not_x509, "certificate 1 is not an X.509 certificate"),
        ] {
            let error = RootCertificates::default().add_pem(pem).unwrap_err();
            assert_eq!(error.field(), "root_certificates");
            assert!(error.reason().starts_with(reason), "{pem:?}: {error}");
            assert!(!error.to_string().contains("c2VjcmV0"), "{error}");
        }
        // A key next to a certificate is skipped, never kept.
        let both = format!("{key}{ISRG_ROOT_X1}");
        let roots = RootCertificates::default().add_pem(both).unwrap();
        assert_eq!(roots.added().len(), 1);
    }
}
