//! OCSP (RFC 6960): the request for one certificate ([`ocsp_request`]) and
//! the check of a response ([`read_ocsp_response`]): response status,
//! `id-pkix-ocsp-basic` type, the single response whose CertID matches the
//! request, and the signature, made by the issuer itself or by a delegated
//! responder whose certificate the issuer signed with `id-kp-OCSPSigning`
//! (and valid at the time of the check). No nonce is sent: responses may
//! come from a cache, and freshness is judged on `thisUpdate`/`nextUpdate`.

use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_parser::asn1_rs::FromDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::x509::AlgorithmIdentifier;

use super::der::{self, Tlv};
use super::{reason_name, serial_key, AnsweredStatus, RevocationAnswer, RevocationDataError};
use crate::certs::signed_by::{signature_check, verify_signed};
use crate::certs::SignatureCheck;

/// DER of the OID id-sha1 (1.3.14.3.2.26).
const OID_SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
/// DER of the OID id-sha256 (2.16.840.1.101.3.4.2.1).
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
/// DER of the OID id-pkix-ocsp-basic (1.3.6.1.5.5.7.48.1.1).
const OID_OCSP_BASIC: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];

/// One certificate's OCSP request and what a matching answer must name.
#[derive(Debug, Clone)]
pub struct OcspQuery {
    /// The DER `OCSPRequest` (for POST, or base64 in a GET URL).
    pub request_der: Vec<u8>,
    serial: Vec<u8>,
    sha1_hashes: (Vec<u8>, Vec<u8>),
    sha256_hashes: (Vec<u8>, Vec<u8>),
    issuer_der: Vec<u8>,
}

/// The OCSP request (CertID with SHA-1, as every responder accepts) for
/// `leaf_der` issued by `issuer_der`.
pub fn ocsp_request(leaf_der: &[u8], issuer_der: &[u8]) -> Result<OcspQuery, RevocationDataError> {
    let (Ok((_, leaf)), Ok((_, issuer))) = (
        X509Certificate::from_der(leaf_der),
        X509Certificate::from_der(issuer_der),
    ) else {
        return Err(RevocationDataError::Certificate);
    };
    let name = issuer.subject().as_raw();
    let key = &issuer.public_key().subject_public_key.data;
    let sha1_hashes = (Sha1::digest(name).to_vec(), Sha1::digest(key).to_vec());
    let sha256_hashes = (Sha256::digest(name).to_vec(), Sha256::digest(key).to_vec());
    let serial = leaf.raw_serial();
    let algorithm = der::write(
        0x30,
        &[der::write(0x06, OID_SHA1), vec![0x05, 0x00]].concat(),
    );
    let cert_id = der::write(
        0x30,
        &[
            algorithm,
            der::write(0x04, &sha1_hashes.0),
            der::write(0x04, &sha1_hashes.1),
            der::write(0x02, serial),
        ]
        .concat(),
    );
    let request_list = der::write(0x30, &der::write(0x30, &cert_id));
    let request_der = der::write(0x30, &der::write(0x30, &request_list));
    Ok(OcspQuery {
        request_der,
        serial: serial_key(serial),
        sha1_hashes,
        sha256_hashes,
        issuer_der: issuer_der.to_vec(),
    })
}

/// Checks an OCSP response to `query` at `now` (the delegated responder's
/// validity) and returns what it says about the certificate.
pub fn read_ocsp_response(
    query: &OcspQuery,
    response: &[u8],
    now: OffsetDateTime,
) -> Result<RevocationAnswer, RevocationDataError> {
    let basic = basic_response(response)?;
    let malformed = || RevocationDataError::Malformed("BasicOCSPResponse");
    let parts = der::elements(der::expect(basic, 0x30).ok_or_else(malformed)?.0.content)
        .ok_or_else(malformed)?;
    let [tbs, algorithm, signature, rest @ ..] = parts.as_slice() else {
        return Err(malformed());
    };
    let signature = match signature.content.split_first() {
        Some((0, bits)) if signature.tag == 0x03 => bits,
        _ => return Err(malformed()),
    };
    let signer = Signed {
        tbs: tbs.whole,
        algorithm: algorithm.whole,
        signature,
    };
    let certs = rest.first().filter(|t| t.tag == 0xa0);
    let responses = response_data(tbs)?;
    check_signer(query, &signer, &responses.responder, certs, now)?;
    single_answer(query, &responses.singles)
}

/// The BasicOCSPResponse bytes inside a successful `OCSPResponse`.
fn basic_response(response: &[u8]) -> Result<&[u8], RevocationDataError> {
    let malformed = || RevocationDataError::Malformed("OCSPResponse");
    let (outer, trailing) = der::expect(response, 0x30).ok_or_else(malformed)?;
    if !trailing.is_empty() {
        return Err(malformed());
    }
    let (status, rest) = der::expect(outer.content, 0x0a).ok_or_else(malformed)?;
    match status.content {
        [0] => {}
        [code] => return Err(RevocationDataError::ResponderStatus(status_name(*code))),
        _ => return Err(malformed()),
    }
    let (bytes, _) = der::expect(rest, 0xa0).ok_or_else(malformed)?;
    let (body, _) = der::expect(bytes.content, 0x30).ok_or_else(malformed)?;
    let (kind, rest) = der::expect(body.content, 0x06).ok_or_else(malformed)?;
    if kind.content != OID_OCSP_BASIC {
        return Err(RevocationDataError::NotBasic);
    }
    let (octets, _) = der::expect(rest, 0x04).ok_or_else(malformed)?;
    Ok(octets.content)
}

/// The name of an OCSPResponseStatus other than successful.
fn status_name(code: u8) -> &'static str {
    match code {
        1 => "malformedRequest",
        2 => "internalError",
        3 => "tryLater",
        5 => "sigRequired",
        6 => "unauthorized",
        _ => "unknown status",
    }
}

/// The signed part of a response.
struct Signed<'a> {
    tbs: &'a [u8],
    algorithm: &'a [u8],
    signature: &'a [u8],
}

/// The parts of `ResponseData` the check uses.
struct ResponseData<'a> {
    /// `[1]` byName or `[2]` byKey, whole.
    responder: Tlv<'a>,
    singles: Vec<Tlv<'a>>,
}

fn response_data<'a>(tbs: &Tlv<'a>) -> Result<ResponseData<'a>, RevocationDataError> {
    let malformed = || RevocationDataError::Malformed("ResponseData");
    let parts = der::elements(tbs.content).ok_or_else(malformed)?;
    let mut parts = parts.into_iter().skip_while(|t| t.tag == 0xa0);
    let responder = parts
        .next()
        .filter(|t| t.tag == 0xa1 || t.tag == 0xa2)
        .ok_or_else(malformed)?;
    let _produced_at = parts
        .next()
        .filter(|t| t.tag == 0x18)
        .ok_or_else(malformed)?;
    let responses = parts
        .next()
        .filter(|t| t.tag == 0x30)
        .ok_or_else(malformed)?;
    let singles = der::elements(responses.content).ok_or_else(malformed)?;
    Ok(ResponseData { responder, singles })
}

/// Accepts the signature when the issuer made it, or a responder the
/// issuer delegated to (`certs`), valid at `now`.
fn check_signer(
    query: &OcspQuery,
    signed: &Signed<'_>,
    responder: &Tlv<'_>,
    certs: Option<&Tlv<'_>>,
    now: OffsetDateTime,
) -> Result<(), RevocationDataError> {
    let (_, issuer) = X509Certificate::from_der(&query.issuer_der)
        .map_err(|_| RevocationDataError::Certificate)?;
    let (_, algorithm) = AlgorithmIdentifier::from_der(signed.algorithm)
        .map_err(|_| RevocationDataError::Malformed("signatureAlgorithm"))?;
    let by_issuer = verify_signed(
        signed.tbs,
        &algorithm,
        signed.signature,
        issuer.public_key(),
    );
    if by_issuer == SignatureCheck::Valid {
        return Ok(());
    }
    let delegates = certs
        .and_then(|c| der::expect(c.content, 0x30))
        .and_then(|(seq, _)| der::elements(seq.content))
        .unwrap_or_default();
    for delegate in delegates {
        if !authorised_delegate(delegate.whole, &query.issuer_der, now) {
            continue;
        }
        let Ok((_, cert)) = X509Certificate::from_der(delegate.whole) else {
            continue;
        };
        match verify_signed(signed.tbs, &algorithm, signed.signature, cert.public_key()) {
            SignatureCheck::Valid => return Ok(()),
            SignatureCheck::Unsupported => return Err(RevocationDataError::UnsupportedAlgorithm),
            SignatureCheck::Invalid => return Err(RevocationDataError::BadSignature),
        }
    }
    match (by_issuer, names_issuer(responder, &issuer, query)) {
        (SignatureCheck::Unsupported, _) => Err(RevocationDataError::UnsupportedAlgorithm),
        (_, true) => Err(RevocationDataError::BadSignature),
        (_, false) => Err(RevocationDataError::Unauthorised),
    }
}

/// True when `delegate_der` is signed by the issuer, carries
/// `id-kp-OCSPSigning` and is valid at `now`.
fn authorised_delegate(delegate_der: &[u8], issuer_der: &[u8], now: OffsetDateTime) -> bool {
    let Ok(view) = crate::certs::parse_certificate(delegate_der) else {
        return false;
    };
    let signs_ocsp = view.extended_key_usage.iter().any(|e| e == "ocspSigning");
    let valid = view.not_before <= now && now <= view.not_after;
    signs_ocsp && valid && signature_check(delegate_der, issuer_der) == SignatureCheck::Valid
}

/// True when the ResponderID names the issuer (by name or by key hash).
fn names_issuer(responder: &Tlv<'_>, issuer: &X509Certificate<'_>, query: &OcspQuery) -> bool {
    match responder.tag {
        0xa1 => responder.content == issuer.subject().as_raw(),
        _ => der::expect(responder.content, 0x04)
            .is_some_and(|(hash, _)| hash.content == query.sha1_hashes.1.as_slice()),
    }
}

/// The answer of the SingleResponse whose CertID is the query's.
fn single_answer(
    query: &OcspQuery,
    singles: &[Tlv<'_>],
) -> Result<RevocationAnswer, RevocationDataError> {
    let malformed = || RevocationDataError::Malformed("SingleResponse");
    for single in singles {
        let parts = der::elements(single.content).ok_or_else(malformed)?;
        let [cert_id, status, this_update, rest @ ..] = parts.as_slice() else {
            return Err(malformed());
        };
        if !matches_query(query, cert_id) {
            continue;
        }
        let this_update = der::generalized_time(this_update).ok_or_else(malformed)?;
        let next_update = rest
            .iter()
            .find(|t| t.tag == 0xa0)
            .and_then(|t| der::read(t.content))
            .and_then(|(time, _)| der::generalized_time(&time));
        return Ok(RevocationAnswer {
            status: cert_status(status).ok_or_else(malformed)?,
            this_update,
            next_update,
        });
    }
    Err(RevocationDataError::NoMatchingResponse)
}

/// True when a CertID names the query's certificate (SHA-1 or SHA-256).
fn matches_query(query: &OcspQuery, cert_id: &Tlv<'_>) -> bool {
    let Some(parts) = der::elements(cert_id.content) else {
        return false;
    };
    let [algorithm, name, key, serial] = parts.as_slice() else {
        return false;
    };
    let oid = der::read(algorithm.content).map(|(oid, _)| oid.content);
    let hashes = match oid {
        Some(OID_SHA1) => &query.sha1_hashes,
        Some(OID_SHA256) => &query.sha256_hashes,
        _ => return false,
    };
    name.content == hashes.0.as_slice()
        && key.content == hashes.1.as_slice()
        && serial.tag == 0x02
        && serial_key(serial.content) == query.serial
}

/// `good [0]`, `revoked [1] RevokedInfo`, `unknown [2]`.
fn cert_status(status: &Tlv<'_>) -> Option<AnsweredStatus> {
    match status.tag {
        0x80 => Some(AnsweredStatus::Good),
        0x82 => Some(AnsweredStatus::Unknown),
        0xa1 => {
            let parts = der::elements(status.content)?;
            let at = der::generalized_time(parts.first()?)?;
            let reason = parts
                .iter()
                .find(|t| t.tag == 0xa0)
                .and_then(|t| der::expect(t.content, 0x0a))
                .and_then(|(code, _)| code.content.first().copied())
                .map(reason_name);
            Some(AnsweredStatus::Revoked { reason, at })
        }
        _ => None,
    }
}
