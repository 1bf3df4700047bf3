//! Helpers shared by the target parsers' unit tests.

use std::net::IpAddr;

use super::spec::{parse_spec, TargetSpec};

/// An address literal.
pub(super) fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// The spec of an address range.
pub(super) fn addresses(first: &str, last: &str, port: Option<u16>) -> TargetSpec {
    TargetSpec::Addresses {
        first: ip(first),
        last: ip(last),
        port,
    }
}

/// The spec of a host name.
pub(super) fn host(name: &str, port: Option<u16>) -> TargetSpec {
    TargetSpec::Host {
        name: name.to_string(),
        port,
    }
}

/// The reason `text` is refused, checking the message names it first.
pub(super) fn reason(text: &str) -> String {
    let message = parse_spec(text).unwrap_err().to_string();
    let named = format!("'{}' is not a valid target: ", text.trim());
    assert!(message.starts_with(&named), "{message}");
    message[named.len()..].to_string()
}
