//! The lab's case table: every case's name and one-line description, and the order in
//! which cases get their addresses.

use rcgen::{KeyPair, PKCS_ED25519};
use time::OffsetDateTime;

use super::blueprint::{CaseBlueprint, CaseInfo};
use super::case_factory::{CaseFactory, ChainShape, ServerProfile};
use super::legacy_sign::LegacyRsaKey;
use super::pki::{self, Hierarchies, LeafKey};
use super::LabError;
use crate::probe::Dialect;

/// Banner of the `not-tls` case.
pub(crate) const NOT_TLS_BANNER: &[u8] = b"220 lab.certatlas.test ESMTP not-tls\r\n";

const fn info(name: &'static str, description: &'static str) -> CaseInfo {
    CaseInfo { name, description }
}

const GOOD_RSA: CaseInfo = info("good-rsa", "RSA-2048 leaf from the approved issuing CA");
const GOOD_ECDSA: CaseInfo = info(
    "good-ecdsa",
    "ECDSA P-256 leaf from the approved issuing CA",
);
const ED25519: CaseInfo = info("ed25519", "Ed25519 leaf from the approved issuing CA");
const RSA_1024: CaseInfo = info("rsa-1024", "RSA-1024 leaf key, below the 2048-bit minimum");
const SHA1_SIGNED: CaseInfo = info("sha1-signed", "leaf signed with sha1WithRSAEncryption");
const EXPIRED: CaseInfo = info("expired", "leaf expired 10 days ago");
const EXPIRING_SOON: CaseInfo = info("expiring-soon", "leaf expires in 10 days");
const WRONG_HOST: CaseInfo = info(
    "wrong-host",
    "leaf is for other.example.test, not this name",
);
const MISSING_INTERMEDIATE: CaseInfo = info(
    "missing-intermediate",
    "server sends only the leaf, without the issuing CA",
);
const ROOT_INCLUDED: CaseInfo = info("root-included", "server also sends the root it chains to");
const CLIENT_CERT_REQUIRED: CaseInfo = info(
    "client-cert-required",
    "mutual TLS: demands a client certificate from the approved root",
);
const SNI_ROUTING: CaseInfo = info(
    "sni-routing",
    "alpha/beta SNI get their own certificates, no SNI gets a default",
);
const SELF_SIGNED: CaseInfo = info("self-signed", "self-signed leaf (CA:FALSE), no issuer");
const SHADOW_CA: CaseInfo = info("shadow-ca", "leaf from the undeclared Shadow Private Root");
const TLS12_ONLY: CaseInfo = info("tls12-only", "server limited to TLS 1.2");
const DUAL_CERT: CaseInfo = info(
    "dual-cert",
    "one name, an ECDSA and an RSA certificate (--all-certs reveals both)",
);
const LEGACY_TLS10: CaseInfo = info(
    "legacy-tls10",
    "old server: TLS 1.0 only, one CBC suite (rustls cannot talk to it)",
);
const STARTTLS_SMTP: CaseInfo = info(
    "starttls-smtp",
    "mail server: TLS only through SMTP STARTTLS",
);
const STARTTLS_LDAP: CaseInfo = info(
    "starttls-ldap",
    "directory: TLS through the LDAP StartTLS operation",
);
const STARTTLS_POSTGRES: CaseInfo = info(
    "starttls-postgres",
    "database: TLS through the PostgreSQL SSLRequest",
);
const HOSTILE_SUBJECT: CaseInfo = info(
    "hostile-subject",
    "subject CN holds a formula, an ANSI escape, HTML and a bidi override",
);
const NOT_TLS: CaseInfo = info("not-tls", "plain-text SMTP-like banner, no TLS at all");

/// Everything generated for a lab, before its servers listen.
pub(crate) struct LabBlueprint {
    /// One entry per case, in address order.
    pub(crate) cases: Vec<CaseBlueprint>,
    /// DER of the approved root.
    pub(crate) approved_root_der: Vec<u8>,
    /// DER of the shadow root.
    pub(crate) shadow_root_der: Vec<u8>,
    /// The factory, kept to issue renewals while the lab runs.
    pub(crate) factory: CaseFactory,
}

/// Generates every key, certificate and server configuration of the lab (CPU-bound).
pub(crate) fn build_lab(now: OffsetDateTime) -> Result<LabBlueprint, LabError> {
    let keys = SlowKeys::generate()?;
    let factory = CaseFactory::new(now, Hierarchies::generate(now, keys.issuing_ca)?);
    let good_rsa_key = LeafKey::Modern(keys.good_rsa_leaf);
    let rsa_1024_key = LeafKey::Legacy(Box::new(keys.rsa_1024_leaf));
    let cases = vec![
        factory.issued(GOOD_RSA, good_rsa_key)?,
        factory.issued(GOOD_ECDSA, pki::p256_leaf_key()?)?,
        factory.issued(ED25519, LeafKey::generate(&PKCS_ED25519)?)?,
        factory.issued(RSA_1024, rsa_1024_key)?,
        factory.sha1_signed(SHA1_SIGNED, keys.sha1_leaf)?,
        factory.validity_case(EXPIRED, -400, -10)?,
        factory.validity_case(EXPIRING_SOON, -30, 10)?,
        factory.wrong_host(WRONG_HOST, "other.example.test")?,
        factory.chain_case(MISSING_INTERMEDIATE, ChainShape::LeafOnly)?,
        factory.chain_case(ROOT_INCLUDED, ChainShape::WithRoot)?,
        factory.profile_case(CLIENT_CERT_REQUIRED, ServerProfile::ClientCertRequired)?,
        factory.sni_routing(SNI_ROUTING, ["alpha", "beta"])?,
        factory.self_signed(SELF_SIGNED)?,
        factory.shadow_ca(SHADOW_CA)?,
        factory.profile_case(TLS12_ONLY, ServerProfile::Tls12Only)?,
        factory.dual_certificate(DUAL_CERT, keys.dual_rsa_leaf)?,
        factory.legacy_tls10(LEGACY_TLS10)?,
        factory.starttls(STARTTLS_SMTP, Dialect::Smtp)?,
        factory.starttls(STARTTLS_LDAP, Dialect::Ldap)?,
        factory.starttls(STARTTLS_POSTGRES, Dialect::Postgres)?,
        factory.hostile_subject(HOSTILE_SUBJECT)?,
        CaseBlueprint::banner(NOT_TLS, NOT_TLS_BANNER),
    ];
    let (approved_root_der, shadow_root_der) = factory.root_ders();
    Ok(LabBlueprint {
        cases,
        approved_root_der,
        shadow_root_der,
        factory,
    })
}

/// The keys that take tens of milliseconds each, generated on parallel threads.
struct SlowKeys {
    issuing_ca: KeyPair,
    good_rsa_leaf: KeyPair,
    sha1_leaf: KeyPair,
    dual_rsa_leaf: KeyPair,
    rsa_1024_leaf: LegacyRsaKey,
}

impl SlowKeys {
    fn generate() -> Result<Self, LabError> {
        std::thread::scope(|scope| {
            let rsa_1024_leaf = scope.spawn(|| LegacyRsaKey::generate(1024));
            let sha1_leaf = scope.spawn(pki::rsa_key_pair);
            let dual_rsa_leaf = scope.spawn(pki::rsa_key_pair);
            let issuing_ca = pki::rsa_key_pair()?;
            let good_rsa_leaf = pki::rsa_key_pair()?;
            Ok(Self {
                issuing_ca,
                good_rsa_leaf,
                sha1_leaf: join_key_thread(sha1_leaf.join())?,
                dual_rsa_leaf: join_key_thread(dual_rsa_leaf.join())?,
                rsa_1024_leaf: join_key_thread(rsa_1024_leaf.join())?,
            })
        })
    }
}

/// The result of a key-generation thread, with a panic turned into an error.
fn join_key_thread<T>(outcome: std::thread::Result<Result<T, LabError>>) -> Result<T, LabError> {
    outcome.unwrap_or_else(|_| Err(LabError::Generate("key generation panicked".into())))
}
