//! Names paired with addresses without DNS: [`Pairing`] (one `name →
//! address` entry, optionally for one port only) and [`Pairings`], the one
//! table every connection certatlas makes for a name consults before DNS.
//!
//! Pairings come from `--resolve name:address` or curl's
//! `--resolve name:port:address` (IPv6 addresses in brackets, as curl writes
//! them), from `name@address[:port]` targets and from CSV target lines
//! (`address,name[,port]`). A name with pairings for a port connects to
//! exactly those addresses on that port and is never looked up in DNS there.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

use super::error::SpecProblem;
use super::error::{Origin, TargetsError};
use super::forms::validate_hostname;
use super::ports::parse_port_in;

/// One name paired with one address: "`name` is at `address`" (on `port`
/// only, when one is given).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pairing {
    /// The host name, lowercased and without a trailing dot.
    pub name: String,
    /// The only port the pairing applies to; `None` for every port.
    pub port: Option<u16>,
    /// The address to connect to instead of asking DNS.
    pub address: IpAddr,
}

impl fmt::Display for Pairing {
    /// Writes the pairing back in the `--resolve` form [`parse_resolve_in`]
    /// reads: `name:address` or `name:port:address`, IPv6 in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        match self.address {
            IpAddr::V6(address) => write!(f, ":[{address}]"),
            IpAddr::V4(address) => write!(f, ":{address}"),
        }
    }
}

/// Parses one `--resolve` value, `name:address` or `name:port:address`
/// (an IPv6 address in brackets: `name:443:[2001:db8::1]`), written at
/// `origin`.
pub fn parse_resolve_in(text: &str, origin: &Origin) -> Result<Pairing, TargetsError> {
    let input = text.trim();
    parse_resolve_text(input).map_err(|reason| TargetsError::InvalidResolve {
        origin: origin.clone(),
        input: input.to_string(),
        reason,
    })
}

/// Parses trimmed `--resolve` text; the error is the problem only.
fn parse_resolve_text(input: &str) -> Result<Pairing, SpecProblem> {
    let (name, rest) = input.split_once(':').ok_or(SpecProblem::ResolveForm)?;
    let name = validate_hostname(name)?;
    if let Ok(IpAddr::V6(_)) = rest.parse::<IpAddr>() {
        return Err(SpecProblem::UnbracketedIpv6(rest.to_string()));
    }
    let (port, address_text) = match rest.split_once(':') {
        Some((port, address)) if !rest.starts_with('[') => {
            let port = parse_port_in(port, &Origin::Unspecified)?;
            (Some(port), address)
        }
        _ => (None, rest),
    };
    Ok(Pairing {
        name,
        port,
        address: parse_pair_address(address_text)?,
    })
}

/// One address as a pairing takes it: IPv4, or IPv6 in brackets.
fn parse_pair_address(text: &str) -> Result<IpAddr, SpecProblem> {
    if let Some(inner) = text.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or_else(|| SpecProblem::UnclosedBracketIn(text.to_string()))?;
        return match inner.parse::<IpAddr>() {
            Ok(address @ IpAddr::V6(_)) => Ok(address),
            _ => Err(SpecProblem::NotIpv6(inner.to_string())),
        };
    }
    match text.parse::<IpAddr>() {
        Ok(address @ IpAddr::V4(_)) => Ok(address),
        Ok(IpAddr::V6(_)) => Err(SpecProblem::UnbracketedIpv6(text.to_string())),
        Err(_) if text.contains(['/', '-']) => Err(SpecProblem::RangePaired(text.to_string())),
        Err(_) => Err(SpecProblem::NotAnAddress(text.to_string())),
    }
}

/// The pairing table: for a name and port, the addresses to connect to
/// instead of asking DNS. Port-specific pairings win over pairings for
/// every port; several pairings of one name add addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pairings {
    by_name: HashMap<String, Vec<(Option<u16>, IpAddr)>>,
}

impl Pairings {
    /// A table of `pairings` (duplicates collapse; order is kept).
    pub fn new(pairings: impl IntoIterator<Item = Pairing>) -> Self {
        let mut table = Pairings::default();
        for pairing in pairings {
            let entries = table.by_name.entry(pairing.name).or_default();
            if !entries.contains(&(pairing.port, pairing.address)) {
                entries.push((pairing.port, pairing.address));
            }
        }
        table
    }

    /// True when nothing is paired.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The addresses `name` (any case, trailing dot allowed) is paired with
    /// on `port`: those given for that port if any, else those given for
    /// every port. `None` means the name is not paired there (ask DNS).
    pub fn addresses(&self, name: &str, port: u16) -> Option<Vec<IpAddr>> {
        let name = super::forms::normalize_name(name);
        let entries = self.by_name.get(&name)?;
        let pick = |wanted: Option<u16>| -> Vec<IpAddr> {
            let matching = entries.iter().filter(|(p, _)| *p == wanted);
            matching.map(|(_, address)| *address).collect()
        };
        let for_port = pick(Some(port));
        let found = match for_port.is_empty() {
            true => pick(None),
            false => for_port,
        };
        (!found.is_empty()).then_some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairing(text: &str) -> Pairing {
        parse_resolve_in(text, &Origin::Unspecified).unwrap()
    }

    fn reason(text: &str) -> String {
        let message = parse_resolve_in(text, &Origin::argument("--resolve"))
            .unwrap_err()
            .to_string();
        let named = format!("--resolve: '{}' is not a valid pairing: ", text.trim());
        assert!(message.starts_with(&named), "{message}");
        message[named.len()..].to_string()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn parses_both_forms_and_bracketed_ipv6() {
        assert_eq!(
            pairing("WWW.Example.test.:192.0.2.7"),
            Pairing {
                name: "www.example.test".into(),
                port: None,
                address: ip("192.0.2.7")
            }
        );
        assert_eq!(
            pairing("a.test:8443:127.0.0.2"),
            Pairing {
                name: "a.test".into(),
                port: Some(8443),
                address: ip("127.0.0.2")
            }
        );
        assert_eq!(pairing("a.test:[2001:db8::1]").address, ip("2001:db8::1"));
        let v6_port = pairing("a.test:443:[::1]");
        assert_eq!((v6_port.port, v6_port.address), (Some(443), ip("::1")));
    }

    #[test]
    fn display_round_trips() {
        for text in ["a.test:192.0.2.7", "a.test:443:[2001:db8::1]", "b:[::1]"] {
            assert_eq!(pairing(text).to_string(), text);
        }
    }

    #[test]
    fn bad_pairings_are_explained() {
        assert_eq!(
            reason("a.test"),
            "expected NAME:ADDRESS or NAME:PORT:ADDRESS"
        );
        assert_eq!(
            reason("a.test:host.test"),
            "'host.test' is not an IP address"
        );
        assert_eq!(reason("a.test:0:10.0.0.1"), "'0' is not a port (1-65535)");
        assert!(reason("a.test:2001:db8::1").contains("in brackets"));
        assert!(reason("a.test:443:2001:db8::1").contains("in brackets"));
        assert!(reason("a.test:10.0.0.0/24").contains("is a range"));
        assert!(reason("a.test:10.0.0.1-9").contains("is a range"));
        assert_eq!(
            reason("a.test:[10.0.0.1]"),
            "'10.0.0.1' is not an IPv6 address"
        );
        assert!(reason("a.test:[::1").contains("without a closing"));
        assert!(reason("bad name:10.0.0.1").contains("' ' is not allowed"));
        assert!(reason(":10.0.0.1").contains("empty label"));
    }

    #[test]
    fn table_prefers_port_pairings_and_collects_addresses() {
        let table = Pairings::new([
            pairing("a.test:10.0.0.1"),
            pairing("a.test:10.0.0.2"),
            pairing("a.test:10.0.0.1"),
            pairing("a.test:8443:10.0.0.9"),
            pairing("b.test:25:[::1]"),
        ]);
        assert_eq!(
            table.addresses("A.Test.", 443),
            Some(vec![ip("10.0.0.1"), ip("10.0.0.2")])
        );
        assert_eq!(table.addresses("a.test", 8443), Some(vec![ip("10.0.0.9")]));
        assert_eq!(table.addresses("b.test", 25), Some(vec![ip("::1")]));
        assert_eq!(table.addresses("b.test", 443), None);
        assert_eq!(table.addresses("c.test", 443), None);
        assert!(Pairings::default().is_empty());
        assert!(!table.is_empty());
    }
}
