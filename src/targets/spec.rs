//! One target or exclusion as written: [`TargetSpec`] and its parser.
//!
//! Accepted forms (each optionally followed by `:port`; IPv6 forms take a
//! port only inside brackets, `[2001:db8::1]:8443`):
//! - an address: `10.0.0.5`, `2001:db8::1`, `::1`, `[::1]`;
//! - a CIDR block: `10.0.0.0/24`, `2001:db8::/64`. Like nmap, host bits are
//!   accepted and ignored: `10.0.0.5/24` means all of `10.0.0.0/24`;
//! - a dash range: `10.0.0.1-10.0.0.40`, the short IPv4 form `10.0.0.1-40`
//!   (the end replaces the last octet), `2001:db8::1-2001:db8::ff`;
//! - a host name: letters, digits, `-`, `_` and `.`; one trailing dot is
//!   stripped and the name is lowercased;
//! - a pairing `name@address[:port]` (`www.example@[2001:db8::1]:8443`):
//!   probe that one address with the name as SNI, never asking DNS. A CIDR
//!   block or range after `@` is refused.
//!
//! Text with two or more colons and no brackets is always an IPv6 form, so
//! `::1` and `2001:db8::1` never parse as `host:port`.

use std::fmt;
use std::net::IpAddr;

use super::error::SpecProblem;
use super::error::{Origin, TargetsError};
use super::forms::{parse_addresses, validate_hostname};
use super::ports::parse_port_in;

/// One parsed target or exclusion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// The inclusive address range `first..=last` (one family, `first <= last`);
    /// a single address has `first == last`.
    Addresses {
        /// Lowest address of the range.
        first: IpAddr,
        /// Highest address of the range.
        last: IpAddr,
        /// The only port to probe, when one was written.
        port: Option<u16>,
    },
    /// A host name, lowercased and without a trailing dot.
    Host {
        /// The normalized name.
        name: String,
        /// The only port to probe, when one was written.
        port: Option<u16>,
    },
    /// A host name paired with the one address it is probed at
    /// (`name@address[:port]`).
    Paired {
        /// The normalized name, sent as SNI.
        name: String,
        /// The address to connect to.
        address: IpAddr,
        /// The only port to probe, when one was written.
        port: Option<u16>,
    },
}

impl TargetSpec {
    /// The explicit port, if one was written.
    pub fn port(&self) -> Option<u16> {
        match self {
            TargetSpec::Addresses { port, .. }
            | TargetSpec::Host { port, .. }
            | TargetSpec::Paired { port, .. } => *port,
        }
    }
}

impl fmt::Display for TargetSpec {
    /// Writes the spec back in a form [`parse_spec`] reads to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (body, port) = match self {
            TargetSpec::Addresses { first, last, port } if first == last => {
                (first.to_string(), *port)
            }
            TargetSpec::Addresses { first, last, port } => (format!("{first}-{last}"), *port),
            TargetSpec::Host { name, port } => (name.clone(), *port),
            TargetSpec::Paired {
                name,
                address,
                port,
            } => {
                write!(f, "{name}@")?;
                (address.to_string(), *port)
            }
        };
        let needs_brackets = body.contains(':');
        match (port, needs_brackets) {
            (None, _) => f.write_str(&body),
            (Some(port), true) => write!(f, "[{body}]:{port}"),
            (Some(port), false) => write!(f, "{body}:{port}"),
        }
    }
}

/// Parses one target or exclusion; errors start with the bad value.
/// Use [`parse_spec_in`] to have errors name where the value came from.
pub fn parse_spec(text: &str) -> Result<TargetSpec, TargetsError> {
    parse_spec_in(text, &Origin::Unspecified)
}

/// Parses one target or exclusion written at `origin` (see the module docs
/// for the accepted forms). Surrounding whitespace is ignored.
pub fn parse_spec_in(text: &str, origin: &Origin) -> Result<TargetSpec, TargetsError> {
    let input = text.trim();
    parse_trimmed(input).map_err(|reason| TargetsError::InvalidTarget {
        origin: origin.clone(),
        input: input.to_string(),
        reason,
    })
}

/// Checks one host name written at `origin` (a `--sni` value, say) with
/// the same rules as host-name targets; returns it lowercased without its
/// trailing dot. IP addresses are refused.
pub fn parse_host_name_in(text: &str, origin: &Origin) -> Result<String, TargetsError> {
    let input = text.trim();
    validate_hostname(input).map_err(|reason| TargetsError::InvalidName {
        origin: origin.clone(),
        input: input.to_string(),
        reason,
    })
}

/// Parses each of `values` with [`parse_spec_in`], all labelled `origin`
/// (e.g. every `--exclude` value).
pub fn parse_specs_in(values: &[String], origin: &Origin) -> Result<Vec<TargetSpec>, TargetsError> {
    values
        .iter()
        .map(|value| parse_spec_in(value, origin))
        .collect()
}

/// Parses trimmed text; the error is the problem only.
pub(crate) fn parse_trimmed(input: &str) -> Result<TargetSpec, SpecProblem> {
    match input.split_once('@') {
        Some((name, address)) => parse_paired(name, address),
        None => parse_unpaired(input),
    }
}

/// Parses `name@address[:port]` from its two sides.
fn parse_paired(name: &str, address_text: &str) -> Result<TargetSpec, SpecProblem> {
    let name = validate_hostname(name.trim())?;
    let address_text = address_text.trim();
    if address_text.contains(['/', '-']) {
        return Err(SpecProblem::PairedRange(address_text.to_string()));
    }
    match parse_unpaired(address_text)? {
        TargetSpec::Addresses {
            first: address,
            port,
            ..
        } => Ok(TargetSpec::Paired {
            name,
            address,
            port,
        }),
        _ => Err(SpecProblem::PairedNotAnAddress(address_text.to_string())),
    }
}

/// Parses text without `@`.
fn parse_unpaired(input: &str) -> Result<TargetSpec, SpecProblem> {
    let (body, bracketed, port_text) = split_port(input)?;
    let port = match port_text {
        Some(port_text) => Some(parse_port_in(port_text, &Origin::Unspecified)?),
        None => None,
    };
    if body.is_empty() {
        return Err(SpecProblem::EmptyHost);
    }
    match parse_addresses(body)? {
        Some((first, _)) if bracketed && first.is_ipv4() => Err(SpecProblem::BracketedIpv4),
        Some((first, last)) => Ok(TargetSpec::Addresses { first, last, port }),
        None if bracketed => Err(SpecProblem::NotIpv6(body.to_string())),
        None => Ok(TargetSpec::Host {
            name: validate_hostname(body)?,
            port,
        }),
    }
}

/// Splits `input` into (host part, was bracketed, port text).
fn split_port(input: &str) -> Result<(&str, bool, Option<&str>), SpecProblem> {
    if input.is_empty() {
        return Err(SpecProblem::Empty);
    }
    if let Some(after_open) = input.strip_prefix('[') {
        let (inner, rest) = after_open
            .split_once(']')
            .ok_or(SpecProblem::UnclosedBracket)?;
        return match rest.strip_prefix(':') {
            _ if rest.is_empty() => Ok((inner, true, None)),
            Some(port_text) => Ok((inner, true, Some(port_text))),
            None => Err(SpecProblem::AfterBracket(rest.to_string())),
        };
    }
    if input.matches(':').count() == 1 {
        let (body, port_text) = input.split_once(':').unwrap_or((input, ""));
        return Ok((body, false, Some(port_text)));
    }
    Ok((input, false, None))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{addresses, host, reason};
    use super::*;

    #[test]
    fn parses_single_addresses_in_both_families() {
        assert_eq!(
            parse_spec("10.0.0.5").unwrap(),
            addresses("10.0.0.5", "10.0.0.5", None)
        );
        assert_eq!(parse_spec(" ::1 ").unwrap(), addresses("::1", "::1", None));
        assert_eq!(
            parse_spec("2001:db8::1").unwrap(),
            addresses("2001:db8::1", "2001:db8::1", None)
        );
        assert_eq!(parse_spec("[::1]").unwrap(), addresses("::1", "::1", None));
    }

    #[test]
    fn parses_ports_after_addresses_names_and_brackets() {
        assert_eq!(
            parse_spec("1.2.3.4:8443").unwrap(),
            addresses("1.2.3.4", "1.2.3.4", Some(8443))
        );
        assert_eq!(
            parse_spec("[2001:db8::1]:443").unwrap(),
            addresses("2001:db8::1", "2001:db8::1", Some(443))
        );
        assert_eq!(
            parse_spec("Example.COM:993").unwrap(),
            host("example.com", Some(993))
        );
        assert_eq!(
            parse_spec("10.0.0.0/30:443").unwrap(),
            addresses("10.0.0.0", "10.0.0.3", Some(443))
        );
    }

    #[test]
    fn bad_ports_and_brackets_are_explained() {
        assert_eq!(reason("1.2.3.4:99999"), "'99999' is not a port (1-65535)");
        assert_eq!(reason("host:0"), "'0' is not a port (1-65535)");
        assert_eq!(reason("host:"), "'' is not a port (1-65535)");
        assert_eq!(reason(":443"), "the host part is empty");
        assert_eq!(reason("[::1"), "'[' without a closing ']'");
        assert_eq!(reason("[::1]x"), "unexpected 'x' after ']'");
        assert_eq!(
            reason("[10.0.0.1]:443"),
            "brackets are only for IPv6 addresses"
        );
        assert_eq!(
            reason("[example.com]"),
            "'example.com' is not an IPv6 address"
        );
        assert_eq!(reason(""), "it is empty");
    }

    #[test]
    fn bracketed_ipv6_blocks_take_ports_and_bare_colons_never_do() {
        let block = parse_spec("[2001:db8::/126]:443").unwrap();
        assert_eq!(block, addresses("2001:db8::", "2001:db8::3", Some(443)));
        let range = parse_spec("[2001:db8::1-2001:db8::2]:8443").unwrap();
        assert_eq!(range, addresses("2001:db8::1", "2001:db8::2", Some(8443)));
        // Without brackets, text with two or more colons is one IPv6 address.
        assert_eq!(
            parse_spec("::1:443").unwrap(),
            addresses("::1:443", "::1:443", None)
        );
    }

    #[test]
    fn origin_is_named_in_errors() {
        let origin = Origin::argument("--exclude");
        let message = parse_spec_in("10.0.0.0/33", &origin)
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "--exclude: '10.0.0.0/33' is not a valid target: prefix length 33 is over 32"
        );
        let values = vec!["10.0.0.1".to_string(), "bad name".to_string()];
        let error = parse_specs_in(&values, &origin).unwrap_err().to_string();
        assert!(error.starts_with("--exclude: 'bad name'"), "{error}");
    }

    fn paired(name: &str, address: &str, port: Option<u16>) -> TargetSpec {
        TargetSpec::Paired {
            name: name.to_string(),
            address: address.parse().unwrap(),
            port,
        }
    }

    #[test]
    fn parses_name_at_address_pairings() {
        assert_eq!(
            parse_spec("WWW.Example.@127.0.0.2").unwrap(),
            paired("www.example", "127.0.0.2", None)
        );
        assert_eq!(
            parse_spec("www.example@127.0.0.2:8443").unwrap(),
            paired("www.example", "127.0.0.2", Some(8443))
        );
        assert_eq!(
            parse_spec("www.example@[2001:db8::1]:8443").unwrap(),
            paired("www.example", "2001:db8::1", Some(8443))
        );
        assert_eq!(
            parse_spec("www.example@2001:db8::1").unwrap(),
            paired("www.example", "2001:db8::1", None)
        );
        assert_eq!(parse_spec("a.test@[::1]:25").unwrap().port(), Some(25));
    }

    #[test]
    fn bad_pairings_are_explained() {
        assert!(reason("a.test@10.0.0.0/24").contains("is a range"));
        assert!(reason("a.test@10.0.0.1-9:443").contains("is a range"));
        assert_eq!(
            reason("a.test@b.test"),
            "'b.test' after '@' is not an IP address"
        );
        assert_eq!(reason("a.test@"), "it is empty");
        assert_eq!(reason("@10.0.0.1"), "the host name has an empty label");
        assert!(reason("bad name@10.0.0.1").starts_with("' ' is not allowed"));
        assert!(reason("10.0.0.1@10.0.0.2").contains("numeric last label"));
        assert_eq!(reason("a.test@10.0.0.1:0"), "'0' is not a port (1-65535)");
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "10.0.0.5",
            "10.0.0.1-10.0.0.40:443",
            "[2001:db8::1]:8443",
            "2001:db8::-2001:db8::ff",
            "example.com:993",
            "www.example@[2001:db8::1]:8443",
            "www.example@2001:db8::1",
            "a.test@127.0.0.2:443",
            "a.test@127.0.0.2",
        ] {
            let spec = parse_spec(text).unwrap();
            assert_eq!(spec.to_string(), text);
            assert_eq!(parse_spec(&spec.to_string()).unwrap(), spec);
        }
        assert_eq!(parse_spec("h:8").unwrap().port(), Some(8));
    }
}
