//! Which protocol versions an endpoint accepts (`--versions`): TLS 1.3 and
//! 1.2 through rustls restricted to that version, TLS 1.2 again and 1.1,
//! 1.0 and SSLv3 through the legacy ClientHello; and which classes of weak
//! suites it accepts (NULL, export, RC4, 3DES, DES, anonymous), each offered
//! alone in a legacy ClientHello. Each probe is its own connection under its
//! own deadline.

use std::collections::BTreeMap;

use strum::VariantArray;
use tokio::time::{timeout_at, Instant};

use super::legacy::{self, LegacyHello, LegacyVersion, SuiteFlags, SuiteOffer, Weakness};
use super::{connect, server_name, Endpoint, Prober};
use crate::observation::VersionSupport;
use crate::tls::capture::{self, SchemeOffer};
use crate::tls::handshake::{self, version_name, HandshakeFailure};
use crate::tls::{SupportedProtocolVersion, TLS12, TLS13};

/// Probes every version and returns the support map, newest first in name.
pub async fn accepted(prober: &Prober, endpoint: &Endpoint) -> BTreeMap<String, VersionSupport> {
    let mut support = BTreeMap::new();
    let tls13 = modern(prober, endpoint, &TLS13).await;
    support.insert("TLSv1.3".to_string(), tls13);
    let mut tls12 = modern(prober, endpoint, &TLS12).await;
    if tls12 != VersionSupport::Accepted {
        // rustls lacks CBC and RSA key exchange; an old TLS 1.2 server may
        // still accept 1.2 with those suites.
        tls12 = tls12.max_known(old(prober, endpoint, LegacyVersion::Tls12).await);
    }
    support.insert("TLSv1.2".to_string(), tls12);
    for version in [
        LegacyVersion::Tls11,
        LegacyVersion::Tls10,
        LegacyVersion::Ssl3,
    ] {
        support.insert(
            version.name().to_string(),
            old(prober, endpoint, version).await,
        );
    }
    support
}

/// For each weak suite class: does the endpoint choose one of its suites
/// when offered nothing else (TLS 1.2 down to SSLv3)?
pub async fn weak_suites(prober: &Prober, endpoint: &Endpoint) -> BTreeMap<String, VersionSupport> {
    let mut support = BTreeMap::new();
    for &weakness in Weakness::VARIANTS {
        let answer = weak(prober, endpoint, weakness).await;
        support.insert(weakness.name().to_string(), answer);
    }
    support
}

/// One legacy hello offering only the suites with `weakness`; a server
/// that picks a suite it was not offered counts as refusing.
async fn weak(prober: &Prober, endpoint: &Endpoint, weakness: Weakness) -> VersionSupport {
    let deadline = Instant::now() + prober.settings.timeout;
    let Ok(mut socket) = connect::open(endpoint, deadline, prober.settings.connect_timeout).await
    else {
        return VersionSupport::Unknown;
    };
    let hello = LegacyHello {
        version: LegacyVersion::Tls12,
        sni: endpoint.sni.clone(),
        suites: SuiteOffer::Weak(weakness),
    };
    match timeout_at(deadline, legacy::server_choice(&mut socket, &hello)).await {
        Ok(Ok(Some((_, suite)))) if weakness.of(&SuiteFlags::of(suite)) => VersionSupport::Accepted,
        Ok(Ok(_)) => VersionSupport::Rejected,
        _ => VersionSupport::Unknown,
    }
}

/// One rustls handshake offering only `version`.
async fn modern(
    prober: &Prober,
    endpoint: &Endpoint,
    version: &'static SupportedProtocolVersion,
) -> VersionSupport {
    let deadline = Instant::now() + prober.settings.timeout;
    let Ok(mut socket) = connect::open(endpoint, deadline, prober.settings.connect_timeout).await
    else {
        return VersionSupport::Unknown;
    };
    let Ok((config, slot)) = capture::client_config(&prober.provider, SchemeOffer::All, &[version])
    else {
        return VersionSupport::Unknown;
    };
    let handshake = handshake::handshake(&mut socket, config, &slot, server_name(endpoint));
    let Ok(record) = timeout_at(deadline, handshake).await else {
        return VersionSupport::Unknown;
    };
    let wanted = version_name(version.version);
    if record.session.version.as_deref() == Some(wanted.as_str()) {
        return VersionSupport::Accepted;
    }
    match record.failure {
        Some(HandshakeFailure::Io(e)) if !super::classify::is_reset(e.kind()) => {
            VersionSupport::Unknown
        }
        _ => VersionSupport::Rejected,
    }
}

/// One legacy hello offering only `version`.
async fn old(prober: &Prober, endpoint: &Endpoint, version: LegacyVersion) -> VersionSupport {
    let deadline = Instant::now() + prober.settings.timeout;
    let Ok(mut socket) = connect::open(endpoint, deadline, prober.settings.connect_timeout).await
    else {
        return VersionSupport::Unknown;
    };
    let sni = endpoint.sni.as_deref();
    match timeout_at(deadline, legacy::accepts(&mut socket, version, sni)).await {
        Ok(Ok(true)) => VersionSupport::Accepted,
        Ok(Ok(false)) => VersionSupport::Rejected,
        _ => VersionSupport::Unknown,
    }
}

/// Combining two answers for one version: a definite answer beats unknown,
/// and accepted beats rejected.
trait Combine {
    fn max_known(self, other: VersionSupport) -> VersionSupport;
}

impl Combine for VersionSupport {
    fn max_known(self, other: VersionSupport) -> VersionSupport {
        use VersionSupport::*;
        match (self, other) {
            (Accepted, _) | (_, Accepted) => Accepted,
            (Rejected, _) | (_, Rejected) => Rejected,
            _ => Unknown,
        }
    }
}
