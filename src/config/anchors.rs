//! Anchor certificate files: PEM (one or more `CERTIFICATE` blocks; text
//! around them, such as comment lines, is ignored) or a single DER
//! certificate. Only the outer shape is checked here; the inventory parses
//! the certificates.

use std::path::Path;

use base64::Engine as _;

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// The DER certificates in `file`. The error says what is wrong (without
/// the file name, which the caller adds).
pub(super) fn read_certificates(file: &Path) -> Result<Vec<Vec<u8>>, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let text =
            std::str::from_utf8(&bytes).map_err(|_| "PEM file is not UTF-8 text".to_string())?;
        return pem_certificates(text);
    }
    if looks_like_der_sequence(&bytes) {
        Ok(vec![bytes])
    } else {
        Err("neither PEM nor a DER certificate".to_string())
    }
}

/// Every `CERTIFICATE` block of a PEM text, decoded.
fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let body_start = start + BEGIN.len();
        let Some(body_len) = rest[body_start..].find(END) else {
            return Err(format!("certificate {} has no END line", found.len() + 1));
        };
        let body: String = rest[body_start..body_start + body_len]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|e| format!("certificate {} is not valid base64 ({e})", found.len() + 1))?;
        if !looks_like_der_sequence(&der) {
            return Err(format!("certificate {} is not DER", found.len() + 1));
        }
        found.push(der);
        rest = &rest[body_start + body_len + END.len()..];
    }
    if found.is_empty() {
        return Err("PEM file holds no CERTIFICATE block".to_string());
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

    #[test]
    fn pem_blocks_are_decoded_and_garbage_is_named() {
        let block = |body: &str| format!("{BEGIN}\n{body}\n{END}\n");
        let two = format!("# comment\n{}{}", block("MAA="), block("MAIFAA=="));
        assert_eq!(
            pem_certificates(&two),
            Ok(vec![vec![0x30, 0x00], vec![0x30, 0x02, 0x05, 0x00]])
        );
        let err = pem_certificates(&block("!!!")).expect_err("bad base64");
        assert!(
            err.starts_with("certificate 1 is not valid base64"),
            "{err}"
        );
        let err = pem_certificates(&format!("{BEGIN}\nMAA=\n")).expect_err("no end");
        assert!(err.contains("no END line"));
        let key = "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n";
        assert!(pem_certificates(key)
            .expect_err("no cert")
            .contains("no CERTIFICATE block"));
    }
}
