//! The trust context: Mozilla roots (from `webpki-roots`, known only by
//! subject and key) and the anchors the user approved (certificates, or bare
//! SPKI SHA-256 hashes), with the look-ups classification needs.

use std::collections::{BTreeSet, HashMap};

use crate::certs::{self, CertificateView};

use super::CaClass;

/// A trust anchor known by name and key (a Mozilla root or an approved
/// certificate).
#[derive(Debug, Clone)]
pub(super) struct AnchorKey {
    /// [`CaClass::Public`] or [`CaClass::Approved`].
    pub class: CaClass,
    /// SHA-256 of the subject Name DER (matches `DistinguishedName::der_sha256`).
    pub subject_sha256: String,
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Complete SubjectPublicKeyInfo DER.
    pub spki_der: Vec<u8>,
    /// SHA-256 of `spki_der`.
    pub spki_sha256: String,
    /// SHA-256 of the anchor certificate, when the anchor is a certificate.
    pub cert_sha256: Option<String>,
}

/// What counts as trusted: public anchors (the Mozilla store compiled into
/// `webpki-roots`) and approved anchors declared by the user.
#[derive(Debug, Clone, Default)]
pub struct TrustContext {
    anchors: Vec<AnchorKey>,
    by_subject: HashMap<String, Vec<usize>>,
    public_spki: HashMap<String, usize>,
    approved_spki: BTreeSet<String>,
    approved_cert_sha256: BTreeSet<String>,
    approved_certs: Vec<(Vec<u8>, CertificateView)>,
    rejected_approved: usize,
}

impl TrustContext {
    /// Builds the context. `approved_certs` are DER certificates (an
    /// unparseable one is skipped and counted in [`Self::rejected_approved`]);
    /// `approved_spki_sha256` are hex SHA-256s of SubjectPublicKeyInfos (case,
    /// `:` and whitespace ignored); `include_public` adds the Mozilla roots.
    pub fn new(
        approved_certs: Vec<Vec<u8>>,
        approved_spki_sha256: Vec<String>,
        include_public: bool,
    ) -> Self {
        let mut trust = TrustContext {
            approved_spki: approved_spki_sha256
                .iter()
                .map(|s| normalise_hex(s))
                .collect(),
            ..TrustContext::default()
        };
        for der in approved_certs {
            trust.add_approved_cert(der);
        }
        if include_public {
            for anchor in crate::tls::mozilla_roots() {
                trust.add_public(
                    anchor.subject.as_ref(),
                    anchor.subject_public_key_info.as_ref(),
                );
            }
        }
        trust
    }

    /// Number of public (Mozilla) anchors included.
    pub fn public_anchor_count(&self) -> usize {
        self.public_spki.len()
    }

    /// Approved certificates that could not be parsed and were skipped.
    pub fn rejected_approved(&self) -> usize {
        self.rejected_approved
    }

    /// True when the certificate itself is an approved anchor: the same
    /// certificate, or a certificate with an approved SPKI.
    pub fn is_approved(&self, view: &CertificateView) -> bool {
        self.approved_cert_sha256.contains(&view.sha256)
            || self.approved_spki.contains(&view.spki_sha256)
    }

    /// The approved anchor certificates (DER and view), in declaration order.
    pub(super) fn approved_certs(&self) -> &[(Vec<u8>, CertificateView)] {
        &self.approved_certs
    }

    /// The Mozilla root whose key the certificate carries, if any.
    pub(super) fn public_key_anchor(&self, view: &CertificateView) -> Option<&AnchorKey> {
        self.public_spki
            .get(&view.spki_sha256)
            .map(|&i| &self.anchors[i])
    }

    /// True when a Mozilla root has this subject (hash of the Name DER).
    pub(super) fn is_public_subject(&self, subject_sha256: &str) -> bool {
        self.by_subject.get(subject_sha256).is_some_and(|list| {
            list.iter()
                .any(|&i| self.anchors[i].class == CaClass::Public)
        })
    }

    /// The anchor that signed `der`: its subject is `view`'s issuer and its
    /// key verifies the signature. Approved anchors are tried first.
    pub(super) fn signing_anchor(&self, der: &[u8], view: &CertificateView) -> Option<&AnchorKey> {
        let candidates = self.by_subject.get(&view.issuer.der_sha256)?;
        let mut matching: Vec<&AnchorKey> = candidates
            .iter()
            .map(|&i| &self.anchors[i])
            .filter(|anchor| anchor.cert_sha256.as_deref() != Some(view.sha256.as_str()))
            .collect();
        matching.sort_by_key(|anchor| anchor.class != CaClass::Approved);
        matching
            .into_iter()
            .find(|anchor| certs::is_signed_by_spki(der, &anchor.spki_der))
    }

    fn add_approved_cert(&mut self, der: Vec<u8>) {
        let Ok(view) = certs::parse_certificate(&der) else {
            self.rejected_approved += 1;
            tracing::warn!("an approved anchor is not a parseable certificate; ignored");
            return;
        };
        if !self.approved_cert_sha256.insert(view.sha256.clone()) {
            return;
        }
        self.approved_spki.insert(view.spki_sha256.clone());
        let spki_der = certs::spki_der_of(&der).unwrap_or_default();
        self.push_anchor(AnchorKey {
            class: CaClass::Approved,
            subject_sha256: view.subject.der_sha256.clone(),
            subject: view.subject.dn.clone(),
            spki_sha256: view.spki_sha256.clone(),
            spki_der,
            cert_sha256: Some(view.sha256.clone()),
        });
        self.approved_certs.push((der, view));
    }

    /// Adds a Mozilla root from its `webpki-roots` form (SEQUENCE contents).
    fn add_public(&mut self, subject_contents: &[u8], spki_contents: &[u8]) {
        let spki_der = certs::sequence_der(spki_contents);
        self.push_public(AnchorKey {
            class: CaClass::Public,
            subject_sha256: certs::sha256_hex(&certs::sequence_der(subject_contents)),
            subject: certs::name_value_text(subject_contents),
            spki_sha256: certs::sha256_hex(&spki_der),
            spki_der,
            cert_sha256: None,
        });
    }

    /// Test-only: treats a generated certificate's subject and key as one
    /// more Mozilla root (known by key only), since no test certificate can
    /// be signed by a real one.
    #[cfg(test)]
    pub(super) fn with_public_key_of(mut self, der: &[u8]) -> Self {
        let view = certs::parse_certificate(der).expect("test certificate");
        self.push_public(AnchorKey {
            class: CaClass::Public,
            subject_sha256: view.subject.der_sha256,
            subject: view.subject.dn,
            spki_der: certs::spki_der_of(der).expect("spki"),
            spki_sha256: view.spki_sha256,
            cert_sha256: None,
        });
        self
    }

    fn push_public(&mut self, anchor: AnchorKey) {
        self.public_spki
            .insert(anchor.spki_sha256.clone(), self.anchors.len());
        self.push_anchor(anchor);
    }

    fn push_anchor(&mut self, anchor: AnchorKey) {
        let index = self.anchors.len();
        self.by_subject
            .entry(anchor.subject_sha256.clone())
            .or_default()
            .push(index);
        self.anchors.push(anchor);
    }
}

/// Lowercase hex with `:` and whitespace removed.
fn normalise_hex(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testpki::{self, leaf, root, view};
    use super::*;

    #[test]
    fn mozilla_roots_are_indexed_by_key_and_name_in_certificate_encoding() {
        let isrg = testpki::pem_der(testpki::ISRG_ROOT_X1);
        let isrg_view = view(&isrg);
        let trust = TrustContext::new(Vec::new(), Vec::new(), true);
        assert_eq!(
            trust.public_anchor_count(),
            crate::tls::mozilla_roots().len()
        );
        let anchor = trust
            .public_key_anchor(&isrg_view)
            .expect("ISRG Root X1 by key");
        assert_eq!(anchor.subject, isrg_view.subject.dn);
        assert_eq!(anchor.subject_sha256, isrg_view.subject.der_sha256);
        assert!(trust.is_public_subject(&isrg_view.subject.der_sha256));
        let signer = trust
            .signing_anchor(&isrg, &isrg_view)
            .expect("self-signed root");
        assert_eq!(signer.spki_sha256, isrg_view.spki_sha256);
        let without = TrustContext::new(Vec::new(), Vec::new(), false);
        assert!(without.public_key_anchor(&isrg_view).is_none());
        assert_eq!(without.public_anchor_count(), 0);
    }

    #[test]
    fn approved_anchors_by_certificate_and_normalised_spki_hash() {
        let (corp, other) = (root("Corp Root"), root("Other Root"));
        let spki = view(&other.der).spki_sha256;
        let colon_upper: Vec<String> = spki
            .as_bytes()
            .chunks(2)
            .map(|pair| String::from_utf8_lossy(pair).to_uppercase())
            .collect();
        let trust = TrustContext::new(
            vec![
                corp.der.clone(),
                corp.der.clone(),
                b"not a certificate".to_vec(),
            ],
            vec![format!(" {} ", colon_upper.join(":"))],
            false,
        );
        assert_eq!(trust.rejected_approved(), 1);
        assert_eq!(trust.approved_certs().len(), 1, "duplicate declared once");
        assert!(trust.is_approved(&view(&corp.der)));
        assert!(trust.is_approved(&view(&other.der)));
        let web = leaf("www.corp.test", &corp);
        let signer = trust
            .signing_anchor(&web, &view(&web))
            .expect("corp signed it");
        assert_eq!(signer.class, CaClass::Approved);
        assert!(!trust.is_approved(&view(&web)));
        let stray = leaf("www.other.test", &root("Corp Root"));
        assert!(
            trust.signing_anchor(&stray, &view(&stray)).is_none(),
            "same name, other key"
        );
    }
}
