//! Tests of `capture` and `accepts` against scripted server flights.

use std::time::Duration;

use super::test_wire::*;
use super::{
    accepts, capture, suite_name, LegacyError, LegacyHello, LegacyVersion, SuiteFlags, SuiteOffer,
};

const V: LegacyVersion = LegacyVersion::Tls11;

fn hello() -> LegacyHello {
    LegacyHello {
        version: LegacyVersion::Tls12,
        sni: Some("legacy.example".into()),
        suites: SuiteOffer::Broad,
    }
}

/// Runs `capture` against `input`, handed out in reads of `max_read` bytes.
async fn capture_from(
    input: Vec<u8>,
    max_read: usize,
) -> (ScriptedStream, Result<super::LegacyCapture, LegacyError>) {
    let mut stream = ScriptedStream::new(input, max_read);
    let result = capture(&mut stream, &hello()).await;
    (stream, result)
}

fn handshake_records(messages: &[Vec<u8>]) -> Vec<u8> {
    record(HANDSHAKE, V, &messages.concat())
}

#[tokio::test]
async fn capture_returns_version_suite_and_chain() {
    let suite = 0x000a;
    let chain = sample_chain();
    let input = handshake_records(&[
        server_hello(V, suite),
        certificate(&chain),
        server_hello_done(),
    ]);
    let (stream, result) = capture_from(input, 3).await;
    let captured = result.expect("capture");
    assert_eq!(captured.version, V);
    assert_eq!(captured.cipher_suite_id, suite);
    assert_eq!(Some(captured.cipher_suite.as_str()), suite_name(suite));
    assert_eq!(captured.suite_flags, SuiteFlags::of(suite));
    assert!(captured.suite_flags.triple_des);
    assert_eq!(captured.chain, chain);
    let hello_len = usize::from(u16::from_be_bytes([stream.written[3], stream.written[4]]));
    assert_eq!(stream.written[0], HANDSHAKE);
    assert_eq!(
        stream.written.len(),
        5 + hello_len,
        "exactly one hello record is sent"
    );
}

#[tokio::test]
async fn capture_stops_at_the_certificate() {
    let chain = sample_chain();
    let mut input = handshake_records(&[server_hello(V, 0x002f), certificate(&chain)]);
    let flight_len = input.len();
    input.extend(vec![0xee; 10_000]); // whatever follows is never read
    let (stream, result) = capture_from(input, 1).await;
    assert_eq!(result.expect("capture").chain, chain);
    assert_eq!(stream.consumed(), flight_len);
}

#[tokio::test]
async fn unknown_suites_are_named_in_hex() {
    let input = handshake_records(&[server_hello(V, 0x0a0a), certificate(&sample_chain())]);
    let captured = capture_from(input, 4096).await.1.expect("capture");
    assert_eq!(captured.cipher_suite, "0x0a0a");
    assert!(!captured.suite_flags.is_weak());
}

#[tokio::test]
async fn warning_alerts_before_the_server_hello_are_skipped() {
    let mut input = alert(1, 112); // warning unrecognized_name
    input.extend(handshake_records(&[
        server_hello(V, 0x002f),
        certificate(&sample_chain()),
    ]));
    let captured = capture_from(input, 4096).await.1.expect("capture");
    assert_eq!(captured.chain, sample_chain());
}

#[tokio::test]
async fn fatal_alerts_and_close_notify_are_alerts_by_name() {
    for (level, description, name) in [
        (2, 40, "handshake_failure"),
        (2, 70, "protocol_version"),
        (1, 0, "close_notify"),
    ] {
        let result = capture_from(alert(level, description), 4096).await.1;
        match result {
            Err(LegacyError::Alert { description }) => assert_eq!(description, name),
            other => panic!("expected alert {name}, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn anonymous_flights_have_no_certificate() {
    let anonymous = handshake_records(&[
        server_hello(V, 0x0034),
        handshake(SERVER_KEY_EXCHANGE, &[1, 2, 3, 4]),
        server_hello_done(),
    ]);
    let empty_list = handshake_records(&[server_hello(V, 0x002f), certificate(&[])]);
    for input in [anonymous, empty_list] {
        let result = capture_from(input, 4096).await.1;
        assert!(
            matches!(result, Err(LegacyError::NoCertificate)),
            "{result:?}"
        );
    }
}

#[tokio::test]
async fn out_of_order_or_malformed_flights_are_malformed() {
    let mut bad_list = certificate(&sample_chain());
    bad_list[6] ^= 0x40; // the list length no longer matches the message
    let cases = [
        handshake_records(&[certificate(&sample_chain())]),
        handshake_records(&[server_hello(V, 0x002f), bad_list]),
        handshake_records(&[handshake(2, &[3, 1, 0])]),
        {
            let mut input = handshake_records(&[server_hello(V, 0x002f)]);
            input.extend(record(CHANGE_CIPHER_SPEC, V, &[1]));
            input
        },
        {
            let mut hello = server_hello(V, 0x002f);
            hello[4..6].copy_from_slice(&[3, 4]); // TLS 1.3 is not a legacy version
            handshake_records(&[hello])
        },
    ];
    for (index, input) in cases.into_iter().enumerate() {
        let result = capture_from(input, 4096).await.1;
        assert!(
            matches!(result, Err(LegacyError::Malformed(_))),
            "case {index}: {result:?}"
        );
    }
}

#[tokio::test]
async fn a_close_after_the_server_hello_is_closed() {
    let result = capture_from(handshake_records(&[server_hello(V, 0x002f)]), 4096)
        .await
        .1;
    assert!(matches!(result, Err(LegacyError::Closed)), "{result:?}");
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_is_ended_by_the_callers_timeout() {
    let mut stream = ScriptedStream::hanging(handshake_records(&[server_hello(V, 0x002f)]));
    let outcome =
        tokio::time::timeout(Duration::from_secs(5), capture(&mut stream, &hello())).await;
    assert!(
        outcome.is_err(),
        "expected the deadline to expire: {outcome:?}"
    );
}

#[tokio::test]
async fn accepts_reads_the_server_hello_version() {
    let hello_for = |version| handshake_records(&[server_hello(version, 0x002f)]);
    let cases = [
        (hello_for(V), V, true),
        (hello_for(LegacyVersion::Tls10), V, false),
        (alert(2, 70), V, false),
        (Vec::new(), V, false),
    ];
    for (input, version, expected) in cases {
        let mut stream = ScriptedStream::new(input, 4096);
        let answer = accepts(&mut stream, version, None).await;
        assert_eq!(answer.expect("an answer"), expected);
    }
    let mut not_tls = ScriptedStream::new(b"220 smtp ready\r\n".to_vec(), 4096);
    let answer = accepts(&mut not_tls, V, None).await;
    assert!(
        matches!(answer, Err(LegacyError::NotTls { .. })),
        "{answer:?}"
    );
}
