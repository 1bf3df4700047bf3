//! Certificate fingerprints as people type them: the full SHA-256 or any
//! unique prefix of at least [`MIN_PREFIX_DIGITS`] hex digits, in either
//! case, colons allowed (`AB:CD:…` as `openssl x509 -fingerprint` prints).
//! A prefix is resolved against the inventory: no match and more than one
//! match are errors (the candidates listed), never a guess.
//!
//! Config files keep taking the full 64 digits: a standing promise (an
//! exception, an anchor) must not change meaning when a later certificate
//! happens to share its prefix.

use super::store::{Store, StoreError};

/// The fewest hex digits accepted as a prefix.
pub const MIN_PREFIX_DIGITS: usize = 8;
/// The most candidates an ambiguity error lists.
const MAX_CANDIDATES: usize = 10;

/// Why a fingerprint or prefix names no single certificate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FingerprintError {
    /// Not hex digits (with optional colons), or longer than a SHA-256.
    #[error("'{0}' is not a SHA-256 fingerprint or a prefix of one (hex digits, colons allowed)")]
    NotHex(String),
    /// Fewer than [`MIN_PREFIX_DIGITS`] digits.
    #[error("'{0}' is too short to name a certificate: give at least 8 hex digits of its SHA-256")]
    TooShort(String),
    /// No stored certificate starts with the prefix.
    #[error("no certificate in the inventory has a SHA-256 starting with {0}")]
    NotFound(String),
    /// Several stored certificates start with the prefix.
    #[error(
        "{prefix} is ambiguous: it starts the SHA-256 of {} certificates ({}); give more digits",
        count_text(candidates),
        listed(candidates)
    )]
    Ambiguous {
        /// The prefix as normalised.
        prefix: String,
        /// The matching fingerprints (up to eleven: more than ten are
        /// counted as "more than 10", ten listed).
        candidates: Vec<String>,
    },
    /// The inventory could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn count_text(candidates: &[String]) -> String {
    if candidates.len() > MAX_CANDIDATES {
        format!("more than {MAX_CANDIDATES}")
    } else {
        candidates.len().to_string()
    }
}

/// The first ten candidates, comma-separated.
fn listed(candidates: &[String]) -> String {
    let shown: Vec<&str> = candidates
        .iter()
        .take(MAX_CANDIDATES)
        .map(String::as_str)
        .collect();
    shown.join(", ")
}

/// A validated fingerprint or prefix, lowercase hex without colons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintPrefix(String);

impl FingerprintPrefix {
    /// Whether `text` is written as a fingerprint (hex digits and colons
    /// only) rather than as something else, such as an endpoint.
    pub fn looks_like(text: &str) -> bool {
        let text = text.trim();
        !text.is_empty()
            && text.chars().all(|c| c.is_ascii_hexdigit() || c == ':')
            && colons_between_pairs(text)
    }

    /// Checks `text`: hex (colons between digit pairs allowed), 8 to 64 digits.
    pub fn parse(text: &str) -> Result<FingerprintPrefix, FingerprintError> {
        let trimmed = text.trim();
        if !FingerprintPrefix::looks_like(trimmed) {
            return Err(FingerprintError::NotHex(trimmed.to_string()));
        }
        let hex: String = trimmed
            .chars()
            .filter(|c| *c != ':')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match hex.len() {
            n if n < MIN_PREFIX_DIGITS => Err(FingerprintError::TooShort(trimmed.to_string())),
            n if n > 64 => Err(FingerprintError::NotHex(trimmed.to_string())),
            _ => Ok(FingerprintPrefix(hex)),
        }
    }

    /// The digits, lowercase.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The one stored certificate this names. A full SHA-256 is taken as
    /// it is (an unknown certificate simply has no history).
    pub fn resolve(&self, store: &Store) -> Result<String, FingerprintError> {
        if self.0.len() == 64 {
            return Ok(self.0.clone());
        }
        let mut found = store.sha256s_with_prefix(&self.0, MAX_CANDIDATES + 1)?;
        match found.len() {
            0 => Err(FingerprintError::NotFound(self.0.clone())),
            1 => Ok(found.remove(0)),
            _ => Err(FingerprintError::Ambiguous {
                prefix: self.0.clone(),
                candidates: found,
            }),
        }
    }
}

/// Colons, when present, separate pairs of digits (`ab:cd:ef`).
fn colons_between_pairs(text: &str) -> bool {
    !text.contains(':') || text.split(':').all(|pair| pair.len() == 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_need_eight_hex_digits_and_normalise() {
        let p = FingerprintPrefix::parse("AB:CD:EF:01").unwrap();
        assert_eq!(p.as_str(), "abcdef01");
        assert_eq!(
            FingerprintPrefix::parse(" 0123456789 ").unwrap().as_str(),
            "0123456789"
        );
        assert!(matches!(
            FingerprintPrefix::parse("abcdef0"),
            Err(FingerprintError::TooShort(_))
        ));
        for bad in ["abcdefgh", "10.0.0.1:443", "abc:def0:12", &"a".repeat(65)] {
            assert!(
                matches!(
                    FingerprintPrefix::parse(bad),
                    Err(FingerprintError::NotHex(_))
                ),
                "{bad}"
            );
        }
        assert!(!FingerprintPrefix::looks_like("[::1]:443"));
        assert!(!FingerprintPrefix::looks_like("127.0.0.1:443"));
    }

    #[test]
    fn an_ambiguity_lists_the_candidates() {
        let e = FingerprintError::Ambiguous {
            prefix: "abcdef01".into(),
            candidates: vec!["abcdef01aa".into(), "abcdef01bb".into()],
        };
        let text = e.to_string();
        assert!(text.contains("abcdef01aa, abcdef01bb"), "{text}");
        assert!(text.contains("2 certificates"), "{text}");
    }
}
