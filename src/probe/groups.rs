//! Which key-exchange groups an endpoint accepts (`--groups`): each group of
//! [`GROUPS`] offered alone in its own rustls handshake under its own
//! deadline. The server accepts a group when it negotiates it; offered
//! nothing else, a server that lacks it must refuse (or pick something we
//! did not offer, which rustls refuses).
//!
//! The hybrid groups are offered in TLS 1.3 only (they exist only there),
//! the classical ones in TLS 1.3 and 1.2. FFDHE groups are not probed:
//! rustls's client has no finite-field groups, and the legacy ClientHello
//! cannot name one (TLS 1.2 servers choose DHE parameters themselves).

use std::collections::BTreeMap;

use tokio::time::{timeout_at, Instant};

use super::{connect, server_name, Endpoint, Prober};
use crate::observation::VersionSupport;
use crate::tls::capture::{self, SchemeOffer};
use crate::tls::handshake::{self, HandshakeFailure};
use crate::tls::provider::{group_name, offering_only_group};
use crate::tls::SupportedProtocolVersion;

/// One group `--groups` offers.
#[derive(Debug, Clone, Copy)]
pub struct ProbedGroup {
    /// The IANA name, the key of the observation's `groups` map.
    pub name: &'static str,
    /// The TLS code point.
    pub code: u16,
    /// A hybrid of a classical and a post-quantum (ML-KEM) key exchange.
    pub hybrid: bool,
}

/// The groups `--groups` probes, hybrids first.
pub const GROUPS: [ProbedGroup; 6] = [
    ProbedGroup {
        name: "X25519MLKEM768",
        code: 0x11ec,
        hybrid: true,
    },
    ProbedGroup {
        name: "SecP256r1MLKEM768",
        code: 0x11eb,
        hybrid: true,
    },
    ProbedGroup {
        name: "SecP384r1MLKEM1024",
        code: 0x11ed,
        hybrid: true,
    },
    ProbedGroup {
        name: "X25519",
        code: 0x001d,
        hybrid: false,
    },
    ProbedGroup {
        name: "secp256r1",
        code: 0x0017,
        hybrid: false,
    },
    ProbedGroup {
        name: "secp384r1",
        code: 0x0018,
        hybrid: false,
    },
];

/// Whether the group called `name` (a key of the `groups` map) is a hybrid.
pub fn is_hybrid(name: &str) -> bool {
    GROUPS.iter().any(|g| g.hybrid && g.name == name)
}

/// Probes every group of [`GROUPS`]. `legacy_only`: the endpoint's chain
/// was captured with the legacy ClientHello (rustls cannot talk to it), so
/// a classical group rustls could not negotiate is `unknown`, not refused:
/// the server may accept it with suites rustls lacks. Hybrids need TLS 1.3,
/// which such a server does not speak.
pub async fn accepted(
    prober: &Prober,
    endpoint: &Endpoint,
    legacy_only: bool,
) -> BTreeMap<String, VersionSupport> {
    let mut support = BTreeMap::new();
    for group in &GROUPS {
        let mut answer = one(prober, endpoint, group).await;
        if legacy_only && !group.hybrid && answer == VersionSupport::Rejected {
            answer = VersionSupport::Unknown;
        }
        support.insert(group.name.to_string(), answer);
    }
    support
}

/// One rustls handshake offering only `group`.
async fn one(prober: &Prober, endpoint: &Endpoint, group: &ProbedGroup) -> VersionSupport {
    let deadline = Instant::now() + prober.settings.timeout;
    let Ok(mut socket) = connect::open(endpoint, deadline, prober.settings.connect_timeout).await
    else {
        return VersionSupport::Unknown;
    };
    let Some(provider) = offering_only_group(&prober.provider, group.code) else {
        return VersionSupport::Unknown;
    };
    let versions: &[&'static SupportedProtocolVersion] = match group.hybrid {
        true => &[&crate::tls::TLS13],
        false => crate::tls::ALL_VERSIONS,
    };
    let Ok((config, slot)) = capture::client_config(&provider, SchemeOffer::All, versions) else {
        return VersionSupport::Unknown;
    };
    let handshake = handshake::handshake(&mut socket, config, &slot, server_name(endpoint));
    let Ok(record) = timeout_at(deadline, handshake).await else {
        return VersionSupport::Unknown;
    };
    let wanted = group_name(group.code);
    if record.session.key_exchange_group.as_deref() == Some(wanted.as_str()) {
        return VersionSupport::Accepted;
    }
    match record.failure {
        Some(HandshakeFailure::Io(e)) if !super::classify::is_reset(e.kind()) => {
            VersionSupport::Unknown
        }
        _ => VersionSupport::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_has_its_own_implementation_with_its_code_point() {
        let provider = crate::tls::provider::scanning_provider();
        for group in &GROUPS {
            assert!(
                offering_only_group(&provider, group.code).is_some(),
                "{}",
                group.name
            );
        }
        let hybrids: Vec<&str> = GROUPS.iter().filter(|g| g.hybrid).map(|g| g.name).collect();
        assert_eq!(
            hybrids,
            ["X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024"]
        );
        assert!(is_hybrid("SecP384r1MLKEM1024") && !is_hybrid("X25519"));
    }
}
