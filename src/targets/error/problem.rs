//! [`SpecProblem`]: why a target, host name or pairing text is not valid,
//! without the input and origin (which [`super::TargetsError`] adds).

use std::net::IpAddr;

use super::TargetsError;

/// What is wrong with one target, host name, CSV line or pairing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecProblem {
    /// Nothing was written.
    #[error("it is empty")]
    Empty,
    /// `[` without `]`.
    #[error("'[' without a closing ']'")]
    UnclosedBracket,
    /// `[` without `]` in a pairing's address.
    #[error("'{0}': '[' without a closing ']'")]
    UnclosedBracketIn(String),
    /// Text after `]` that is not `:PORT`.
    #[error("unexpected '{0}' after ']'")]
    AfterBracket(String),
    /// A bad port.
    #[error("{0}")]
    Port(Box<TargetsError>),
    /// `:PORT` with nothing before it.
    #[error("the host part is empty")]
    EmptyHost,
    /// `[IPv4]`.
    #[error("brackets are only for IPv6 addresses")]
    BracketedIpv4,
    /// Bracketed text that is not an IPv6 address.
    #[error("'{0}' is not an IPv6 address")]
    NotIpv6(String),
    /// Text where an IP address belongs.
    #[error("'{0}' is not an IP address")]
    NotAnAddress(String),
    /// The part after `/` of a CIDR block.
    #[error("'{0}' is not a prefix length")]
    NotAPrefix(String),
    /// A prefix longer than the address.
    #[error("prefix length {prefix} is over {max}")]
    PrefixTooLong {
        /// The prefix length written.
        prefix: u32,
        /// 32 or 128.
        max: u32,
    },
    /// A network the CIDR library refuses.
    #[error("{0}")]
    Network(#[from] ipnetwork::IpNetworkError),
    /// The short end of an IPv4 range above 255.
    #[error("'{0}' is not an octet (0-255)")]
    NotAnOctet(String),
    /// The end of an IPv4 range.
    #[error("'{0}' is not an IP address or last octet")]
    NotAnAddressOrOctet(String),
    /// The end of an IPv6 range.
    #[error("'{0}' is not an IP address (an IPv6 range needs a full end address)")]
    NotAFullIpv6End(String),
    /// A range from IPv4 to IPv6 or back.
    #[error("the range mixes IPv4 and IPv6")]
    MixedFamilies,
    /// A range whose end comes before its start.
    #[error("the range is reversed ({first} is after {last})")]
    Reversed {
        /// The start.
        first: IpAddr,
        /// The end.
        last: IpAddr,
    },
    /// Not a DNS name certatlas can probe (the one check,
    /// [`crate::targets::dns_name`]).
    #[error(transparent)]
    Name(#[from] crate::targets::NameError),
    /// `name@10.0.0.0/24`: a pairing takes one address.
    #[error("'{0}' after '@' is a range: a name is paired with one address")]
    PairedRange(String),
    /// `name@name`.
    #[error("'{0}' after '@' is not an IP address")]
    PairedNotAnAddress(String),
    /// A CSV line with the wrong number of fields.
    #[error("a CSV line has 2 or 3 fields (address,name[,port]); this one has {0}")]
    CsvFields(usize),
    /// A CSV line with neither address nor name.
    #[error("both the address and the name are empty")]
    CsvEmpty,
    /// `10.0.0.1:443,name`.
    #[error("'{0}': the port goes in the third column (address,name,port)")]
    CsvPortInAddress(String),
    /// A range paired with a name (CSV line or `--resolve`).
    #[error("'{0}' is a range: a name is paired with one address")]
    RangePaired(String),
    /// `--resolve` text without `:`.
    #[error("expected NAME:ADDRESS or NAME:PORT:ADDRESS")]
    ResolveForm,
    /// `--resolve name:2001:db8::1`.
    #[error("write the IPv6 address in brackets, as curl does: '[{0}]'")]
    UnbracketedIpv6(String),
}

impl From<TargetsError> for SpecProblem {
    fn from(error: TargetsError) -> Self {
        SpecProblem::Port(Box::new(error))
    }
}
