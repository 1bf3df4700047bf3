//! Probes: one endpoint in, its observations out.
//!
//! This module owns everything that talks to a peer: the connection and
//! STARTTLS ([`connect`], [`starttls`]), the handshake through the TLS
//! stack's capturing client (`crate::tls::capture`, `crate::tls::handshake`)
//! and what its record means ([`classify`]), the legacy ClientHello for
//! servers rustls cannot talk to ([`legacy`]), the accepted-version sweep
//! (`versions`), the accepted-group sweep ([`groups`]) and the strict
//! verdict computed afterwards ([`verdict`]).
//! A probe never fails: every way a connection can go wrong is an
//! [`Outcome`], and nothing outlives the probe's deadline.

pub mod classify;
pub mod connect;
pub mod groups;
pub mod legacy;
pub mod starttls;
pub mod verdict;
mod versions;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant as Stopwatch};

use rustls::pki_types::{ServerName, UnixTime};
use time::OffsetDateTime;
use tokio::time::{timeout_at, Instant};

use crate::clock::Clock;
use crate::observation::{CaptureMethod, Observation, Outcome, Phase, SniSource, TlsSession};
use crate::tls::capture;
pub use crate::tls::capture::SchemeOffer;
use crate::tls::{handshake, CryptoProvider};
use classify::Attempt;
use legacy::{LegacyHello, LegacyVersion, SuiteOffer};
pub use starttls::Dialect;
pub use verdict::TrustStore;

/// One concrete thing to probe.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The target as named by the user (hostname or address text).
    pub host: String,
    /// The address to connect to.
    pub address: IpAddr,
    /// TCP port.
    pub port: u16,
    /// Server name to send in SNI, if any.
    pub sni: Option<String>,
    /// Where the SNI came from.
    pub sni_source: SniSource,
    /// STARTTLS dialect to speak before the handshake, if any.
    pub starttls: Option<Dialect>,
}

/// Limits and choices that apply to every probe.
#[derive(Debug, Clone)]
pub struct ProbeSettings {
    /// Deadline for the TCP connection alone.
    pub connect_timeout: Duration,
    /// Deadline for each connection's whole exchange.
    pub timeout: Duration,
    /// The clock observations are stamped with.
    pub clock: Clock,
    /// Verify chains as of this instant instead of the clock's now.
    pub verify_at: Option<UnixTime>,
    /// Retry with the legacy ClientHello when rustls cannot talk to a server.
    pub legacy_fallback: bool,
    /// Look for a second certificate of the other key family (`--all-certs`).
    pub all_certs: bool,
    /// Record which protocol versions are accepted (`--versions`).
    pub versions: bool,
    /// Record which key-exchange groups are accepted (`--groups`).
    pub groups: bool,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
            clock: Clock::real(),
            verify_at: None,
            legacy_fallback: true,
            all_certs: false,
            versions: false,
            groups: false,
        }
    }
}

/// Runs probes; cheap to share between tasks behind an `Arc`.
#[derive(Debug)]
pub struct Prober {
    provider: Arc<CryptoProvider>,
    trust: TrustStore,
    settings: ProbeSettings,
}

impl Prober {
    /// A prober verifying against `trust` with `settings`.
    pub fn new(trust: TrustStore, settings: ProbeSettings) -> Prober {
        Prober {
            provider: crate::tls::provider::scanning_provider(),
            trust,
            settings,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &ProbeSettings {
        &self.settings
    }

    /// Probes one endpoint: the main capture, then (as configured) the
    /// accepted versions and groups and a second certificate of the other
    /// key family.
    pub async fn probe(&self, endpoint: &Endpoint) -> Vec<Observation> {
        let mut main = self.observe(endpoint, SchemeOffer::All).await;
        // Only an endpoint that speaks TLS has versions to sweep.
        let speaks_tls = matches!(
            main.outcome,
            Outcome::Tls
                | Outcome::HandshakeFailed { .. }
                | Outcome::Reset {
                    phase: Phase::Handshake,
                    ..
                }
        );
        if self.settings.versions && speaks_tls {
            main.versions = Some(versions::accepted(self, endpoint).await);
            main.weak_suites = Some(versions::weak_suites(self, endpoint).await);
        }
        if self.settings.groups && speaks_tls {
            let legacy_only = main
                .tls
                .as_ref()
                .is_some_and(|t| t.capture == CaptureMethod::LegacyHello);
            main.groups = Some(groups::accepted(self, endpoint, legacy_only).await);
        }
        let second = match self.settings.all_certs && main.has_chain() {
            true => self.second_certificate(endpoint, &main).await,
            false => None,
        };
        std::iter::once(main).chain(second).collect()
    }

    /// Offers one key family at a time; returns the first capture whose
    /// leaf differs from `main`'s.
    async fn second_certificate(
        &self,
        endpoint: &Endpoint,
        main: &Observation,
    ) -> Option<Observation> {
        for (offer, name) in [
            (SchemeOffer::EcdsaOnly, "ecdsa"),
            (SchemeOffer::RsaOnly, "rsa"),
        ] {
            let mut other = self.observe(endpoint, offer).await;
            if other.has_chain() && other.chain_der.first() != main.chain_der.first() {
                other.signature_offer = Some(name.to_string());
                return Some(other);
            }
        }
        None
    }

    /// One capture, as an observation with its verdict.
    async fn observe(&self, endpoint: &Endpoint, offer: SchemeOffer) -> Observation {
        let started_at = self.settings.clock.now();
        let stopwatch = Stopwatch::now();
        let deadline = Instant::now() + self.settings.timeout;
        let (outcome, tls, chain_der) = self.capture(endpoint, offer, deadline).await;
        let verdict = (!chain_der.is_empty()).then(|| {
            let now = (self.settings.verify_at).unwrap_or_else(|| self.settings.clock.unix_now());
            let name = endpoint.sni.is_some().then(|| server_name(endpoint));
            self.trust.verdict(&chain_der, name.as_ref(), now)
        });
        Observation {
            host: endpoint.host.clone(),
            address: Some(endpoint.address),
            port: endpoint.port,
            sni: endpoint.sni.clone(),
            sni_source: endpoint.sni_source,
            starttls: endpoint.starttls.map(|d| d.name().to_string()),
            signature_offer: None,
            started_at,
            duration_ms: stopwatch.elapsed().as_secs_f64() * 1000.0,
            outcome,
            tls,
            chain_der,
            verdict,
            versions: None,
            weak_suites: None,
            groups: None,
            leaf_only_chain: false,
        }
    }

    /// The rustls attempt, then the legacy ClientHello when it failed the
    /// way old servers fail; the legacy result wins only with a chain.
    async fn capture(&self, endpoint: &Endpoint, offer: SchemeOffer, deadline: Instant) -> Attempt {
        let modern = self.modern(endpoint, offer, deadline).await;
        if !self.settings.legacy_fallback || !classify::wants_legacy_retry(&modern.0) {
            return modern;
        }
        self.legacy(endpoint, offer, deadline)
            .await
            .unwrap_or(modern)
    }

    /// A rustls TLS 1.3/1.2 handshake within `deadline`.
    async fn modern(&self, endpoint: &Endpoint, offer: SchemeOffer, deadline: Instant) -> Attempt {
        let connect_timeout = self.settings.connect_timeout;
        let mut socket = match connect::open(endpoint, deadline, connect_timeout).await {
            Ok(socket) => socket,
            Err(outcome) => return (outcome, None, Vec::new()),
        };
        let versions = crate::tls::ALL_VERSIONS;
        let (config, slot) = match capture::client_config(&self.provider, offer, versions) {
            Ok(pair) => pair,
            Err(e) => {
                return (
                    Outcome::Error {
                        reason: e.to_string(),
                    },
                    None,
                    Vec::new(),
                )
            }
        };
        let handshake = handshake::handshake(&mut socket, config, &slot, server_name(endpoint));
        match timeout_at(deadline, handshake).await {
            Ok(record) => classify::modern(record),
            Err(_) => {
                let chain = slot.lock().unwrap_or_else(|e| e.into_inner()).chain.clone();
                if chain.is_empty() {
                    let phase = Phase::Handshake;
                    return (Outcome::Timeout { phase }, None, chain);
                }
                let session = TlsSession {
                    error: Some("deadline expired after the certificate".into()),
                    ..TlsSession::default()
                };
                (Outcome::Tls, Some(session), chain)
            }
        }
    }

    /// Legacy ClientHellos, highest version first, stepping down while the
    /// server answers with an alert or a hang-up (version intolerance).
    async fn legacy(
        &self,
        endpoint: &Endpoint,
        offer: SchemeOffer,
        deadline: Instant,
    ) -> Option<Attempt> {
        let suites = match offer {
            SchemeOffer::All => SuiteOffer::Broad,
            SchemeOffer::EcdsaOnly => SuiteOffer::EcdsaOnly,
            SchemeOffer::RsaOnly => SuiteOffer::RsaOnly,
        };
        for version in [
            LegacyVersion::Tls12,
            LegacyVersion::Tls10,
            LegacyVersion::Ssl3,
        ] {
            let connect_timeout = self.settings.connect_timeout;
            let mut socket = connect::open(endpoint, deadline, connect_timeout)
                .await
                .ok()?;
            let sni = endpoint.sni.clone();
            let hello = LegacyHello {
                version,
                sni,
                suites,
            };
            let started = Stopwatch::now();
            match timeout_at(deadline, legacy::capture(&mut socket, &hello)).await {
                Ok(Ok(capture)) => {
                    let ms = started.elapsed().as_secs_f64() * 1000.0;
                    return Some(classify::legacy(capture, ms));
                }
                Ok(Err(e)) if classify::legacy_may_work_lower(&e) => continue,
                _ => return None,
            }
        }
        None
    }
}

/// An observation for a hostname that did not resolve, stamped `at`; `sni`
/// is the server name it would have sent, with its source.
pub fn unresolved(
    host: &str,
    port: u16,
    sni: (Option<String>, SniSource),
    outcome: Outcome,
    at: OffsetDateTime,
) -> Observation {
    let (sni, sni_source) = sni;
    Observation {
        host: host.to_string(),
        address: None,
        port,
        sni_source,
        sni,
        starttls: None,
        signature_offer: None,
        started_at: at,
        duration_ms: 0.0,
        outcome,
        tls: None,
        chain_der: Vec::new(),
        verdict: None,
        versions: None,
        weak_suites: None,
        groups: None,
        leaf_only_chain: false,
    }
}

/// The SNI to send: the requested name, or else the address (rustls then
/// sends no SNI). The strict verdict checks it only when a name was
/// requested.
fn server_name(endpoint: &Endpoint) -> ServerName<'static> {
    endpoint
        .sni
        .as_deref()
        .and_then(|n| ServerName::try_from(n.to_string()).ok())
        .unwrap_or(ServerName::IpAddress(endpoint.address.into()))
}
