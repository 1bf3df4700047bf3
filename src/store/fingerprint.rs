//! Certificate fingerprints given by the user: a whole SHA-256 or a prefix
//! of at least [`MIN_PREFIX_DIGITS`] hex digits (colons and case ignored),
//! resolved against the stored certificates ([`Store::resolve_fingerprint_prefix`]).
//! Every command that takes a fingerprint can use this; the caller decides
//! what an ambiguous or unknown prefix means for its exit code.

use super::error::{sql, StoreError};
use super::sql::params;
use super::Store;

/// The fewest hex digits a fingerprint prefix may have.
pub const MIN_PREFIX_DIGITS: usize = 8;

/// How many candidates an ambiguous prefix reports at most.
pub const MAX_CANDIDATES: usize = 10;

/// A checked fingerprint prefix: 8 to 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintPrefix(String);

/// Why a text is not a fingerprint prefix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    /// A character other than a hex digit or a colon.
    #[error("{text:?} is not a SHA-256 fingerprint: only hex digits (and colons) are allowed")]
    NotHex {
        /// The text as given.
        text: String,
    },
    /// Fewer than [`MIN_PREFIX_DIGITS`] digits.
    #[error("{text:?} is too short: give at least {MIN_PREFIX_DIGITS} hex digits of the SHA-256")]
    TooShort {
        /// The text as given.
        text: String,
    },
    /// More than 64 digits.
    #[error("{text:?} is longer than a SHA-256 (64 hex digits)")]
    TooLong {
        /// The text as given.
        text: String,
    },
}

impl FingerprintPrefix {
    /// Whether `text` is written as a fingerprint (hex digits, with colons
    /// only between pairs of digits as `openssl x509 -fingerprint` prints
    /// them) rather than as something else, such as an endpoint.
    pub fn looks_like(text: &str) -> bool {
        let text = text.trim();
        !text.is_empty()
            && text.chars().all(|c| c.is_ascii_hexdigit() || c == ':')
            && (!text.contains(':') || text.split(':').all(|pair| pair.len() == 2))
    }

    /// Checks `text`: hex digits, optionally separated by colons
    /// (`AB:CD:...`), at least [`MIN_PREFIX_DIGITS`] and at most 64.
    pub fn parse(text: &str) -> Result<FingerprintPrefix, PrefixError> {
        let trimmed = text.trim();
        let digits: String = trimmed.chars().filter(|c| *c != ':').collect();
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(PrefixError::NotHex { text: text.into() });
        }
        if digits.len() < MIN_PREFIX_DIGITS {
            return Err(PrefixError::TooShort { text: text.into() });
        }
        if digits.len() > 64 {
            return Err(PrefixError::TooLong { text: text.into() });
        }
        Ok(FingerprintPrefix(digits.to_ascii_lowercase()))
    }

    /// The lowercase hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a fingerprint given by the user names no single stored certificate.
#[derive(Debug, thiserror::Error)]
pub enum FingerprintError {
    /// Not a fingerprint prefix at all.
    #[error(transparent)]
    Prefix(#[from] PrefixError),
    /// No stored certificate matches.
    #[error("no stored certificate has a SHA-256 starting with {prefix}")]
    NotFound {
        /// The prefix, normalised.
        prefix: String,
    },
    /// Several stored certificates match; the message lists them.
    #[error("{prefix} is ambiguous: it starts the SHA-256 of {}; give more digits:\n  {}{}",
        if *more { format!("more than {}", candidates.len()) } else { candidates.len().to_string() },
        candidates.join("\n  "),
        if *more { "\n  ..." } else { "" })]
    Ambiguous {
        /// The prefix, normalised.
        prefix: String,
        /// The first matching SHA-256s.
        candidates: Vec<String>,
        /// More match than are listed.
        more: bool,
    },
    /// The store cannot be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a prefix names among the stored certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FingerprintMatch {
    /// Exactly one certificate: its whole SHA-256.
    Unique(String),
    /// Several: up to [`MAX_CANDIDATES`] of their SHA-256s, in order, and
    /// whether there were more.
    Ambiguous {
        /// The first candidates, sorted.
        candidates: Vec<String>,
        /// More certificates match than are listed.
        more: bool,
    },
    /// None.
    NotFound,
}

impl Store {
    /// The one stored certificate whose SHA-256 starts with `text` (a whole
    /// SHA-256 or a prefix of at least [`MIN_PREFIX_DIGITS`] hex digits):
    /// its whole SHA-256, or why there is not exactly one.
    pub fn resolve_fingerprint(&self, text: &str) -> Result<String, FingerprintError> {
        let prefix = FingerprintPrefix::parse(text)?;
        match self.resolve_fingerprint_prefix(&prefix)? {
            FingerprintMatch::Unique(sha256) => Ok(sha256),
            FingerprintMatch::NotFound => Err(FingerprintError::NotFound { prefix: prefix.0 }),
            FingerprintMatch::Ambiguous { candidates, more } => Err(FingerprintError::Ambiguous {
                prefix: prefix.0,
                candidates,
                more,
            }),
        }
    }

    /// The stored certificates whose SHA-256 starts with `prefix`: one
    /// (resolved), several (ambiguous, with candidates) or none. One
    /// indexed range query on `certificates.sha256`, the same on SQLite and
    /// PostgreSQL.
    pub fn resolve_fingerprint_prefix(
        &self,
        prefix: &FingerprintPrefix,
    ) -> Result<FingerprintMatch, StoreError> {
        let low = prefix.as_str().to_string();
        // every lowercase hex digit sorts before 'g'
        let high = format!("{low}g");
        let limit = i64::try_from(MAX_CANDIDATES + 1).unwrap_or(i64::MAX);
        let found: Vec<String> = self
            .conn()
            .rows(
                "SELECT sha256 FROM certificates WHERE sha256 >= ?1 AND sha256 < ?2
                 ORDER BY sha256 LIMIT ?3",
                params![low, high, limit],
                |row| row.get(0),
            )
            .map_err(sql(&self.path, "resolve a fingerprint prefix"))?;
        let mut found: Vec<String> = found
            .into_iter()
            .filter(|sha| sha.starts_with(prefix.as_str()))
            .collect();
        Ok(match found.len() {
            0 => FingerprintMatch::NotFound,
            1 => FingerprintMatch::Unique(found.remove(0)),
            n => {
                found.truncate(MAX_CANDIDATES);
                FingerprintMatch::Ambiguous {
                    candidates: found,
                    more: n > MAX_CANDIDATES,
                }
            }
        })
    }
}
