//! A lab case before it listens: its identity ([`CaseInfo`]), the probes
//! it expects and what its server does ([`CaseBlueprint`]), and the name it
//! is probed by ([`probe_name`]).

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;

use super::server::Service;
use super::{CaseKind, LabCase};

/// A case's identity: short name and one line for the demo output.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CaseInfo {
    /// Short identifier, also the first label of the probed server name.
    pub(crate) name: &'static str,
    /// One line for the demo output.
    pub(crate) description: &'static str,
}

/// A case before it has an address: its identity, probes and server behaviour.
pub(crate) struct CaseBlueprint {
    info: CaseInfo,
    kind: CaseKind,
    /// `(SNI to send, chain the server answers with)` for each probe.
    probes: Vec<(Option<String>, Vec<CertificateDer<'static>>)>,
    /// What the server does with each connection.
    pub(crate) service: Service,
    /// The STARTTLS dialect spoken before TLS, if any.
    starttls: Option<crate::probe::Dialect>,
    /// A second chain the server holds for the same name (dual certificates).
    alternate: Option<Vec<CertificateDer<'static>>>,
    /// The handle that replaces the served certificate, for renewable cases.
    pub(crate) renewable: Option<Arc<crate::tls::server::Renewable>>,
}

impl CaseBlueprint {
    /// A TLS case; `probes` pairs each SNI to probe with the chain served for it.
    pub(crate) fn tls(
        info: CaseInfo,
        kind: CaseKind,
        probes: Vec<(Option<String>, Vec<CertificateDer<'static>>)>,
        config: Arc<crate::tls::server::ServerConfig>,
    ) -> Self {
        Self::with_service(info, kind, probes, Service::Tls(config))
    }

    /// A TLS case whose server is `service` (legacy or STARTTLS servers).
    pub(crate) fn with_service(
        info: CaseInfo,
        kind: CaseKind,
        probes: Vec<(Option<String>, Vec<CertificateDer<'static>>)>,
        service: Service,
    ) -> Self {
        Self {
            info,
            kind,
            probes,
            service,
            starttls: None,
            alternate: None,
            renewable: None,
        }
    }

    /// The same case, whose certificate `renewable` can replace.
    pub(crate) fn renewable_through(
        mut self,
        renewable: Arc<crate::tls::server::Renewable>,
    ) -> Self {
        self.renewable = Some(renewable);
        self
    }

    /// The same case, speaking `dialect` before TLS.
    pub(crate) fn speaking(mut self, dialect: crate::probe::Dialect) -> Self {
        self.starttls = Some(dialect);
        self
    }

    /// A plain TCP case that sends `banner` (probed once, with its usual server name).
    pub(super) fn banner(info: CaseInfo, banner: &'static [u8]) -> Self {
        Self {
            info,
            kind: CaseKind::NotTls,
            probes: vec![(Some(probe_name(info.name)), Vec::new())],
            service: Service::Banner(banner),
            starttls: None,
            alternate: None,
            renewable: None,
        }
    }

    /// The same case, also holding `chain` as a second certificate.
    pub(crate) fn with_alternate(mut self, chain: Vec<CertificateDer<'static>>) -> Self {
        self.alternate = Some(chain);
        self
    }

    /// The public description of this case once it listens on `address`.
    pub(crate) fn into_lab_case(self, address: SocketAddr) -> LabCase {
        let (server_names, expected_chains) = self
            .probes
            .into_iter()
            .map(|(name, chain)| (name, chain.iter().map(|der| der.to_vec()).collect()))
            .unzip();
        LabCase {
            name: self.info.name,
            description: self.info.description,
            address,
            server_names,
            expected_chains,
            starttls: self.starttls,
            alternate_chain: self
                .alternate
                .map(|chain| chain.iter().map(|der| der.to_vec()).collect()),
            kind: self.kind,
        }
    }
}

/// The SNI a case is probed with: `<case>.lab.certatlas.test`.
pub(crate) fn probe_name(case: &str) -> String {
    format!("{case}.{}", super::LAB_DOMAIN)
}
