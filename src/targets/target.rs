//! [`Target`] and [`Host`]: one concrete probe (address or name, port, SNI
//! and where that SNI name came from) as the target stream yields it to the
//! scan engine.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::observation::SniSource;

/// What to connect to: an address, or a name the engine resolves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Host {
    /// An address literal.
    Ip(IpAddr),
    /// A host name, lowercased and without a trailing dot.
    Name(String),
}

impl fmt::Display for Host {
    /// The bare address or name (no brackets).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(address) => address.fmt(f),
            Host::Name(name) => f.write_str(name),
        }
    }
}

/// One probe: connect to `host` on `port`, sending `sni` as the TLS server
/// name (no SNI extension when `None`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    /// Where to connect.
    pub host: Host,
    /// TCP port, 1-65535.
    pub port: u16,
    /// The server name to send, if any.
    pub sni: Option<String>,
    /// Where `sni` came from: `target` for a host name or pairing,
    /// `broadcast` for a `--sni` name, `none` without SNI. The target
    /// stream decides it, not the engine.
    #[serde(default)]
    pub sni_source: SniSource,
}

impl fmt::Display for Target {
    /// `10.0.0.5:443`, `[2001:db8::1]:443` or `example.com:443`, followed by
    /// ` (SNI name)` when the SNI is not simply the host name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Host::Ip(IpAddr::V6(address)) => write!(f, "[{address}]:{}", self.port)?,
            host => write!(f, "{host}:{}", self.port)?,
        }
        match (&self.host, &self.sni) {
            (Host::Name(name), Some(sni)) if name == sni => Ok(()),
            (_, Some(sni)) => write!(f, " (SNI {sni})"),
            (_, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(host: Host, port: u16, sni: Option<&str>) -> Target {
        Target {
            host,
            port,
            sni_source: match sni {
                Some(_) => SniSource::Broadcast,
                None => SniSource::None,
            },
            sni: sni.map(str::to_string),
        }
    }

    #[test]
    fn display_brackets_ipv6_and_shows_extra_sni() {
        let v4 = Host::Ip("10.0.0.5".parse().unwrap());
        let v6 = Host::Ip("2001:db8::1".parse().unwrap());
        let name = Host::Name("example.com".to_string());
        assert_eq!(target(v4.clone(), 443, None).to_string(), "10.0.0.5:443");
        assert_eq!(
            target(v4, 443, Some("a.test")).to_string(),
            "10.0.0.5:443 (SNI a.test)"
        );
        assert_eq!(target(v6, 8443, None).to_string(), "[2001:db8::1]:8443");
        assert_eq!(
            target(name.clone(), 993, Some("example.com")).to_string(),
            "example.com:993"
        );
        assert_eq!(
            target(name, 993, Some("b.test")).to_string(),
            "example.com:993 (SNI b.test)"
        );
    }
}
