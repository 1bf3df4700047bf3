//! The `CERTIFICATE` blocks of PEM text, as peers embed them in their
//! output (one block, or several for a chain).

use crate::pem::{from_base64, Base64Error};

/// Every `CERTIFICATE` block of `text`, decoded, in order; an error names
/// what is wrong (a block not closed, bad base64).
pub(super) fn certificates(text: &str) -> Result<Vec<Vec<u8>>, PemProblem> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut ders = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let body = &rest[start + BEGIN.len()..];
        let Some(end) = body.find(END) else {
            return Err(PemProblem::Unclosed);
        };
        let base64: String = body[..end].split_whitespace().collect();
        let der = from_base64(&base64).map_err(PemProblem::BlockBase64)?;
        if der.is_empty() {
            return Err(PemProblem::EmptyBlock);
        }
        ders.push(der);
        rest = &body[end + END.len()..];
    }
    Ok(ders)
}

/// Standard base64 (zgrab2's `raw` fields).
pub(super) fn base64(text: &str) -> Result<Vec<u8>, PemProblem> {
    match from_base64(text.trim()) {
        Ok(der) if !der.is_empty() => Ok(der),
        Ok(_) => Err(PemProblem::Empty),
        Err(e) => Err(PemProblem::Base64(e)),
    }
}

/// What is wrong with embedded certificate text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum PemProblem {
    /// A block without its END line.
    #[error("a CERTIFICATE block without its END line")]
    Unclosed,
    /// A block whose body is not base64.
    #[error("bad base64 in a CERTIFICATE block ({0})")]
    BlockBase64(Base64Error),
    /// A block with nothing in it.
    #[error("an empty CERTIFICATE block")]
    EmptyBlock,
    /// A base64 field that is empty.
    #[error("empty")]
    Empty,
    /// A base64 field that is not base64.
    #[error("bad base64 ({0})")]
    Base64(Base64Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_decoded_in_order_and_garbage_is_named() {
        let two = "-----BEGIN CERTIFICATE-----\nMAMBAgM=\n-----END CERTIFICATE-----\n\
                   -----BEGIN CERTIFICATE-----\r\nMAA=\r\n-----END CERTIFICATE-----\r\n";
        assert_eq!(
            certificates(two).unwrap(),
            vec![vec![0x30, 3, 1, 2, 3], vec![0x30, 0]]
        );
        assert!(certificates("no pem here").unwrap().is_empty());
        let open = "-----BEGIN CERTIFICATE-----\nMAA=\n";
        assert_eq!(certificates(open), Err(PemProblem::Unclosed));
        let bad = "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----";
        assert!(certificates(bad)
            .unwrap_err()
            .to_string()
            .contains("base64"));
        assert!(base64("***").is_err());
    }
}
