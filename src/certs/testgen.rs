//! Test-only builders shared by the `certs` unit tests: rcgen certificates
//! (CA + leaf, foreign public keys), tiny DER encoders for hand-made
//! structures, and a deterministic RNG for the `rsa` crate.

use rcgen::{
    BasicConstraints as RcBasic, CertificateParams, CustomExtension, DnType, IsCa, KeyPair,
    PublicKeyData, SignatureAlgorithm as RcAlg,
};
use time::OffsetDateTime;

/// One DER TLV with a definite, minimal length.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    super::signed_by::der_tlv(tag, content)
}

/// SEQUENCE of already-encoded parts.
pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// OBJECT IDENTIFIER TLV from arcs.
pub(crate) fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        groups.reverse();
        body.extend(groups);
    }
    tlv(0x06, &body)
}

/// SubjectPublicKeyInfo from an encoded AlgorithmIdentifier and key bytes.
pub(crate) fn spki(alg_id: &[u8], key: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(key);
    seq(&[alg_id, &tlv(0x03, &bits)])
}

/// PKCS#1 RSAPublicKey with the given modulus content octets and e = 65537.
pub(crate) fn rsa_public_key(modulus: &[u8]) -> Vec<u8> {
    seq(&[&tlv(0x02, modulus), &tlv(0x02, &[1, 0, 1])])
}

/// Re-encodes the outer SEQUENCE of `der` with `extra` appended inside it.
pub(crate) fn append_inside_outer(der: &[u8], extra: &[u8]) -> Vec<u8> {
    let header_len = match der[1] {
        n if n < 0x80 => 2,
        n => 2 + usize::from(n & 0x7f),
    };
    let mut content = der[header_len..].to_vec();
    content.extend_from_slice(extra);
    tlv(0x30, &content)
}

/// AIA extension content with OCSP and caIssuers URIs.
pub(crate) fn aia_extension(ocsp: &[&str], ca_issuers: &[&str]) -> CustomExtension {
    let desc = |method: u64, uri: &str| {
        seq(&[
            &oid(&[1, 3, 6, 1, 5, 5, 7, 48, method]),
            &tlv(0x86, uri.as_bytes()),
        ])
    };
    let mut descs: Vec<Vec<u8>> = ocsp.iter().map(|u| desc(1, u)).collect();
    descs.extend(ca_issuers.iter().map(|u| desc(2, u)));
    let refs: Vec<&[u8]> = descs.iter().map(Vec::as_slice).collect();
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], seq(&refs))
}

/// The timestamp of SCT `i` in [`sct_extension`]: each one a minute
/// earlier than the one before, so the earliest is the last.
pub(crate) fn sct_timestamp_ms(i: usize) -> u64 {
    1_700_000_000_000 - 60_000 * i as u64
}

/// Embedded SCT list extension (RFC 6962 §3.3) holding `n` well-formed v1 SCTs.
pub(crate) fn sct_extension(n: usize) -> CustomExtension {
    let mut list = Vec::new();
    for i in 0..n {
        let mut sct = vec![0u8]; // v1
        sct.extend([i as u8; 32]); // log id
        sct.extend(sct_timestamp_ms(i).to_be_bytes()); // timestamp
        sct.extend([0, 0]); // no extensions
        sct.extend([4, 3, 0, 2, 0xab, 0xcd]); // sha256/ecdsa, 2-byte signature
        list.extend((sct.len() as u16).to_be_bytes());
        list.extend(sct);
    }
    let mut tls = (list.len() as u16).to_be_bytes().to_vec();
    tls.extend(list);
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 11129, 2, 4, 2], tlv(0x04, &tls))
}

/// A generated certificate with the parameters and key that produced it.
pub(crate) struct Issued {
    pub der: Vec<u8>,
    pub params: CertificateParams,
    pub key: KeyPair,
}

/// Second-precision UTC time, as certificates store it.
pub(crate) fn ymd(year: i32, month: u8, day: u8) -> OffsetDateTime {
    rcgen::date_time_ymd(year, month, day)
}

/// Self-signed CA "CertAtlas Test Root" with the given path length.
pub(crate) fn root_ca(alg: &'static RcAlg, path_len: u8) -> Issued {
    let key = KeyPair::generate_for(alg).expect("keygen");
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CountryName, "DE");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "CertAtlas Test");
    params
        .distinguished_name
        .push(DnType::CommonName, "CertAtlas Test Root");
    params.is_ca = IsCa::Ca(RcBasic::Constrained(path_len));
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    params.serial_number = Some(rcgen::SerialNumber::from(0x01_u64));
    params.not_before = ymd(2024, 1, 1);
    params.not_after = ymd(2034, 1, 1);
    let der = params.self_signed(&key).expect("self-sign").der().to_vec();
    Issued { der, params, key }
}

/// Signs `params` for `subject_key` with `ca`.
pub(crate) fn issue(
    params: &CertificateParams,
    subject_key: &impl PublicKeyData,
    ca: &Issued,
) -> Vec<u8> {
    let issuer = rcgen::Issuer::from_params(&ca.params, &ca.key);
    params
        .signed_by(subject_key, &issuer)
        .expect("sign")
        .der()
        .to_vec()
}

/// A public key rcgen can certify but did not generate (RSA via the `rsa`
/// crate, or hand-made key material).
pub(crate) struct ForeignKey {
    /// BIT STRING content of the SPKI (for RSA: PKCS#1 RSAPublicKey).
    pub key_bytes: Vec<u8>,
    /// Decides the SPKI AlgorithmIdentifier rcgen writes.
    pub alg: &'static RcAlg,
}

impl PublicKeyData for ForeignKey {
    fn der_bytes(&self) -> &[u8] {
        &self.key_bytes
    }
    fn algorithm(&self) -> &'static RcAlg {
        self.alg
    }
}

/// Deterministic SplitMix64 stream. Test-only: NOT a cryptographic RNG; it
/// exists because `rsa` needs a `CryptoRng` and no OS RNG feature is enabled.
pub(crate) struct TestRng(pub u64);

impl rsa::rand_core::RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let v = self.next_u64().to_be_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rsa::rand_core::CryptoRng for TestRng {}

/// SAN DNS names of [`leaf_params`].
pub(crate) const LEAF_DNS: [&str; 2] = ["www.example.test", "*.api.example.test"];
/// SAN IP addresses of [`leaf_params`].
pub(crate) const LEAF_IPS: [&str; 2] = ["192.0.2.10", "2001:db8::1"];
/// SAN rfc822Names of [`leaf_params`].
pub(crate) const LEAF_EMAILS: [&str; 1] = ["ops@example.test"];
/// SAN URIs of [`leaf_params`].
pub(crate) const LEAF_URIS: [&str; 1] = ["https://example.test/id"];
/// AIA OCSP URLs of [`leaf_params`].
pub(crate) const LEAF_OCSP: [&str; 1] = ["http://ocsp.example.test"];
/// AIA caIssuers URLs of [`leaf_params`].
pub(crate) const LEAF_CA_ISSUERS: [&str; 1] = ["http://ca.example.test/root.der"];
/// CRL distribution point URLs of [`leaf_params`].
pub(crate) const LEAF_CRLS: [&str; 2] = ["http://crl.example.test/a.crl", "ldap://crl.test/b"];
/// Number of SCTs embedded by [`leaf_params`].
pub(crate) const LEAF_SCTS: usize = 3;
/// Serial of [`leaf_params`] (high bit set: DER needs a leading 0x00).
pub(crate) const LEAF_SERIAL: u64 = 0x8a00_0000_0000_00f1;

/// A server leaf exercising every extension the view reads.
pub(crate) fn leaf_params() -> CertificateParams {
    use rcgen::{ExtendedKeyUsagePurpose as Eku, KeyUsagePurpose as Ku, SanType};
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name
        .push(DnType::OrganizationName, "Example Ops");
    p.distinguished_name
        .push(DnType::CommonName, "leaf.example.test");
    let ia5 = |s: &str| rcgen::string::Ia5String::try_from(s).expect("ia5");
    p.subject_alt_names = LEAF_DNS.iter().map(|d| SanType::DnsName(ia5(d))).collect();
    p.subject_alt_names.extend(
        LEAF_IPS
            .iter()
            .map(|ip| SanType::IpAddress(ip.parse().expect("ip"))),
    );
    p.subject_alt_names
        .extend(LEAF_EMAILS.iter().map(|e| SanType::Rfc822Name(ia5(e))));
    p.subject_alt_names
        .extend(LEAF_URIS.iter().map(|u| SanType::URI(ia5(u))));
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![Ku::DigitalSignature, Ku::KeyEncipherment];
    p.extended_key_usages = vec![Eku::ServerAuth, Eku::ClientAuth];
    p.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
        uris: LEAF_CRLS.iter().map(|u| (*u).to_string()).collect(),
    }];
    p.custom_extensions = vec![
        aia_extension(&LEAF_OCSP, &LEAF_CA_ISSUERS),
        sct_extension(LEAF_SCTS),
    ];
    p.use_authority_key_identifier_extension = true;
    p.serial_number = Some(rcgen::SerialNumber::from(LEAF_SERIAL));
    p.not_before = ymd(2025, 3, 1);
    p.not_after = ymd(2051, 6, 30); // GeneralizedTime (year >= 2050)
    p
}

/// A P-256 root and a P-256 leaf built from [`leaf_params`].
pub(crate) fn root_and_leaf() -> (Issued, Issued) {
    let ca = root_ca(&rcgen::PKCS_ECDSA_P256_SHA256, 0);
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen");
    let params = leaf_params();
    let der = issue(&params, &key, &ca);
    (ca, Issued { der, params, key })
}
