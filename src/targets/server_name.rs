//! Server names usable as SNI (`--sni`, `[scope] sni`): DNS names of
//! letters, digits, `-` and `_`, not IP addresses.

/// A DNS name usable as SNI: labels of letters, digits, `-` and `_`
/// (1-63 characters each, 253 in all, one trailing dot allowed), not an
/// IP address.
pub fn is_server_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        && name.parse::<std::net::IpAddr>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_are_checked() {
        assert!(is_server_name("www.example.org"));
        assert!(is_server_name("_dmarc.example.org."));
        assert!(!is_server_name("bad name"));
        assert!(!is_server_name("10.0.0.1"));
        assert!(!is_server_name("a..b"));
    }
}
