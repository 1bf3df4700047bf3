//! The strict verdict: would a browser-like client trust this chain?
//!
//! Computed with rustls-webpki against the Mozilla root store (webpki-roots)
//! plus any anchors the user adds, after the chain was captured; it is
//! recorded in the observation and never stops a probe. Path building and the
//! name check run separately so an expired certificate for the wrong name
//! reports both problems. A probe that sent no name (an address without
//! SNI) gets no name check at all ([`NameCheck::NoName`]): there was no
//! name to match, so no `name_mismatch`.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use crate::observation::{NameCheck, Verdict, VerdictProblem};

/// A set of trust anchors with a display label for each.
#[derive(Debug, Clone)]
pub struct TrustStore {
    anchors: Arc<Vec<TrustAnchor<'static>>>,
    labels: Arc<Vec<String>>,
}

/// Why a user-supplied anchor could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AnchorError(String);

impl TrustStore {
    /// The Mozilla root store as shipped in webpki-roots; `name_of` turns an
    /// anchor's DER subject into its display name.
    pub fn mozilla(name_of: &dyn Fn(&[u8]) -> String) -> TrustStore {
        let anchors: Vec<_> = crate::tls::mozilla_roots().to_vec();
        let labels = anchors.iter().map(|a| name_of(&a.subject)).collect();
        TrustStore {
            anchors: Arc::new(anchors),
            labels: Arc::new(labels),
        }
    }

    /// An empty store (every chain is `unknown_issuer`).
    pub fn empty() -> TrustStore {
        TrustStore {
            anchors: Arc::new(Vec::new()),
            labels: Arc::new(Vec::new()),
        }
    }

    /// Adds a certificate (DER) as an anchor; `name_of` names its subject.
    pub fn add_certificate(
        &mut self,
        der: &[u8],
        name_of: &dyn Fn(&[u8]) -> String,
    ) -> Result<(), AnchorError> {
        let cert = CertificateDer::from(der);
        let anchor = webpki::anchor_from_trusted_cert(&cert)
            .map_err(|e| AnchorError(format!("not a usable certificate ({e:?})")))?
            .to_owned();
        let label = name_of(&anchor.subject);
        Arc::make_mut(&mut self.anchors).push(anchor);
        Arc::make_mut(&mut self.labels).push(label);
        Ok(())
    }

    /// Adds the config's `[[anchors]]` certificates (DER), so that one
    /// declaration both approves a CA and makes the strict verdict trust it.
    /// Returns how many were added; the error names the anchor's position.
    pub fn add_config_anchors(
        &mut self,
        ders: &[Vec<u8>],
        name_of: &dyn Fn(&[u8]) -> String,
    ) -> Result<usize, AnchorError> {
        for (index, der) in ders.iter().enumerate() {
            self.add_certificate(der, name_of).map_err(|e| {
                AnchorError(format!("[[anchors]] certificate {}: {}", index + 1, e.0))
            })?;
        }
        Ok(ders.len())
    }

    /// Adds every certificate of a PEM file (or one DER certificate) as an
    /// anchor; returns how many were added.
    pub fn add_file(
        &mut self,
        path: &Path,
        name_of: &dyn Fn(&[u8]) -> String,
    ) -> Result<usize, AnchorError> {
        let bytes = std::fs::read(path).map_err(|e| AnchorError(e.to_string()))?;
        let ders: Vec<Vec<u8>> = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            CertificateDer::pem_slice_iter(&bytes)
                .map(|c| c.map(|c| c.as_ref().to_vec()))
                .collect::<Result<_, _>>()
                .map_err(|e| AnchorError(format!("bad PEM ({e})")))?
        } else {
            vec![bytes]
        };
        if ders.is_empty() {
            return Err(AnchorError("no CERTIFICATE block found".into()));
        }
        for der in &ders {
            self.add_certificate(der, name_of)?;
        }
        Ok(ders.len())
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// True when the store holds no anchors.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// Verifies `chain` (leaf first, as sent) at `now`, and for `name` when
    /// the probe sent one (`None`: no name check, [`NameCheck::NoName`]).
    pub fn verdict(
        &self,
        chain: &[Vec<u8>],
        name: Option<&ServerName<'_>>,
        now: UnixTime,
    ) -> Verdict {
        let name_check = match name {
            Some(_) => NameCheck::Checked,
            None => NameCheck::NoName,
        };
        let Some((leaf_der, rest)) = chain.split_first() else {
            return untrusted(vec![VerdictProblem::Malformed], name_check);
        };
        let leaf_der = CertificateDer::from(leaf_der.as_slice());
        let leaf = match EndEntityCert::try_from(&leaf_der) {
            Ok(leaf) => leaf,
            Err(e) => return untrusted(vec![problem_of(&e)], name_check),
        };
        let intermediates: Vec<CertificateDer<'_>> = rest
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        let algs = crate::tls::provider::signature_verification_algorithms();
        let path = leaf.verify_for_usage(
            algs,
            &self.anchors,
            &intermediates,
            now,
            KeyUsage::server_auth(),
            None,
            None,
        );
        let mut problems = Vec::new();
        let anchor = match path {
            Ok(path) => self.label_of(path.anchor()),
            Err(e) => {
                problems.push(problem_of(&e));
                None
            }
        };
        if let Some(Err(e)) = name.map(|name| leaf.verify_is_valid_for_subject_name(name)) {
            problems.push(problem_of(&e));
        }
        Verdict {
            trusted: problems.is_empty(),
            anchor,
            problems,
            name_check,
        }
    }

    /// [`TrustStore::verdict`] for a chain observed by another tool: the
    /// name checked is the SNI it sent, else none (as a live probe without
    /// a name: no name checked), as of `at` (when it was observed).
    pub fn verdict_of_observed(
        &self,
        chain: &[Vec<u8>],
        sni: Option<&str>,
        at: time::OffsetDateTime,
    ) -> Verdict {
        let name = sni.and_then(|n| ServerName::try_from(n.to_string()).ok());
        let seconds = u64::try_from(at.unix_timestamp()).unwrap_or(0);
        let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(seconds));
        self.verdict(chain, name.as_ref(), now)
    }

    /// The label of the anchor webpki built to.
    fn label_of(&self, anchor: &TrustAnchor<'_>) -> Option<String> {
        let same = |a: &TrustAnchor<'_>| {
            a.subject == anchor.subject
                && a.subject_public_key_info == anchor.subject_public_key_info
        };
        let index = self.anchors.iter().position(same)?;
        Some(self.labels[index].clone())
    }
}

fn untrusted(problems: Vec<VerdictProblem>, name_check: NameCheck) -> Verdict {
    Verdict {
        trusted: false,
        anchor: None,
        problems,
        name_check,
    }
}

/// Maps webpki's error to the documented problem vocabulary (the deprecated
/// variants are still produced by some paths, so they are matched too).
#[allow(deprecated)]
fn problem_of(e: &webpki::Error) -> VerdictProblem {
    use webpki::Error as E;
    use VerdictProblem as P;
    match e {
        E::CertExpired { .. } => P::Expired,
        E::CertNotValidYet { .. } => P::NotYetValid,
        E::UnknownIssuer => P::UnknownIssuer,
        E::CertNotValidForName(_) => P::NameMismatch,
        E::InvalidSignatureForPublicKey | E::SignatureAlgorithmMismatch => P::BadSignature,
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            P::UnsupportedSignatureAlgorithm
        }
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => P::NotServerAuth,
        E::CaUsedAsEndEntity => P::CaUsedAsLeaf,
        E::CertRevoked => P::Revoked,
        E::BadDer | E::BadDerTime | E::TrailingData(_) | E::UnsupportedCertVersion => P::Malformed,
        _ => P::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mozilla_store_is_not_empty() {
        assert!(TrustStore::mozilla(&|_| String::new()).len() > 100);
        assert!(TrustStore::empty().is_empty());
    }

    #[test]
    fn garbage_leaf_is_malformed_not_a_panic() {
        let name = ServerName::try_from("example.test").unwrap();
        let v = TrustStore::empty().verdict(&[vec![1, 2, 3]], Some(&name), UnixTime::now());
        assert!(!v.trusted);
        assert_eq!(v.problems, vec![VerdictProblem::Malformed]);
        let v = TrustStore::empty().verdict(&[], None, UnixTime::now());
        assert_eq!(v.problems, vec![VerdictProblem::Malformed]);
        assert_eq!(v.name_check, NameCheck::NoName);
    }
}
