//! Tests of the ClientHello builder: each hello is parsed back with `tls-parser`.

use tls_parser::{
    parse_tls_client_hello_extensions, parse_tls_plaintext, TlsExtension, TlsExtensionType,
    TlsMessage, TlsMessageHandshake,
};

use super::*;
use crate::probe::legacy::SuiteOffer;
use strum::VariantArray;

/// What a parsed hello contains.
struct Parsed {
    record_version: u16,
    client_version: u16,
    random: Vec<u8>,
    suites: Vec<u16>,
    /// Extension numbers, in order; `None` when the hello has no extension block.
    extension_types: Option<Vec<u16>>,
    sni: Option<Vec<u8>>,
    /// Length of the padding extension's data, if the hello has one.
    padding: Option<usize>,
    /// Handshake message length with its 4-byte header.
    message_len: usize,
}

fn parse(record: &[u8]) -> Parsed {
    let (rest, plaintext) = parse_tls_plaintext(record).expect("hello record parses");
    assert!(rest.is_empty(), "one record, nothing after it");
    let [TlsMessage::Handshake(TlsMessageHandshake::ClientHello(hello))] = &plaintext.msg[..]
    else {
        panic!("expected one ClientHello, got {:?}", plaintext.msg);
    };
    let extensions = hello.ext.map(|ext| {
        let (rest, parsed) = parse_tls_client_hello_extensions(ext).expect("extensions parse");
        assert!(rest.is_empty());
        parsed
    });
    let sni = extensions.iter().flatten().find_map(|ext| match ext {
        TlsExtension::SNI(names) => names.first().map(|(_, name)| name.to_vec()),
        _ => None,
    });
    let padding = extensions.iter().flatten().find_map(|ext| match ext {
        TlsExtension::Padding(data) => Some(data.len()),
        _ => None,
    });
    Parsed {
        record_version: plaintext.hdr.version.0,
        client_version: hello.version.0,
        random: hello.random.to_vec(),
        suites: hello.ciphers.iter().map(|id| id.0).collect(),
        extension_types: extensions.map(|list| {
            list.iter()
                .map(|ext| u16::from(TlsExtensionType::from(ext)))
                .collect()
        }),
        sni,
        padding,
        message_len: record.len() - 5,
    }
}

fn hello(version: LegacyVersion, sni: Option<&str>, suites: SuiteOffer) -> LegacyHello {
    LegacyHello {
        version,
        sni: sni.map(str::to_string),
        suites,
    }
}

#[test]
fn versions_random_and_suites_are_as_offered() {
    let random: [u8; 32] = std::array::from_fn(|i| i as u8 * 7);
    for &version in LegacyVersion::VARIANTS {
        for offer in [
            SuiteOffer::Broad,
            SuiteOffer::RsaOnly,
            SuiteOffer::EcdsaOnly,
        ] {
            let parsed = parse(&client_hello_record(&hello(version, None, offer), &random));
            let expected_record = version.min(LegacyVersion::Tls10).wire();
            assert_eq!(parsed.record_version, expected_record, "{version}");
            assert_eq!(parsed.client_version, version.wire());
            assert_eq!(parsed.random, random.to_vec());
            assert_eq!(parsed.suites, suites::offered(offer));
        }
    }
}

#[test]
fn sslv3_hello_has_no_extensions_and_tls_hellos_have_the_expected_ones() {
    let random = [9u8; 32];
    let ssl3 = parse(&client_hello_record(
        &hello(LegacyVersion::Ssl3, Some("a.example"), SuiteOffer::Broad),
        &random,
    ));
    assert_eq!(ssl3.extension_types, None);
    for version in [
        LegacyVersion::Tls10,
        LegacyVersion::Tls11,
        LegacyVersion::Tls12,
    ] {
        let record = client_hello_record(&hello(version, None, SuiteOffer::Broad), &random);
        let types = parse(&record)
            .extension_types
            .expect("TLS hellos have extensions");
        for wanted in [
            EXT_SUPPORTED_GROUPS,
            EXT_EC_POINT_FORMATS,
            EXT_RENEGOTIATION_INFO,
        ] {
            assert!(
                types.contains(&wanted),
                "{version} lacks extension {wanted}"
            );
        }
        let has_signature_algorithms = types.contains(&EXT_SIGNATURE_ALGORITHMS);
        assert_eq!(has_signature_algorithms, version == LegacyVersion::Tls12);
        assert!(!types.contains(&EXT_SERVER_NAME));
    }
}

#[test]
fn server_name_is_sent_for_dns_names_only() {
    let random = [1u8; 32];
    let with_name = |sni: &str| {
        let hello = hello(LegacyVersion::Tls12, Some(sni), SuiteOffer::Broad);
        parse(&client_hello_record(&hello, &random)).sni
    };
    assert_eq!(
        with_name("www.example.com"),
        Some(b"www.example.com".to_vec())
    );
    assert_eq!(
        with_name("www.example.com."),
        Some(b"www.example.com".to_vec())
    );
    assert_eq!(with_name("192.0.2.7"), None);
    assert_eq!(with_name("2001:db8::1"), None);
    assert_eq!(with_name(""), None);
}

#[test]
fn hellos_are_never_between_256_and_511_bytes() {
    let random = [3u8; 32];
    let names: Vec<String> = (0..200).map(|len| "a".repeat(len)).collect();
    for version in [LegacyVersion::Tls10, LegacyVersion::Tls12] {
        for offer in [
            SuiteOffer::Broad,
            SuiteOffer::RsaOnly,
            SuiteOffer::EcdsaOnly,
        ] {
            for name in &names {
                let record = client_hello_record(&hello(version, Some(name), offer), &random);
                let parsed = parse(&record);
                let len = parsed.message_len;
                assert!(!(PAD_FROM..PAD_TARGET).contains(&len), "{len}-byte hello");
                let unpadded_len = len - parsed.padding.map_or(0, |data| data + 4);
                let needs_padding = (PAD_FROM..PAD_TARGET).contains(&unpadded_len);
                assert_eq!(parsed.padding.is_some(), needs_padding, "{unpadded_len}");
            }
        }
    }
}

#[test]
fn client_random_differs_between_calls() {
    let first = client_random().expect("random");
    let second = client_random().expect("random");
    assert_ne!(first, second);
}
