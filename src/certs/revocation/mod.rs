//! What a CA says about a certificate's revocation: OCSP requests built
//! and responses checked ([`ocsp`]), CRLs parsed and checked ([`crl`]).
//! Every answer is accepted only when its signature verifies under the
//! issuer's key (or, for OCSP, a responder the issuer delegated to with
//! `id-kp-OCSPSigning`). Fetching is the revocation stage's business;
//! this module only reads bytes.

mod crl;
mod der;
mod ocsp;

pub use crl::{parse_crl, RevocationList};
pub use ocsp::{ocsp_request, read_ocsp_response, OcspQuery};

use time::OffsetDateTime;

/// What a signed answer says about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnsweredStatus {
    /// Not revoked.
    Good,
    /// Revoked at `at`, for `reason` (an RFC 5280 CRLReason name) when given.
    Revoked {
        /// RFC 5280 reason name (`keyCompromise`, ...), if the answer gives one.
        reason: Option<String>,
        /// The revocation date.
        at: OffsetDateTime,
    },
    /// The responder does not know the certificate (OCSP `unknown`).
    Unknown,
}

/// A verified answer: the status and the period it is valid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationAnswer {
    /// The status.
    pub status: AnsweredStatus,
    /// When the answer was known to be correct (`thisUpdate`).
    pub this_update: OffsetDateTime,
    /// When newer information will be available (`nextUpdate`), if said.
    pub next_update: Option<OffsetDateTime>,
}

/// Why an OCSP response or a CRL was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationDataError {
    /// The certificate or its issuer does not parse.
    #[error("certificate or issuer does not parse")]
    Certificate,
    /// The bytes are not the expected DER structure.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// The OCSP responder answered with an error status.
    #[error("responder status {0}")]
    ResponderStatus(&'static str),
    /// The OCSP response is of a type other than id-pkix-ocsp-basic.
    #[error("not a basic OCSP response")]
    NotBasic,
    /// The response holds no answer for the certificate asked about.
    #[error("no answer for this certificate in the response")]
    NoMatchingResponse,
    /// Signed by neither the issuer nor a responder it authorised.
    #[error("signed by neither the issuer nor a responder it authorised")]
    Unauthorised,
    /// The signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// The signature algorithm cannot be verified here.
    #[error("unsupported signature algorithm")]
    UnsupportedAlgorithm,
    /// A CRL whose issuer name is not the certificate's issuer.
    #[error("CRL issued by another CA")]
    WrongIssuer,
}

/// RFC 5280 CRLReason name of a reason code.
fn reason_name(code: u8) -> String {
    let name = match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        other => return format!("reason{other}"),
    };
    name.to_string()
}

/// An INTEGER's content octets without leading zero octets (how serials
/// are compared: `00 ff` and `ff` are the same serial as written by
/// different encoders).
fn serial_key(raw: &[u8]) -> Vec<u8> {
    let start = raw.iter().position(|b| *b != 0).unwrap_or(raw.len());
    raw[start..].to_vec()
}

#[cfg(test)]
mod tests;
