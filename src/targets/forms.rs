//! The address and name forms inside a target spec (after any port is
//! split off): CIDR blocks (host bits ignored, as nmap does), dash ranges
//! (full, short IPv4 `10.0.0.1-40`, full IPv6), single addresses, and host
//! name validation. Errors are [`SpecProblem`]s; `spec` adds input and origin.

use std::net::{IpAddr, Ipv4Addr};

use ipnetwork::IpNetwork;

use super::error::SpecProblem;

/// Parses an address, CIDR block or dash range into an inclusive range;
/// `Ok(None)` means the text is not an address form (maybe a host name).
pub(crate) fn parse_addresses(body: &str) -> Result<Option<(IpAddr, IpAddr)>, SpecProblem> {
    if let Some((address, prefix)) = body.split_once('/') {
        return parse_cidr(address, prefix).map(Some);
    }
    if let Some((start, end)) = body.split_once('-') {
        if let Ok(first) = start.parse::<IpAddr>() {
            return parse_range(first, end).map(Some);
        }
    }
    Ok(body
        .parse::<IpAddr>()
        .ok()
        .map(|address| (address, address)))
}

/// Parses `address/prefix`; host bits are ignored (nmap's behaviour).
fn parse_cidr(address: &str, prefix: &str) -> Result<(IpAddr, IpAddr), SpecProblem> {
    let address: IpAddr = address
        .parse()
        .map_err(|_| SpecProblem::NotAnAddress(address.to_string()))?;
    let prefix_value: u32 = match prefix.bytes().all(|b| b.is_ascii_digit()) {
        true => prefix.parse().unwrap_or(u32::MAX),
        false => u32::MAX,
    };
    if prefix.is_empty() || prefix_value == u32::MAX {
        return Err(SpecProblem::NotAPrefix(prefix.to_string()));
    }
    let max = if address.is_ipv4() { 32 } else { 128 };
    if prefix_value > max {
        return Err(SpecProblem::PrefixTooLong {
            prefix: prefix_value,
            max,
        });
    }
    let network = IpNetwork::new(address, prefix_value as u8)?;
    Ok((network.network(), network.broadcast()))
}

/// Parses the end of `first-end`: a full address, or for IPv4 a last octet.
fn parse_range(first: IpAddr, end: &str) -> Result<(IpAddr, IpAddr), SpecProblem> {
    let last = match first {
        IpAddr::V4(first_v4) if !end.is_empty() && end.bytes().all(|b| b.is_ascii_digit()) => {
            let octet: u8 = end
                .parse()
                .map_err(|_| SpecProblem::NotAnOctet(end.to_string()))?;
            let [a, b, c, _] = first_v4.octets();
            IpAddr::V4(Ipv4Addr::new(a, b, c, octet))
        }
        IpAddr::V4(_) => end
            .parse()
            .map_err(|_| SpecProblem::NotAnAddressOrOctet(end.to_string()))?,
        IpAddr::V6(_) => end
            .parse()
            .map_err(|_| SpecProblem::NotAFullIpv6End(end.to_string()))?,
    };
    if first.is_ipv4() != last.is_ipv4() {
        return Err(SpecProblem::MixedFamilies);
    }
    if first > last {
        return Err(SpecProblem::Reversed { first, last });
    }
    Ok((first, last))
}

/// Checks a host name and returns it lowercased without its trailing dot:
/// the one DNS-name check, [`super::server_name::dns_name`].
pub(crate) fn validate_hostname(text: &str) -> Result<String, SpecProblem> {
    Ok(super::server_name::dns_name(text)?)
}

/// A host name as compared everywhere: trimmed, lowercased, no trailing dot.
pub(crate) fn normalize_name(name: &str) -> String {
    let name = name.trim();
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::super::spec::parse_spec;
    use super::super::test_support::{addresses, host, reason};

    #[test]
    fn parses_cidr_blocks_ignoring_host_bits() {
        assert_eq!(
            parse_spec("10.0.0.0/24").unwrap(),
            addresses("10.0.0.0", "10.0.0.255", None)
        );
        assert_eq!(
            parse_spec("10.0.0.5/24").unwrap(),
            addresses("10.0.0.0", "10.0.0.255", None)
        );
        assert_eq!(
            parse_spec("0.0.0.0/0").unwrap(),
            addresses("0.0.0.0", "255.255.255.255", None)
        );
        assert_eq!(
            parse_spec("2001:db8::77/64").unwrap(),
            addresses("2001:db8::", "2001:db8::ffff:ffff:ffff:ffff", None)
        );
        assert_eq!(
            parse_spec("1.2.3.4/32").unwrap(),
            addresses("1.2.3.4", "1.2.3.4", None)
        );
    }

    #[test]
    fn parses_dash_ranges_long_short_and_ipv6() {
        assert_eq!(
            parse_spec("10.0.0.1-10.0.0.40").unwrap(),
            addresses("10.0.0.1", "10.0.0.40", None)
        );
        assert_eq!(
            parse_spec("10.0.0.1-40").unwrap(),
            addresses("10.0.0.1", "10.0.0.40", None)
        );
        assert_eq!(
            parse_spec("10.0.0.250-10.0.1.3:8443").unwrap(),
            addresses("10.0.0.250", "10.0.1.3", Some(8443))
        );
        assert_eq!(
            parse_spec("2001:db8::1-2001:db8::ff").unwrap(),
            addresses("2001:db8::1", "2001:db8::ff", None)
        );
    }

    #[test]
    fn parses_and_normalizes_host_names() {
        assert_eq!(
            parse_spec("WWW.Example.org.").unwrap(),
            host("www.example.org", None)
        );
        assert_eq!(
            parse_spec("my-host_1.corp").unwrap(),
            host("my-host_1.corp", None)
        );
        assert_eq!(parse_spec("localhost").unwrap(), host("localhost", None));
        assert_eq!(parse_spec("host-1-2").unwrap(), host("host-1-2", None));
    }

    #[test]
    fn bad_cidr_blocks_are_explained() {
        assert_eq!(reason("10.0.0.0/33"), "prefix length 33 is over 32");
        assert_eq!(reason("::/129"), "prefix length 129 is over 128");
        assert_eq!(reason("10.0.0.0/"), "'' is not a prefix length");
        assert_eq!(reason("10.0.0.0/x"), "'x' is not a prefix length");
        assert_eq!(
            reason("10.0.0.0/99999999999"),
            "'99999999999' is not a prefix length"
        );
        assert_eq!(reason("10.0.0/8"), "'10.0.0' is not an IP address");
        assert_eq!(
            reason("host.example/24"),
            "'host.example' is not an IP address"
        );
    }

    #[test]
    fn bad_ranges_are_explained() {
        assert!(reason("10.0.0.40-10.0.0.1").starts_with("the range is reversed"));
        assert!(reason("10.0.0.40-1").starts_with("the range is reversed"));
        assert_eq!(reason("10.0.0.1-256"), "'256' is not an octet (0-255)");
        assert_eq!(reason("10.0.0.1-::1"), "the range mixes IPv4 and IPv6");
        assert!(reason("10.0.0.1-").contains("'' is not an IP address"));
        assert!(reason("2001:db8::1-ff").contains("needs a full end address"));
    }

    #[test]
    fn bad_host_names_are_explained() {
        assert!(reason("exa mple.com").starts_with("' ' is not allowed in a host name"));
        assert!(reason("*.example.com").starts_with("'*' is not allowed"));
        assert_eq!(reason("a..b"), "the host name has an empty label");
        assert_eq!(reason(".example"), "the host name has an empty label");
        assert!(reason("10.0.0.256").contains("numeric last label"));
        assert!(reason("10.0.0-5.1").contains("numeric last label"));
        assert!(reason(&"a".repeat(64)).contains("longer than 63"));
    }
}
