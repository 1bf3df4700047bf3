//! How each kind of lab case is built: which leaf is issued (key, name, validity, issuer),
//! which chain the server sends and how its TLS server is configured.

use std::sync::Arc;

use rcgen::KeyPair;
use rustls::pki_types::CertificateDer;
use time::{Duration, OffsetDateTime};

use super::blueprint::{probe_name, CaseBlueprint, CaseInfo};
use super::legacy_sign::resign_with_sha1;
use super::pki::{self, Hierarchies, LeafKey, LeafRequest, Validity};
use crate::tls::server::{
    self as tls_config, CertifiedKey, ClientAuth, Renewable, ResolvesServerCert, SniRouting,
};
use crate::tls::{CryptoProvider, SupportedProtocolVersion, TLS12, TLS13};

/// The subject CN of the `hostile-subject` case.
pub const HOSTILE_COMMON_NAME: &str =
    "=HYPERLINK(\"https://evil.example\")\u{1b}[31m<script>alert(1)</script>\u{202e}";

/// A served chain and the rustls pairing of its leaf with the leaf's key.
pub(crate) type CertifiedChain = (Vec<CertificateDer<'static>>, Arc<CertifiedKey>);

mod servers;

/// The legacy lab server's one suite (0xc009).
const TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: u16 = 0xc009;
use super::{CaseKind, LabError, LAB_DOMAIN};

/// Which certificates a server sends after an approved leaf.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ChainShape {
    /// Leaf, then the issuing CA (the correct chain).
    WithIssuing,
    /// The leaf alone.
    LeafOnly,
    /// Leaf, issuing CA and the root.
    WithRoot,
}

/// How a case's TLS server behaves beyond the chain it sends.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ServerProfile {
    /// TLS 1.3 and 1.2, no client certificate.
    Standard,
    /// TLS 1.2 only, no client certificate.
    Tls12Only,
    /// TLS 1.3 and 1.2, client certificate from the approved root mandatory.
    ClientCertRequired,
}

/// Builds cases from the lab's hierarchies and crypto provider.
pub(crate) struct CaseFactory {
    now: OffsetDateTime,
    pki: Hierarchies,
    provider: Arc<CryptoProvider>,
}

impl CaseFactory {
    /// A factory issuing from `pki` with validity relative to `now`.
    pub(crate) fn new(now: OffsetDateTime, pki: Hierarchies) -> Self {
        let provider = crate::tls::provider::default_provider();
        Self { now, pki, provider }
    }

    /// DER of the approved root and of the shadow root.
    pub(crate) fn root_ders(&self) -> (Vec<u8>, Vec<u8>) {
        let approved = self.pki.approved_root.der().to_vec();
        (approved, self.pki.shadow_root.der().to_vec())
    }

    /// A leaf for `key` from the approved issuing CA, complete chain, standard server.
    pub(crate) fn issued(&self, info: CaseInfo, key: LeafKey) -> Result<CaseBlueprint, LabError> {
        let chain = self.approved_chain(&probe_name(info.name), &key)?;
        self.serve_chain(info, chain, &key, ServerProfile::Standard)
    }

    /// An approved leaf whose signature is re-done as sha1WithRSAEncryption.
    pub(crate) fn sha1_signed(
        &self,
        info: CaseInfo,
        key: KeyPair,
    ) -> Result<CaseBlueprint, LabError> {
        let key = LeafKey::Modern(key);
        let sha256_signed =
            self.approved_leaf(&probe_name(info.name), &key, self.standard_validity())?;
        let issuer_key = self.pki.issuing_ca_rsa_key()?;
        let leaf = resign_with_sha1(&sha256_signed, issuer_key.rsa_key())?;
        let chain = self.chain(leaf.into(), ChainShape::WithIssuing);
        self.serve_chain(info, chain, &key, ServerProfile::Standard)
    }

    /// An approved leaf valid from `now + start_days` until `now + end_days`.
    pub(crate) fn validity_case(
        &self,
        info: CaseInfo,
        start_days: i64,
        end_days: i64,
    ) -> Result<CaseBlueprint, LabError> {
        let key = pki::p256_leaf_key()?;
        let validity = Validity::new(
            self.now + Duration::days(start_days),
            self.now + Duration::days(end_days),
        );
        let leaf = self.approved_leaf(&probe_name(info.name), &key, validity)?;
        let chain = self.chain(leaf, ChainShape::WithIssuing);
        self.serve_chain(info, chain, &key, ServerProfile::Standard)
    }

    /// An approved leaf for `certified_name`, probed under the case's own name.
    pub(crate) fn wrong_host(
        &self,
        info: CaseInfo,
        certified_name: &str,
    ) -> Result<CaseBlueprint, LabError> {
        let key = pki::p256_leaf_key()?;
        let leaf = self.approved_leaf(certified_name, &key, self.standard_validity())?;
        let chain = self.chain(leaf, ChainShape::WithIssuing);
        self.serve_chain(info, chain, &key, ServerProfile::Standard)
    }

    /// An approved leaf served with the given chain `shape`.
    pub(crate) fn chain_case(
        &self,
        info: CaseInfo,
        shape: ChainShape,
    ) -> Result<CaseBlueprint, LabError> {
        let key = pki::p256_leaf_key()?;
        let leaf = self.approved_leaf(&probe_name(info.name), &key, self.standard_validity())?;
        self.serve_chain(info, self.chain(leaf, shape), &key, ServerProfile::Standard)
    }

    /// An approved leaf and complete chain served by a server with the given `profile`.
    pub(crate) fn profile_case(
        &self,
        info: CaseInfo,
        profile: ServerProfile,
    ) -> Result<CaseBlueprint, LabError> {
        let key = pki::p256_leaf_key()?;
        let chain = self.approved_chain(&probe_name(info.name), &key)?;
        self.serve_chain(info, chain, &key, profile)
    }

    /// One address, one certificate per SNI `<label>.lab.certatlas.test`, and the case's
    /// own certificate (also naming the routed names) as the default for clients without
    /// (or with another) SNI.
    pub(crate) fn sni_routing(
        &self,
        info: CaseInfo,
        routed_labels: [&str; 2],
    ) -> Result<CaseBlueprint, LabError> {
        let default_name = probe_name(info.name);
        let routed: Vec<String> = routed_labels
            .iter()
            .map(|label| format!("{label}.{LAB_DOMAIN}"))
            .collect();
        // Like many real default certificates, it also lists the names the
        // server routes, which is what `--sni-discover` follows.
        let (default_chain, default) =
            self.certified_chain(&default_name, &routed, self.standard_validity())?;
        let mut probes = vec![(None, default_chain)];
        let mut routes = Vec::new();
        for name in routed {
            let (chain, certified) = self.certified_chain(&name, &[], self.standard_validity())?;
            routes.push((name.clone(), certified));
            probes.push((Some(name), chain));
        }
        let resolver = Arc::new(SniRouting::new(routes, default));
        let config = tls_config::server_config(
            &self.provider,
            &[&TLS13, &TLS12],
            ClientAuth::NotRequired,
            resolver,
        )?;
        Ok(CaseBlueprint::tls(info, CaseKind::Tls, probes, config))
    }

    /// An approved leaf whose subject CN is hostile text: a spreadsheet
    /// formula, an ANSI escape, HTML and a bidi override. Every output must
    /// show it as inert text.
    pub(crate) fn hostile_subject(&self, info: CaseInfo) -> Result<CaseBlueprint, LabError> {
        let key = pki::p256_leaf_key()?;
        let dns_name = probe_name(info.name);
        let request = LeafRequest {
            dns_name: &dns_name,
            validity: self.standard_validity(),
            other_names: &[],
            subject_cn: Some(HOSTILE_COMMON_NAME),
        };
        let leaf = pki::issue_leaf(request, &key, &self.pki.issuing_ca)?;
        let chain = self.chain(leaf, ChainShape::WithIssuing);
        self.serve_chain(info, chain, &key, ServerProfile::Standard)
    }

    /// A self-signed leaf that is not a CA.
    pub(crate) fn self_signed(&self, info: CaseInfo) -> Result<CaseBlueprint, LabError> {
        let key_pair = pki::p256_key_pair()?;
        let dns_name = probe_name(info.name);
        let request = LeafRequest {
            dns_name: &dns_name,
            validity: self.standard_validity(),
            other_names: &[],
            subject_cn: None,
        };
        let leaf = pki::self_signed_leaf(request, &key_pair)?;
        self.serve_chain(
            info,
            vec![leaf],
            &LeafKey::Modern(key_pair),
            ServerProfile::Standard,
        )
    }

    /// A leaf issued directly by the shadow root, chain [leaf, shadow root].
    pub(crate) fn shadow_ca(&self, info: CaseInfo) -> Result<CaseBlueprint, LabError> {
        let key = pki::p256_leaf_key()?;
        let dns_name = probe_name(info.name);
        let request = LeafRequest {
            dns_name: &dns_name,
            validity: self.standard_validity(),
            other_names: &[],
            subject_cn: None,
        };
        let leaf = pki::issue_leaf(request, &key, &self.pki.shadow_root)?;
        let chain = vec![leaf, self.pki.shadow_root.der().clone()];
        self.serve_chain(info, chain, &key, ServerProfile::Standard)
    }

    /// A case whose server always sends `chain`, probed once with SNI `<case>.lab.certatlas.test`.
    fn serve_chain(
        &self,
        info: CaseInfo,
        chain: Vec<CertificateDer<'static>>,
        key: &LeafKey,
        profile: ServerProfile,
    ) -> Result<CaseBlueprint, LabError> {
        let certified = tls_config::certified_key(chain.clone(), key.to_rustls(&self.provider)?)?;
        let (versions, client_auth, kind): (&[&SupportedProtocolVersion], _, _) = match profile {
            ServerProfile::Standard => (&[&TLS13, &TLS12], ClientAuth::NotRequired, CaseKind::Tls),
            ServerProfile::Tls12Only => (&[&TLS12], ClientAuth::NotRequired, CaseKind::Tls),
            ServerProfile::ClientCertRequired => {
                let root = self.pki.approved_root.der().clone();
                (
                    &[&TLS13, &TLS12],
                    ClientAuth::RequiredFrom(root),
                    CaseKind::ClientCertRequired,
                )
            }
        };
        let renewable = Arc::new(Renewable::new(certified));
        let resolver: Arc<dyn ResolvesServerCert> = renewable.clone();
        let config = tls_config::server_config(&self.provider, versions, client_auth, resolver)?;
        let probes = vec![(Some(probe_name(info.name)), chain)];
        Ok(CaseBlueprint::tls(info, kind, probes, config).renewable_through(renewable))
    }

    /// A fresh key, an approved leaf for `dns_name` (and `other_names`) with
    /// `validity`, its complete chain, and the rustls pairing of the two.
    fn certified_chain(
        &self,
        dns_name: &str,
        other_names: &[String],
        validity: Validity,
    ) -> Result<CertifiedChain, LabError> {
        let key = pki::p256_leaf_key()?;
        let leaf = self.approved_leaf_naming(dns_name, other_names, &key, validity)?;
        let chain = self.chain(leaf, ChainShape::WithIssuing);
        let certified = tls_config::certified_key(chain.clone(), key.to_rustls(&self.provider)?)?;
        Ok((chain, certified))
    }

    /// A standard approved leaf for `dns_name` and its chain with the
    /// issuing CA, as a well-configured server sends it.
    fn approved_chain(
        &self,
        dns_name: &str,
        key: &LeafKey,
    ) -> Result<Vec<CertificateDer<'static>>, LabError> {
        let leaf = self.approved_leaf(dns_name, key, self.standard_validity())?;
        Ok(self.chain(leaf, ChainShape::WithIssuing))
    }

    /// A leaf for `dns_name` issued by the approved issuing CA.
    fn approved_leaf(
        &self,
        dns_name: &str,
        key: &LeafKey,
        validity: Validity,
    ) -> Result<CertificateDer<'static>, LabError> {
        self.approved_leaf_naming(dns_name, &[], key, validity)
    }

    /// A leaf for `dns_name` and `other_names` from the approved issuing CA.
    fn approved_leaf_naming(
        &self,
        dns_name: &str,
        other_names: &[String],
        key: &LeafKey,
        validity: Validity,
    ) -> Result<CertificateDer<'static>, LabError> {
        let request = LeafRequest {
            dns_name,
            validity,
            other_names,
            subject_cn: None,
        };
        pki::issue_leaf(request, key, &self.pki.issuing_ca)
    }

    /// The chain a server sends for an approved `leaf`.
    fn chain(
        &self,
        leaf: CertificateDer<'static>,
        shape: ChainShape,
    ) -> Vec<CertificateDer<'static>> {
        let issuing = self.pki.issuing_ca.der().clone();
        match shape {
            ChainShape::WithIssuing => vec![leaf, issuing],
            ChainShape::LeafOnly => vec![leaf],
            ChainShape::WithRoot => vec![leaf, issuing, self.pki.approved_root.der().clone()],
        }
    }

    /// A renewal of case `name`'s certificate issued at `now`: a new key, the
    /// same name, valid for the standard 90 days from `now`, with its chain.
    pub(crate) fn renewal(
        &self,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<CertifiedChain, LabError> {
        let validity = Validity::new(now, now + Duration::days(90));
        self.certified_chain(&probe_name(name), &[], validity)
    }

    fn standard_validity(&self) -> Validity {
        Validity::standard_leaf(self.now)
    }
}
