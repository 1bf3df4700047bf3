//! Port lists: the documented default TLS port set and the `-p/--ports`
//! parser (`443,8443,9000-9010`), plus the single-port parser shared with
//! `host:port` targets.

use super::error::{Origin, TargetsError};

/// Ports probed when the user gives no `-p/--ports`: well-known TLS ports.
pub const DEFAULT_PORTS: &[u16] = &[
    443,  // HTTPS
    465,  // SMTP submission over implicit TLS (SMTPS)
    636,  // LDAPS
    853,  // DNS over TLS
    989,  // FTPS data
    990,  // FTPS control
    992,  // Telnet over TLS
    993,  // IMAPS
    994,  // IRC over TLS (IANA assignment)
    995,  // POP3S
    2376, // Docker daemon API over TLS
    3269, // LDAPS to the Active Directory global catalog
    4443, // common alternate HTTPS
    5061, // SIP over TLS
    5986, // WinRM over HTTPS
    6443, // Kubernetes API server
    8443, // common alternate HTTPS (Tomcat, appliances)
    8883, // MQTT over TLS
    9443, // common alternate HTTPS (admin consoles)
];

/// What follows a bad port in messages.
const NOT_A_PORT: &str = "is not a port (1-65535)";

/// Parses a port list such as `443,8443,9000-9010` into sorted, deduplicated
/// ports. Errors are labelled as coming from `--ports`; use
/// [`parse_ports_in`] for another origin.
pub fn parse_ports(text: &str) -> Result<Vec<u16>, TargetsError> {
    parse_ports_in(text, &Origin::argument("--ports"))
}

/// [`parse_ports`] with errors labelled as coming from `origin`.
///
/// Items are separated by commas; each is a port or an inclusive `low-high`
/// range. Spaces around items are ignored. Port 0, ports over 65535, reversed
/// ranges, empty items and anything else are errors naming the item.
pub fn parse_ports_in(text: &str, origin: &Origin) -> Result<Vec<u16>, TargetsError> {
    let mut ports = Vec::new();
    for item in text.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(port_error(origin, text.trim(), "has an empty item"));
        }
        match item.split_once('-') {
            Some((low, high)) => {
                let low = parse_port_in(low.trim(), origin)?;
                let high = parse_port_in(high.trim(), origin)?;
                if low > high {
                    return Err(port_error(
                        origin,
                        item,
                        "is a reversed range (start > end)",
                    ));
                }
                ports.extend(low..=high);
            }
            None => ports.push(parse_port_in(item, origin)?),
        }
    }
    ports.sort_unstable();
    ports.dedup();
    Ok(ports)
}

/// Parses one port number (1-65535), naming `text` and `origin` on error.
pub(crate) fn parse_port_in(text: &str, origin: &Origin) -> Result<u16, TargetsError> {
    let digits_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits_only {
        return Err(port_error(origin, text, NOT_A_PORT));
    }
    match text.parse::<u32>() {
        Ok(port @ 1..=65535) => Ok(port as u16),
        _ => Err(port_error(origin, text, NOT_A_PORT)),
    }
}

fn port_error(origin: &Origin, item: &str, problem: &str) -> TargetsError {
    TargetsError::InvalidPorts {
        origin: origin.clone(),
        item: item.to_string(),
        problem: problem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_text(text: &str) -> String {
        parse_ports(text).unwrap_err().to_string()
    }

    #[test]
    fn parses_lists_and_ranges_sorted_and_deduplicated() {
        assert_eq!(
            parse_ports("9000-9003, 443,8443,443").unwrap(),
            vec![443, 8443, 9000, 9001, 9002, 9003]
        );
        assert_eq!(parse_ports("1-65535").unwrap().len(), 65535);
        assert_eq!(parse_ports("65535").unwrap(), vec![65535]);
        assert_eq!(parse_ports("7-7").unwrap(), vec![7]);
    }

    #[test]
    fn rejects_out_of_range_ports_naming_them() {
        assert_eq!(
            error_text("70000"),
            "--ports: '70000' is not a port (1-65535)"
        );
        assert_eq!(error_text("443,0"), "--ports: '0' is not a port (1-65535)");
        assert!(error_text("1-99999999999").contains("'99999999999' is not a port"));
    }

    #[test]
    fn rejects_reversed_ranges_empty_items_and_garbage() {
        assert_eq!(
            error_text("9010-9000"),
            "--ports: '9010-9000' is a reversed range (start > end)"
        );
        assert_eq!(
            error_text("443,,80"),
            "--ports: '443,,80' has an empty item"
        );
        assert!(error_text("").contains("has an empty item"));
        assert!(error_text("https").contains("'https' is not a port"));
        assert!(error_text("+443").contains("'+443' is not a port"));
        assert!(error_text("1-2-3").contains("'2-3' is not a port"));
        assert!(error_text("80-").contains("'' is not a port"));
    }

    #[test]
    fn origin_can_be_chosen() {
        let origin = Origin::argument("config ports");
        let error = parse_ports_in("x", &origin).unwrap_err();
        assert!(error.to_string().starts_with("config ports: 'x'"));
    }

    #[test]
    fn default_ports_are_sorted_unique_and_nonzero() {
        assert!(DEFAULT_PORTS.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(!DEFAULT_PORTS.contains(&0));
        assert_eq!(DEFAULT_PORTS.len(), 19);
    }
}
