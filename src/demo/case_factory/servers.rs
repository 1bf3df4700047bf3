//! The lab cases whose server is not a plain rustls server with one chain:
//! a server holding two certificates, an old server rustls cannot talk to,
//! and services reached through STARTTLS.

use std::sync::Arc;

use rcgen::KeyPair;

use super::super::blueprint::{probe_name, CaseBlueprint, CaseInfo};
use super::super::legacy_server::{Delivery, LegacyServer};
use super::super::pki::{self, LeafKey};
use super::super::server::Service;
use super::super::{CaseKind, LabError};
use super::{CaseFactory, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA};
use crate::probe::legacy::LegacyVersion;
use crate::probe::Dialect;
use crate::tls::server::{self as tls_config, ClientAuth, DualCertificate};
use crate::tls::{SupportedProtocolVersion, TLS12, TLS13};

impl CaseFactory {
    /// One address holding an ECDSA and an RSA certificate for the same
    /// name: the default probe gets the ECDSA chain, `--all-certs` also
    /// reveals the RSA one (`alternate`).
    pub(crate) fn dual_certificate(
        &self,
        info: CaseInfo,
        rsa_key: KeyPair,
    ) -> Result<CaseBlueprint, LabError> {
        let name = probe_name(info.name);
        let ecdsa_key = pki::p256_leaf_key()?;
        let rsa_key = LeafKey::Modern(rsa_key);
        let mut certified = Vec::new();
        let mut chains = Vec::new();
        for key in [&ecdsa_key, &rsa_key] {
            let chain = self.approved_chain(&name, key)?;
            let signing = key.to_rustls(&self.provider)?;
            certified.push(tls_config::certified_key(chain.clone(), signing)?);
            chains.push(chain);
        }
        let rsa = certified.pop().expect("two keys");
        let resolver = Arc::new(DualCertificate::new(
            certified.pop().expect("two keys"),
            rsa,
        ));
        let versions: &[&SupportedProtocolVersion] = &[&TLS13, &TLS12];
        let config =
            tls_config::server_config(&self.provider, versions, ClientAuth::NotRequired, resolver)?;
        let rsa_chain = chains.pop().expect("two chains");
        let probes = vec![(Some(name), chains.pop().expect("two chains"))];
        Ok(CaseBlueprint::tls(info, CaseKind::Tls, probes, config).with_alternate(rsa_chain))
    }

    /// An old server that speaks only TLS 1.0 with one CBC suite: rustls
    /// cannot talk to it, the legacy ClientHello captures its chain.
    pub(crate) fn legacy_tls10(&self, info: CaseInfo) -> Result<CaseBlueprint, LabError> {
        let key = pki::p256_leaf_key()?;
        let chain = self.approved_chain(&probe_name(info.name), &key)?;
        let server = LegacyServer {
            versions: LegacyVersion::Tls10..=LegacyVersion::Tls10,
            suite: TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
            chain: chain.iter().map(|c| c.to_vec()).collect(),
            delivery: Delivery::CertificateFragmented(700),
        };
        let probes = vec![(Some(probe_name(info.name)), chain)];
        let service = Service::Legacy(Arc::new(server));
        Ok(CaseBlueprint::with_service(
            info,
            CaseKind::Legacy,
            probes,
            service,
        ))
    }

    /// A service that offers TLS only through `dialect`'s STARTTLS.
    pub(crate) fn starttls(
        &self,
        info: CaseInfo,
        dialect: Dialect,
    ) -> Result<CaseBlueprint, LabError> {
        let validity = self.standard_validity();
        let (chain, certified) = self.certified_chain(&probe_name(info.name), &[], validity)?;
        let resolver = tls_config::single_certificate(certified);
        let versions: &[&SupportedProtocolVersion] = &[&TLS13, &TLS12];
        let config =
            tls_config::server_config(&self.provider, versions, ClientAuth::NotRequired, resolver)?;
        let probes = vec![(Some(probe_name(info.name)), chain)];
        let service = Service::StartTls(dialect, config);
        Ok(
            CaseBlueprint::with_service(info, CaseKind::StartTls, probes, service)
                .speaking(dialect),
        )
    }
}
