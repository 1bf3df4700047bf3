//! CSV target lines, as zgrab2 takes them: `address,name[,port]` (zgrab2's
//! columns are `ip, domain, tag`; certatlas reads the third as a port).
//!
//! A line of a target file that contains a comma is a CSV line; other lines
//! keep the one-spec form, so both can be mixed. Fields are trimmed. With
//! both an address and a name, the line is a pairing (the name probed at
//! that one address, never through DNS); with only an address (which may
//! then be a CIDR block or range) or only a name, it is that plain target.
//! A header line `address,name` or `address,name,port` is skipped when it
//! is the file's first line with content.

use super::error::SpecProblem;
use super::forms::validate_hostname;
use super::ports::parse_port_in;
use super::spec::{parse_trimmed, TargetSpec};
use super::Origin;

/// True for the header line `address,name[,port]` (any case and spacing).
pub(crate) fn is_header(line: &str) -> bool {
    let fields: Vec<String> = line
        .split(',')
        .map(|field| field.trim().to_ascii_lowercase())
        .collect();
    fields == ["address", "name"] || fields == ["address", "name", "port"]
}

/// Parses one CSV line (comment already removed, trimmed); the error is the
/// problem only.
pub(crate) fn parse_line(line: &str) -> Result<TargetSpec, SpecProblem> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let (address, name, port) = match fields[..] {
        [address, name] => (address, name, ""),
        [address, name, port] => (address, name, port),
        _ => return Err(SpecProblem::CsvFields(fields.len())),
    };
    let port = match port {
        "" => None,
        text => Some(parse_port_in(text, &Origin::Unspecified)?),
    };
    match (address, name) {
        ("", "") => Err(SpecProblem::CsvEmpty),
        ("", name) => Ok(TargetSpec::Host {
            name: validate_hostname(name)?,
            port,
        }),
        (address, name) => address_line(address, name, port),
    }
}

/// A line with an address: a pairing when `name` is set, else the address
/// spec itself (a CIDR block or range allowed).
fn address_line(address: &str, name: &str, port: Option<u16>) -> Result<TargetSpec, SpecProblem> {
    let spec = parse_trimmed(address)?;
    if spec.port().is_some() {
        return Err(SpecProblem::CsvPortInAddress(address.to_string()));
    }
    match spec {
        TargetSpec::Addresses { first, last, .. } if name.is_empty() => {
            Ok(TargetSpec::Addresses { first, last, port })
        }
        TargetSpec::Addresses { first, last, .. }
            if first == last && !address.contains(['/', '-']) =>
        {
            Ok(TargetSpec::Paired {
                name: validate_hostname(name)?,
                address: first,
                port,
            })
        }
        TargetSpec::Addresses { .. } => Err(SpecProblem::RangePaired(address.to_string())),
        _ => Err(SpecProblem::NotAnAddress(address.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{addresses, host, ip};
    use super::*;

    fn paired(name: &str, address: &str, port: Option<u16>) -> TargetSpec {
        TargetSpec::Paired {
            name: name.into(),
            address: ip(address),
            port,
        }
    }

    #[test]
    fn reads_pairings_in_zgrab2_column_order() {
        assert_eq!(
            parse_line("127.0.0.2, WWW.Example.test").unwrap(),
            paired("www.example.test", "127.0.0.2", None)
        );
        assert_eq!(
            parse_line("127.0.0.2,a.test,8443").unwrap(),
            paired("a.test", "127.0.0.2", Some(8443))
        );
        assert_eq!(
            parse_line("2001:db8::1,a.test,443").unwrap(),
            paired("a.test", "2001:db8::1", Some(443))
        );
        assert_eq!(
            parse_line("[2001:db8::1],a.test,").unwrap(),
            paired("a.test", "2001:db8::1", None)
        );
    }

    #[test]
    fn a_missing_side_leaves_a_plain_target() {
        assert_eq!(parse_line(",a.test,25").unwrap(), host("a.test", Some(25)));
        assert_eq!(
            parse_line("10.0.0.0/30,").unwrap(),
            addresses("10.0.0.0", "10.0.0.3", None)
        );
        assert_eq!(
            parse_line("10.0.0.1,,443").unwrap(),
            addresses("10.0.0.1", "10.0.0.1", Some(443))
        );
    }

    #[test]
    fn bad_lines_are_explained() {
        assert!(parse_line("10.0.0.0/24,a.test")
            .unwrap_err()
            .to_string()
            .contains("is a range"));
        assert!(parse_line("10.0.0.1-9,a.test")
            .unwrap_err()
            .to_string()
            .contains("is a range"));
        assert_eq!(
            parse_line("a.test,b.test").unwrap_err().to_string(),
            "'a.test' is not an IP address"
        );
        assert!(parse_line("10.0.0.1:443,a.test")
            .unwrap_err()
            .to_string()
            .contains("third column"));
        assert!(parse_line("10.0.0.1,a.test,443,web")
            .unwrap_err()
            .to_string()
            .contains("this one has 4"));
        assert_eq!(
            parse_line(" , ").unwrap_err().to_string(),
            "both the address and the name are empty"
        );
        assert_eq!(
            parse_line("10.0.0.1,a.test,https").unwrap_err().to_string(),
            "'https' is not a port (1-65535)"
        );
        assert!(parse_line("10.0.0.1,bad name")
            .unwrap_err()
            .to_string()
            .contains("' ' is not allowed"));
    }

    #[test]
    fn recognises_the_header() {
        assert!(is_header("address,name,port"));
        assert!(is_header(" Address , Name "));
        assert!(!is_header("address,name,tag"));
        assert!(!is_header("10.0.0.1,a.test"));
    }
}
