//! Anchor certificate files: PEM (one or more `CERTIFICATE` blocks; text
//! around them, such as comment lines, is ignored) or a single DER
//! certificate. Only the outer shape is checked here; the inventory parses
//! the certificates.

use std::path::Path;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::CertificateDer;

/// Why an anchor file holds no usable certificate (the caller names the
/// file).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnchorFileError {
    /// The file cannot be read.
    #[error("cannot read: {0}")]
    Read(#[source] std::io::Error),
    /// A PEM block is malformed (no END line, bad base64).
    #[error("certificate {index} is not valid PEM ({source})")]
    Pem {
        /// 1-based number of the block.
        index: usize,
        /// What the PEM reader found (boxed: config errors stay small).
        source: Box<pem::Error>,
    },
    /// A `CERTIFICATE` block does not hold one DER certificate.
    #[error("certificate {0} is not DER")]
    NotDer(usize),
    /// A PEM file without any `CERTIFICATE` block.
    #[error("PEM file holds no CERTIFICATE block")]
    NoCertificate,
    /// Neither PEM nor DER.
    #[error("neither PEM nor a DER certificate")]
    Unrecognised,
}

/// The DER certificates in `file`.
pub(super) fn read_certificates(file: &Path) -> Result<Vec<Vec<u8>>, AnchorFileError> {
    let bytes = std::fs::read(file).map_err(AnchorFileError::Read)?;
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return pem_certificates(&bytes);
    }
    if looks_like_der_sequence(&bytes) {
        Ok(vec![bytes])
    } else {
        Err(AnchorFileError::Unrecognised)
    }
}

/// Every `CERTIFICATE` block of a PEM text, decoded (other blocks and
/// text around them are skipped).
fn pem_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, AnchorFileError> {
    let mut found = Vec::new();
    for (at, block) in CertificateDer::pem_slice_iter(bytes).enumerate() {
        let index = at + 1;
        let der = block.map_err(|source| AnchorFileError::Pem {
            index,
            source: Box::new(source),
        })?;
        if !looks_like_der_sequence(&der) {
            return Err(AnchorFileError::NotDer(index));
        }
        found.push(der.to_vec());
    }
    if found.is_empty() {
        return Err(AnchorFileError::NoCertificate);
    }
    Ok(found)
}

/// A DER SEQUENCE whose length header covers exactly the whole input.
fn looks_like_der_sequence(der: &[u8]) -> bool {
    let (Some(&0x30), Some(&first)) = (der.first(), der.get(1)) else {
        return false;
    };
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        match der.get(2..2 + count) {
            Some(bytes) if (1..=4).contains(&count) => {
                let len = bytes
                    .iter()
                    .fold(0usize, |acc, b| acc << 8 | usize::from(*b));
                (len, 2 + count)
            }
            _ => return false,
        }
    };
    header + len == der.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_shape_check_needs_an_exact_sequence() {
        assert!(looks_like_der_sequence(&[0x30, 0x00]));
        assert!(looks_like_der_sequence(&[0x30, 0x02, 0x05, 0x00]));
        assert!(!looks_like_der_sequence(&[0x30, 0x03, 0x05, 0x00]));
        assert!(!looks_like_der_sequence(&[0x31, 0x00]));
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend([0u8; 0x80]);
        assert!(looks_like_der_sequence(&long));
        assert!(!looks_like_der_sequence(b"hello"));
    }

    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";

    #[test]
    fn pem_blocks_are_decoded_and_garbage_is_named() {
        let block = |body: &str| format!("{BEGIN}\n{body}\n{END}\n");
        let two = format!("# comment\n{}{}", block("MAA="), block("MAIFAA=="));
        assert_eq!(
            pem_certificates(two.as_bytes()).expect("two certificates"),
            vec![vec![0x30, 0x00], vec![0x30, 0x02, 0x05, 0x00]]
        );
        let err = pem_certificates(block("!!!").as_bytes()).expect_err("bad base64");
        assert!(
            matches!(err, AnchorFileError::Pem { index: 1, .. }),
            "{err}"
        );
        let err = pem_certificates(format!("{BEGIN}\nMAA=\n").as_bytes()).expect_err("no end");
        assert!(
            matches!(err, AnchorFileError::Pem { index: 1, .. }),
            "{err}"
        );
        let not_der = pem_certificates(block("AAAA").as_bytes()).expect_err("not DER");
        assert_eq!(not_der.to_string(), "certificate 1 is not DER");
        let key = "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n";
        let err = pem_certificates(key.as_bytes()).expect_err("no cert");
        assert_eq!(err.to_string(), "PEM file holds no CERTIFICATE block");
    }
}
