//! The one check of a DNS name, wherever a user gives one (host-name
//! targets, `name@address` pairings, `--sni`, `--resolve`, CSV target
//! files, the config's scope). The verdict is rustls's own
//! [`DnsName`](rustls::pki_types::DnsName): a name certatlas accepts is a
//! name the probe can send as SNI, never one it would silently drop. The
//! checks here only explain a refusal (and refuse a second trailing dot);
//! they never accept a name rustls refuses.

use rustls::pki_types::DnsName;

/// Why a name is not a DNS name certatlas can probe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// A character outside letters, digits, `-`, `_` and `.`.
    #[error("'{0}' is not allowed in a host name (letters, digits, '-', '_', '.'; an internationalized name is written as its xn-- A-label)")]
    Character(char),
    /// More than 253 characters without the trailing dot.
    #[error("the host name is longer than 253 characters")]
    TooLong,
    /// An empty name, or two dots in a row, or a leading dot.
    #[error("the host name has an empty label")]
    EmptyLabel,
    /// A label over 63 characters.
    #[error("the label '{0}' is longer than 63 characters")]
    LongLabel(String),
    /// A label that starts or ends with `-`.
    #[error("the label '{0}' starts or ends with '-'")]
    Hyphen(String),
    /// A last label that reads as a number (decimal or `0x` hex), which an
    /// IP address parser would take.
    #[error("it is neither an IP address nor a host name (numeric last label)")]
    NumericLastLabel,
    /// Refused by the DNS-name rules for another reason.
    #[error("it is not a DNS name")]
    Refused,
}

/// Checks `text` as a DNS name and returns it lowercased without its
/// trailing dot. The verdict is rustls's [`DnsName`].
pub fn dns_name(text: &str) -> Result<String, NameError> {
    let name = text.strip_suffix('.').unwrap_or(text);
    match DnsName::try_from(name) {
        // rustls takes one trailing dot itself: a second one is an empty label
        Ok(_) if name.ends_with('.') => Err(NameError::EmptyLabel),
        Ok(valid) => Ok(valid.to_lowercase_owned().as_ref().to_string()),
        Err(_) => Err(why_refused(name)),
    }
}

/// The first rule `name` (a name rustls refused) breaks.
fn why_refused(name: &str) -> NameError {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if let Some(bad) = name.chars().find(|&c| !allowed(c)) {
        return NameError::Character(bad);
    }
    if name.len() > 253 {
        return NameError::TooLong;
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.iter().any(|label| label.is_empty()) {
        return NameError::EmptyLabel;
    }
    if let Some(long) = labels.iter().find(|label| label.len() > 63) {
        return NameError::LongLabel((*long).to_string());
    }
    if let Some(edge) = labels
        .iter()
        .find(|label| label.starts_with('-') || label.ends_with('-'))
    {
        return NameError::Hyphen((*edge).to_string());
    }
    let last = labels
        .last()
        .copied()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let hex = last
        .strip_prefix("0x")
        .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()));
    if hex || last.bytes().all(|b| b.is_ascii_digit()) {
        return NameError::NumericLastLabel;
    }
    NameError::Refused
}

#[cfg(test)]
mod tests {
    use super::{dns_name, NameError};

    /// Names on which the hand-written validator and rustls disagreed (it
    /// accepted what the probe then could not send as SNI), and the
    /// neighbours that fix the behaviour on both sides of each rule.
    #[test]
    fn the_verdict_is_rustls_dns_name() {
        let long_label = "a".repeat(63);
        let too_long_label = "a".repeat(64);
        let accepted: &[(&str, &str)] = &[
            ("WWW.Example.org.", "www.example.org"),
            ("_dmarc.example.org", "_dmarc.example.org"),
            ("my-host_1.corp", "my-host_1.corp"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("localhost", "localhost"),
            ("host.example1", "host.example1"),
            ("host.0xg", "host.0xg"),
            (&long_label, &long_label),
        ];
        for (text, normalized) in accepted {
            assert_eq!(dns_name(text).as_deref(), Ok(*normalized), "{text}");
        }
        let refused: &[(&str, NameError)] = &[
            ("bücher.example", NameError::Character('ü')),
            ("*.example.com", NameError::Character('*')),
            ("exa mple.com", NameError::Character(' ')),
            (
                &too_long_label,
                NameError::LongLabel(too_long_label.clone()),
            ),
            ("a..b", NameError::EmptyLabel),
            (".example", NameError::EmptyLabel),
            ("", NameError::EmptyLabel),
            ("example.com..", NameError::EmptyLabel),
            ("-a.test", NameError::Hyphen("-a".into())),
            ("a-.test", NameError::Hyphen("a-".into())),
            ("host.123", NameError::NumericLastLabel),
            ("10.0.0.256", NameError::NumericLastLabel),
            ("host.0x1f", NameError::NumericLastLabel),
            ("host.0", NameError::NumericLastLabel),
        ];
        for (text, why) in refused {
            assert_eq!(dns_name(text).as_ref(), Err(why), "{text}");
        }
        let name_of = |n: usize| vec!["a".repeat(49); n].join(".");
        assert!(dns_name(&name_of(5)).is_ok(), "249 characters");
        assert_eq!(
            dns_name(&format!("{}.abcd", name_of(5))),
            Err(NameError::TooLong)
        );
    }

    /// Every name accepted is one rustls takes as a server name (the SNI
    /// the probe sends), and every one refused is one it refuses.
    #[test]
    fn accepted_exactly_when_the_probe_can_send_it() {
        for text in [
            "a.test", "-a.test", "a_b.test", "a.0x1", "x.1a", "ü.test", "a..b",
        ] {
            let sni = rustls::pki_types::ServerName::try_from(text);
            let sni_is_name = matches!(sni, Ok(rustls::pki_types::ServerName::DnsName(_)));
            assert_eq!(dns_name(text).is_ok(), sni_is_name, "{text}");
        }
    }
}
