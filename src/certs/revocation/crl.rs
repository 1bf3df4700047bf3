//! CRLs (RFC 5280 §5), DER or PEM: parsed with x509-parser, accepted only
//! when issued under the certificate's issuer name and signed by its key;
//! kept as an owned [`RevocationList`] (serial → date and reason) that the
//! revocation stage caches by URL until its `nextUpdate`.

use std::collections::HashMap;

use time::OffsetDateTime;
use x509_parser::asn1_rs::FromDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::revocation_list::CertificateRevocationList;

use super::{reason_name, serial_key, AnsweredStatus, RevocationAnswer, RevocationDataError};
use crate::certs::signed_by::verify_signed;
use crate::certs::SignatureCheck;

/// A verified CRL, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationList {
    /// `thisUpdate`.
    pub this_update: OffsetDateTime,
    /// `nextUpdate`, when given.
    pub next_update: Option<OffsetDateTime>,
    /// Revoked serials (content octets without leading zeros): date and reason.
    revoked: HashMap<Vec<u8>, (OffsetDateTime, Option<String>)>,
}

impl RevocationList {
    /// How many certificates it lists.
    pub fn len(&self) -> usize {
        self.revoked.len()
    }

    /// True when it lists none.
    pub fn is_empty(&self) -> bool {
        self.revoked.is_empty()
    }

    /// What the list says about `leaf_der`: revoked when its serial is
    /// listed, else good.
    pub fn answer_for(&self, leaf_der: &[u8]) -> Result<RevocationAnswer, RevocationDataError> {
        let (_, leaf) =
            X509Certificate::from_der(leaf_der).map_err(|_| RevocationDataError::Certificate)?;
        let status = match self.revoked.get(&serial_key(leaf.raw_serial())) {
            Some((at, reason)) => AnsweredStatus::Revoked {
                reason: reason.clone(),
                at: *at,
            },
            None => AnsweredStatus::Good,
        };
        Ok(RevocationAnswer {
            status,
            this_update: self.this_update,
            next_update: self.next_update,
        })
    }
}

/// Parses a CRL (DER, or PEM `X509 CRL`) and checks that `issuer_der`
/// issued and signed it.
pub fn parse_crl(bytes: &[u8], issuer_der: &[u8]) -> Result<RevocationList, RevocationDataError> {
    let pem;
    let der = match bytes.starts_with(b"-----BEGIN") {
        true => {
            pem = x509_parser::pem::parse_x509_pem(bytes)
                .map_err(|_| RevocationDataError::Malformed("PEM CRL"))?
                .1;
            pem.contents.as_slice()
        }
        false => bytes,
    };
    let (_, crl) = CertificateRevocationList::from_der(der)
        .map_err(|_| RevocationDataError::Malformed("CRL"))?;
    let (_, issuer) =
        X509Certificate::from_der(issuer_der).map_err(|_| RevocationDataError::Certificate)?;
    if crl.issuer().as_raw() != issuer.subject().as_raw() {
        return Err(RevocationDataError::WrongIssuer);
    }
    let signed: &[u8] = crl.tbs_cert_list.as_ref();
    match verify_signed(
        signed,
        &crl.signature_algorithm,
        &crl.signature_value.data,
        issuer.public_key(),
    ) {
        SignatureCheck::Valid => {}
        SignatureCheck::Invalid => return Err(RevocationDataError::BadSignature),
        SignatureCheck::Unsupported => return Err(RevocationDataError::UnsupportedAlgorithm),
    }
    let revoked = crl
        .iter_revoked_certificates()
        .map(|entry| {
            let reason = entry.reason_code().map(|(_, code)| reason_name(code.0));
            let at = entry.revocation_date.to_datetime();
            (serial_key(entry.raw_serial()), (at, reason))
        })
        .collect();
    Ok(RevocationList {
        this_update: crl.last_update().to_datetime(),
        next_update: crl.next_update().map(|t| t.to_datetime()),
        revoked,
    })
}
