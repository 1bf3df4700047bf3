//! DER as text: standard base64 (RFC 4648) and PEM `CERTIFICATE` blocks
//! (RFC 7468), as observations carry DER in JSON, the PostgreSQL store
//! writes it, OCSP GET requests encode it and `cas --export`, `init` and
//! the evidence bundle print it. The one module that names the base64
//! crate; the readers of PEM files with their own error positions
//! (`import`) decode their blocks' bodies here.

use base64::Engine as _;

/// The one alphabet: standard base64 with padding.
const ENGINE: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// `bytes` as standard base64.
pub fn base64(bytes: &[u8]) -> String {
    ENGINE.encode(bytes)
}

/// The bytes of standard base64 `text` (no white space inside).
pub fn from_base64(text: &str) -> Result<Vec<u8>, Base64Error> {
    ENGINE.decode(text.as_bytes()).map_err(Base64Error)
}

/// Text that is not standard base64: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Base64Error(base64::DecodeError);

/// `der` as one PEM `CERTIFICATE` block (64-column lines), ending with a
/// newline.
pub fn certificate(der: &[u8]) -> String {
    let text = base64(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Serde adapter: a list of DER blobs as a list of base64 strings.
pub mod base64_list {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes each blob as standard base64.
    pub fn serialize<S: Serializer>(list: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(list.iter().map(|der| super::base64(der)))
    }

    /// Reads a list of standard base64 strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| super::from_base64(t).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// Serde adapter: bytes written as one base64 string.
pub mod base64_bytes {
    /// Writes `bytes` as a base64 string.
    pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::base64(bytes))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_are_64_columns_and_the_block_is_framed() {
        let pem = super::certificate(&[0x30; 100]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
        assert!(pem.ends_with('\n'));
    }

    #[test]
    fn base64_round_trips_and_garbage_is_refused() {
        let bytes = [0u8, 0x30, 0xff, 7];
        assert_eq!(super::from_base64(&super::base64(&bytes)).unwrap(), bytes);
        assert!(super::from_base64("!!").is_err());
        assert!(super::from_base64("MAA").is_err(), "padding is required");
    }
}
