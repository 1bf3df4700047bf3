//! Host name matching as RFC 9525 §6.3 describes it: DNS-ID (SAN dNSName)
//! only, case-insensitive, a trailing dot ignored, and a wildcard only as
//! the whole left-most label, standing for exactly one label. Shared by the
//! inventory (is a name served at an endpoint?) and the rule models
//! (mismatched names).

/// Whether the DNS-ID `pattern` (from a SAN) covers the host `name`.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let pattern = normalise(pattern);
    let name = normalise(name);
    if pattern.is_empty() || name.is_empty() {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(parent) => match name.split_once('.') {
            Some((label, rest)) => {
                !label.is_empty() && !parent.contains('*') && rest == parent && parent.contains('.')
            }
            None => false,
        },
        None => !pattern.contains('*') && pattern == name,
    }
}

/// Lowercase, without one trailing dot.
fn normalise(text: &str) -> String {
    text.strip_suffix('.').unwrap_or(text).to_ascii_lowercase()
}

/// Whether the certificate `view` covers the host `name` (a SAN DNS-ID
/// matches it).
pub fn covers(view: &super::CertificateView, name: &str) -> bool {
    view.san
        .dns
        .iter()
        .any(|pattern| name_matches(pattern, name))
}

/// Whether `text` is a DNS name worth matching (not an IP literal, not empty).
pub fn is_dns_name(text: &str) -> bool {
    !text.is_empty() && text.parse::<std::net::IpAddr>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_match_case_insensitively_with_trailing_dot() {
        assert!(name_matches("www.Example.com", "WWW.example.com."));
        assert!(!name_matches("www.example.com", "example.com"));
        assert!(!name_matches("", ""));
    }

    #[test]
    fn wildcards_cover_exactly_one_left_most_label() {
        assert!(name_matches("*.example.com", "a.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(!name_matches("f*.example.com", "foo.example.com"));
        assert!(
            !name_matches("*.com", "example.com"),
            "no wildcard over a TLD"
        );
        assert!(!name_matches("a.*.example.com", "a.b.example.com"));
    }

    #[test]
    fn ip_literals_are_not_dns_names() {
        assert!(is_dns_name("example.com"));
        assert!(!is_dns_name("127.0.0.1") && !is_dns_name("::1") && !is_dns_name(""));
    }
}
