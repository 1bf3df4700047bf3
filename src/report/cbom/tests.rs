//! Unit tests of the CBOM writer: hostile certificate fields round-trip
//! as JSON strings, the same scan gives the same BOM, an unknown algorithm
//! is still emitted, the dependencies link certificate → key → algorithm
//! and protocol → certificate, and the BOM written through temporary
//! files, whatever their run size, is byte for byte the BOM built in
//! memory.

use serde_json::{json, Value};
use time::macros::datetime;

use super::{build, serial_number, write_cbom, write_cbom_of, CbomInput, CbomWriter, SpecVersion};
use crate::certs::CertificateView;
use crate::observation::{Observation, Outcome, SniSource, TlsSession};
use crate::store::{EndpointKey, EndpointLeaf, ScanId, ScanRecord, ScanStatus, StoredCertificate};

const HOSTILE: &str = "CN=\"quoted\" \u{1b}[31mred\u{7}\n</script><script>alert(1)</script>";

fn scan(id: i64) -> ScanRecord {
    ScanRecord {
        id: ScanId(id),
        started_at: datetime!(2026-06-01 12:00 UTC),
        finished_at: Some(datetime!(2026-06-01 12:02 UTC)),
        status: ScanStatus::Complete,
        targets: vec!["127.0.0.1".into()],
        options: json!({}),
        tool_version: "0.1.0".into(),
        pid: 7,
        host: "scanner".into(),
        summary: None,
        observations: 1,
    }
}

fn name(dn: &str) -> Value {
    json!({"dn": dn, "common_names": [], "organizations": [], "organizational_units": [],
           "emails": [], "der_sha256": "00"})
}

/// A certificate view with `subject`, key algorithm `key` and signature OID `sig_oid`.
fn view(sha: &str, subject: &str, key: Value, sig_oid: &str) -> CertificateView {
    serde_json::from_value(json!({
        "sha256": sha, "spki_sha256": format!("{sha}-spki"), "version": 3, "serial": "1f",
        "subject": name(subject), "issuer": name("CN=Issuer"),
        "not_before": "2026-01-01T00:00:00Z", "not_after": "2027-01-01T00:00:00Z",
        "san": {"dns": [], "ip": [], "email": [], "uri": []},
        "key": {"algorithm": key, "bits": 2048, "curve": null},
        "signature_algorithm": {"name": sig_oid, "oid": sig_oid, "hash": null},
        "basic_constraints": null, "key_usage": [], "extended_key_usage": [],
        "ocsp_urls": [], "ca_issuer_urls": [], "crl_urls": [], "sct_count": 0,
        "subject_key_id": null, "authority_key_id": null, "self_signed": false
    }))
    .expect("view")
}

fn stored(view: CertificateView) -> StoredCertificate {
    StoredCertificate {
        sha256: view.sha256.clone(),
        der: vec![0x30, 0x00],
        view: Some(view),
        parse_error: None,
        first_seen: datetime!(2026-06-01 12:00 UTC),
        last_seen: datetime!(2026-06-01 12:00 UTC),
    }
}

fn leaf(sha: &str) -> EndpointLeaf {
    EndpointLeaf {
        endpoint: EndpointKey {
            address: "127.0.0.1".into(),
            port: 8443,
            sni: None,
        },
        host: "127.0.0.1".into(),
        sni_source: SniSource::None,
        names: Vec::new(),
        leaf_sha256: sha.into(),
        leaf: None,
        chain: vec![sha.into()],
        leaf_only_chain: false,
        observed_at: datetime!(2026-06-01 12:00 UTC),
    }
}

fn observation(der: Vec<u8>) -> Observation {
    Observation {
        host: "127.0.0.1".into(),
        address: Some("127.0.0.1".parse().expect("ip")),
        port: 8443,
        sni: None,
        sni_source: SniSource::None,
        starttls: None,
        signature_offer: None,
        started_at: datetime!(2026-06-01 12:00 UTC),
        duration_ms: 1.0,
        outcome: Outcome::Tls,
        tls: Some(TlsSession {
            version: Some("TLSv1.3".into()),
            cipher_suite: Some("TLS13_AES_256_GCM_SHA384".into()),
            key_exchange_group: Some("X25519MLKEM768".into()),
            ..TlsSession::default()
        }),
        chain_der: vec![der],
        verdict: None,
        versions: None,
        weak_suites: None,
        groups: None,
        leaf_only_chain: false,
    }
}

/// A BOM of one hostile certificate with an unknown key and signature
/// algorithm, served at one endpoint.
fn bom(spec: SpecVersion) -> Value {
    let der = vec![0x30, 0x00];
    let sha = crate::certs::sha256_hex(&der);
    let view = view(&sha, HOSTILE, json!({"other": "1.2.3.4.5"}), "1.2.3.4.6");
    bom_of(view, der, spec)
}

/// A BOM of the certificate `view` (DER `der`) served at one endpoint.
fn bom_of(view: CertificateView, der: Vec<u8>, spec: SpecVersion) -> Value {
    let sha = view.sha256.clone();
    let certificates = [stored(view)];
    let leaves = [leaf(&sha)];
    let observations = [observation(der)];
    let record = scan(3);
    let input = CbomInput {
        scan: &record,
        certificates: &certificates,
        leaves: &leaves,
        observations: &observations,
    };
    let mut out = Vec::new();
    write_cbom_of(&mut out, input, spec).expect("written");
    serde_json::from_slice(&out).expect("the CBOM is JSON")
}

fn component<'a>(bom: &'a Value, asset: &str) -> Vec<&'a Value> {
    let all = bom["components"].as_array().expect("components");
    all.iter()
        .filter(|c| c["cryptoProperties"]["assetType"] == asset)
        .collect()
}

#[test]
fn hostile_certificate_fields_round_trip_as_json_strings() {
    let bom = bom(SpecVersion::V1_6);
    let certificate = component(&bom, "certificate")[0];
    assert_eq!(certificate["name"], HOSTILE);
    let properties = &certificate["cryptoProperties"]["certificateProperties"];
    assert_eq!(properties["subjectName"], HOSTILE);
    assert_eq!(properties["issuerName"], "CN=Issuer");
}

#[test]
fn the_same_scan_gives_the_same_bom_and_other_scans_other_serials() {
    assert_eq!(bom(SpecVersion::V1_6), bom(SpecVersion::V1_6));
    let serial = serial_number(&scan(3));
    assert_ne!(serial, serial_number(&scan(4)));
    let mut moved = scan(3);
    moved.started_at += time::Duration::seconds(1);
    assert_ne!(serial, serial_number(&moved));
    let uuid = serial.strip_prefix("urn:uuid:").expect("urn");
    assert_eq!(uuid.len(), 36);
    assert_eq!(&uuid[14..15], "8", "version 8");
    assert!("89ab".contains(&uuid[19..20]), "RFC variant: {uuid}");
    assert_eq!(
        bom(SpecVersion::V1_6)["metadata"]["timestamp"],
        "2026-06-01T12:00:00Z"
    );
}

#[test]
fn unknown_algorithms_are_emitted_with_their_oid() {
    let bom = bom(SpecVersion::V1_6);
    let algorithms = component(&bom, "algorithm");
    for oid in ["1.2.3.4.5", "1.2.3.4.6"] {
        let found = algorithms
            .iter()
            .find(|a| a["cryptoProperties"]["oid"] == oid)
            .unwrap_or_else(|| panic!("no algorithm with OID {oid}"));
        let properties = &found["cryptoProperties"]["algorithmProperties"];
        assert_eq!(properties["primitive"], "unknown");
        assert!(properties.get("nistQuantumSecurityLevel").is_none());
    }
}

#[test]
fn dependencies_link_certificate_key_algorithm_and_protocol() {
    let bom = bom(SpecVersion::V1_7);
    let depends = |from: &str| -> Vec<String> {
        let all = bom["dependencies"].as_array().expect("dependencies");
        let found = all.iter().find(|d| d["ref"] == from).expect("a dependency");
        serde_json::from_value(found["dependsOn"].clone()).expect("refs")
    };
    let certificate = component(&bom, "certificate")[0];
    let cert_ref = certificate["bom-ref"].as_str().expect("ref");
    let properties = &certificate["cryptoProperties"]["certificateProperties"];
    let key_ref = properties["subjectPublicKeyRef"].as_str().expect("key ref");
    let signature_ref = properties["signatureAlgorithmRef"]
        .as_str()
        .expect("sig ref");
    assert_eq!(depends(cert_ref), {
        let mut both = vec![key_ref.to_string(), signature_ref.to_string()];
        both.sort();
        both
    });
    let key = component(&bom, "related-crypto-material")[0];
    let algorithm = key["cryptoProperties"]["relatedCryptoMaterialProperties"]["algorithmRef"]
        .as_str()
        .expect("algorithm ref");
    assert_eq!(depends(key_ref), [algorithm]);
    let protocol = component(&bom, "protocol")[0];
    let protocol_ref = protocol["bom-ref"].as_str().expect("ref");
    assert!(depends(protocol_ref).contains(&cert_ref.to_string()));
    let tls = &protocol["cryptoProperties"]["protocolProperties"];
    assert_eq!(tls["version"], "1.3");
    assert_eq!(tls["cipherSuites"][0]["tlsGroups"][0], "X25519MLKEM768");
    let occurrence = &protocol["evidence"]["occurrences"][0];
    assert_eq!(occurrence["location"], "tcp://127.0.0.1:8443");
    let hybrid = component(&bom, "algorithm")
        .into_iter()
        .find(|a| a["name"] == "X25519MLKEM768")
        .expect("the hybrid group is an algorithm");
    let level = &hybrid["cryptoProperties"]["algorithmProperties"]["nistQuantumSecurityLevel"];
    assert_eq!(level, 3);
}

#[test]
fn a_post_quantum_certificate_names_its_algorithm_and_level() {
    let der = vec![0x30, 0x01];
    let sha = crate::certs::sha256_hex(&der);
    let oid = "2.16.840.1.101.3.4.3.18";
    let mut view = view(&sha, "CN=pq", json!({"post_quantum": "ML-DSA-65"}), oid);
    view.signature_algorithm.name = "ML-DSA-65".into();
    view.key.bits = 0;
    let bom = bom_of(view, der, SpecVersion::V1_6);
    let algorithms = component(&bom, "algorithm");
    let ml_dsa: Vec<&&Value> = algorithms
        .iter()
        .filter(|a| a["name"] == "ML-DSA-65")
        .collect();
    assert_eq!(
        ml_dsa.len(),
        1,
        "key and signature share one algorithm component"
    );
    assert_eq!(ml_dsa[0]["cryptoProperties"]["oid"], oid);
    let properties = &ml_dsa[0]["cryptoProperties"]["algorithmProperties"];
    assert_eq!(properties["primitive"], "signature");
    assert_eq!(properties["parameterSetIdentifier"], "65");
    assert_eq!(properties["nistQuantumSecurityLevel"], 3);
}

#[test]
fn the_bom_written_through_temporary_files_is_the_bom_built_in_memory() {
    // two leaves under one CA, one leaf at two endpoints (its occurrences
    // merge), one served by name, keys and algorithms shared
    let der = |n: u8| vec![0x30, n];
    let sha = |n: u8| crate::certs::sha256_hex(&der(n));
    let rsa = json!("rsa");
    let mut ca = view(&sha(1), "CN=Issuer", rsa.clone(), "1.2.840.113549.1.1.11");
    ca.spki_sha256 = "ca-spki".into();
    let mut first = view(&sha(2), "CN=one", rsa.clone(), "1.2.840.113549.1.1.11");
    first.spki_sha256 = "shared-spki".into();
    let mut second = view(&sha(3), "CN=two", json!("ec"), "1.2.840.10045.4.3.2");
    second.key.curve = Some("P-256".into());
    let mut third = view(&sha(4), "CN=three", rsa, "1.2.840.113549.1.1.11");
    third.spki_sha256 = "shared-spki".into();
    third.key.bits = 4096; // the same algorithm name, another size: the first wins
    let certificates: Vec<StoredCertificate> = [(ca, 1), (first, 2), (second, 3), (third, 4)]
        .into_iter()
        .map(|(view, n)| StoredCertificate {
            der: der(n),
            ..stored(view)
        })
        .collect();
    let deployed = |n: u8, address: &str, sni: Option<&str>| {
        let mut leaf = leaf(&sha(n));
        leaf.endpoint.address = address.into();
        leaf.endpoint.sni = sni.map(str::to_string);
        leaf.chain = vec![sha(n), sha(1)];
        let mut seen = observation(der(n));
        seen.address = Some(address.parse().expect("ip"));
        seen.host = address.into();
        seen.sni = sni.map(str::to_string);
        seen.chain_der.push(der(1));
        (leaf, seen)
    };
    let (leaves, mut observations): (Vec<EndpointLeaf>, Vec<Observation>) = [
        deployed(2, "127.0.0.2", None),
        deployed(3, "127.0.0.3", None),
        deployed(2, "127.0.0.4", None),
        deployed(4, "127.0.0.4", Some("three.test")),
        // a second default chain there: the CA occurs there twice alike
        deployed(3, "127.0.0.4", None),
    ]
    .into_iter()
    .unzip();
    // a probe seen twice, and one of another cipher suite
    observations.push(observations[0].clone());
    let mut other = observations[1].clone();
    if let Some(tls) = &mut other.tls {
        tls.cipher_suite = Some("TLS13_AES_128_GCM_SHA256".into());
    }
    observations.push(other);
    let record = scan(3);
    let input = CbomInput {
        scan: &record,
        certificates: &certificates,
        leaves: &leaves,
        observations: &observations,
    };
    for spec in [SpecVersion::V1_6, SpecVersion::V1_7] {
        let mut whole = Vec::new();
        write_cbom(&mut whole, &build(input, spec)).expect("built");
        let whole = String::from_utf8(whole).expect("utf-8");
        assert!(
            whole.contains("\"occurrences\""),
            "the fixture has evidence"
        );
        for run_bytes in [1, 700, 5000, usize::MAX] {
            let mut writer = CbomWriter::with_run_bytes(&record, spec, run_bytes);
            certificates.iter().for_each(|c| writer.certificate(c));
            // the deployments come a page at a time, as the store reads them
            writer.deployments(&leaves[..2], &observations);
            writer.deployments(&leaves[2..], &observations);
            let mut streamed = Vec::new();
            writer.finish(&mut streamed).expect("written");
            assert_eq!(
                String::from_utf8(streamed).expect("utf-8"),
                whole,
                "{spec:?}, runs of {run_bytes} bytes"
            );
        }
        // nothing at all is the empty BOM
        let empty = CbomInput {
            scan: &record,
            certificates: &[],
            leaves: &[],
            observations: &[],
        };
        let (mut built, mut streamed) = (Vec::new(), Vec::new());
        write_cbom(&mut built, &build(empty, spec)).expect("built");
        write_cbom_of(&mut streamed, empty, spec).expect("written");
        assert_eq!(streamed, built);
    }
}
