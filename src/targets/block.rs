//! An address block as owner rules and scopes write it: a CIDR block or a
//! bare address (a block of one). The one user of the ipnetwork crate
//! besides the CIDR target form in `forms`.

use std::net::IpAddr;
use std::str::FromStr;

use ipnetwork::IpNetwork;

/// A CIDR block (`10.1.0.0/16`, `2001:db8::/32`) or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressBlock(IpNetwork);

/// Text that is neither a CIDR block nor an IP address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a CIDR block or IP address ({reason})")]
pub struct AddressBlockError {
    /// What the block parser said.
    pub reason: String,
}

impl AddressBlock {
    /// Parses `10.1.0.0/16`, `2001:db8::/32` or a bare address.
    pub fn parse(text: &str) -> Result<AddressBlock, AddressBlockError> {
        if let Ok(address) = IpAddr::from_str(text) {
            return Ok(AddressBlock(IpNetwork::from(address)));
        }
        IpNetwork::from_str(text)
            .map(AddressBlock)
            .map_err(|e| AddressBlockError {
                reason: e.to_string(),
            })
    }

    /// Whether `address` is in the block; an IPv4-mapped IPv6 address is
    /// also in the IPv4 block of its IPv4 address.
    pub fn contains(&self, address: IpAddr) -> bool {
        if self.0.contains(address) {
            return true;
        }
        match address {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .is_some_and(|v4| self.0.contains(IpAddr::V4(v4))),
            IpAddr::V4(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_bare_addresses_contain_what_they_should() {
        let block = AddressBlock::parse("10.1.0.0/16").unwrap();
        assert!(block.contains("10.1.200.3".parse().unwrap()));
        assert!(!block.contains("10.2.0.1".parse().unwrap()));
        assert!(
            block.contains("::ffff:10.1.0.9".parse().unwrap()),
            "IPv4-mapped"
        );
        let one = AddressBlock::parse("192.0.2.7").unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        let err = AddressBlock::parse("10.1.0.0/33").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("not a CIDR block or IP address ("));
    }
}
