//! [`Shard`]: one of N deterministic parts of a scope, so that N scanners
//! given the same scope and `--shard 1/N` … `--shard N/N` probe every
//! (address or host name, port) exactly once between them. An endpoint
//! belongs to part `FNV-1a-64("<host>:<port>") mod N`, where `<host>` is
//! the address as text (IPv6 without brackets) or the lowercased host
//! name; all SNI variants of an endpoint go with it. The hash is fixed
//! here (not the standard library's, which may change between releases),
//! so every scanner, on every version, splits the same way.

use std::fmt;

use super::target::Host;

/// One part of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    /// 0-based part number, below `count`.
    index: u32,
    /// How many parts the scope is split into, at least 1.
    count: u32,
}

/// A `--shard` value that is not `K/N` with 1 ≤ K ≤ N.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not K/N with 1 <= K <= N (e.g. 2/4)")]
pub struct NotAShard(pub String);

impl Shard {
    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Result<Shard, NotAShard> {
        let form = || NotAShard(text.to_string());
        let (k, n) = text.trim().split_once('/').ok_or_else(form)?;
        let k: u32 = k.trim().parse().map_err(|_| form())?;
        let n: u32 = n.trim().parse().map_err(|_| form())?;
        if k == 0 || k > n {
            return Err(form());
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }

    /// Which part this is, 1-based (K of `K/N`).
    pub fn number(self) -> u32 {
        self.index + 1
    }

    /// How many parts there are.
    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether the endpoint `host:port` is in this part.
    pub fn owns(self, host: &Host, port: u16) -> bool {
        let key = match host {
            Host::Ip(ip) => format!("{ip}:{port}"),
            Host::Name(name) => format!("{}:{port}", name.to_ascii_lowercase()),
        };
        fnv1a64(key.as_bytes()) % u64::from(self.count) == u64::from(self.index)
    }
}

impl fmt::Display for Shard {
    /// `K/N`, 1-based as written on the command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

/// 64-bit FNV-1a.
fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n_and_refuses_the_rest() {
        let shard = Shard::parse("2/4").unwrap();
        assert_eq!((shard.to_string(), shard.count()), ("2/4".to_string(), 4));
        assert_eq!(shard.number(), 2);
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fnv1a64_known_answers() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn every_endpoint_belongs_to_exactly_one_part() {
        let parts: Vec<Shard> = (1..=4)
            .map(|k| Shard::parse(&format!("{k}/4")).unwrap())
            .collect();
        let mut sizes = [0usize; 4];
        for i in 0..1024u32 {
            let host = Host::Ip(std::net::Ipv4Addr::from(0x7f03_0000 + i).into());
            let owners: Vec<usize> = (0..4).filter(|&p| parts[p].owns(&host, 443)).collect();
            assert_eq!(owners.len(), 1, "{host:?}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 0), "{sizes:?}");
        let name = Host::Name("Mail.Example.org".into());
        let lower = Host::Name("mail.example.org".into());
        assert!(parts
            .iter()
            .all(|p| p.owns(&name, 25) == p.owns(&lower, 25)));
    }
}
