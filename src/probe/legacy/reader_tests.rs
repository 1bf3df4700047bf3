//! Tests of the record reader and handshake reassembly, fed from in-memory streams.

use super::reader::{FlightReader, ServerMessage};
use super::test_wire::*;
use super::{LegacyError, LegacyVersion, MAX_LEGACY_BYTES};

const V: LegacyVersion = LegacyVersion::Tls10;

/// Reads `count` messages (or up to the first error) from `input` in reads of `max_read`.
async fn read_messages(
    input: Vec<u8>,
    max_read: usize,
    limit: usize,
    count: usize,
) -> Result<Vec<ServerMessage>, LegacyError> {
    let mut stream = ScriptedStream::new(input, max_read);
    let mut reader = FlightReader::new(&mut stream, limit);
    let mut messages = Vec::new();
    for _ in 0..count {
        messages.push(reader.next_message().await?);
    }
    Ok(messages)
}

/// The handshake messages' bytes, or a panic if one is not a handshake message.
fn handshake_bytes(messages: &[ServerMessage]) -> Vec<Vec<u8>> {
    messages
        .iter()
        .map(|message| match message {
            ServerMessage::Handshake(handshake) => handshake.bytes.clone(),
            other => panic!("expected a handshake message, got {other:?}"),
        })
        .collect()
}

fn flight() -> Vec<Vec<u8>> {
    vec![
        server_hello(V, 0x002f),
        certificate(&sample_chain()),
        server_hello_done(),
    ]
}

#[tokio::test]
async fn a_message_split_across_records_is_reassembled() {
    let expected = flight();
    for max_payload in [1, 7, 100, 1000] {
        let input = records(HANDSHAKE, V, &expected.concat(), max_payload);
        let messages = read_messages(input, usize::MAX, MAX_LEGACY_BYTES, 3).await;
        assert_eq!(handshake_bytes(&messages.expect("reads")), expected);
    }
}

#[tokio::test]
async fn several_messages_in_one_record_come_out_in_order() {
    let expected = flight();
    let input = record(HANDSHAKE, V, &expected.concat());
    let messages = read_messages(input, usize::MAX, MAX_LEGACY_BYTES, 3).await;
    let messages = messages.expect("reads");
    assert_eq!(handshake_bytes(&messages), expected);
    let types: Vec<u8> = expected.iter().map(|message| message[0]).collect();
    let read_types: Vec<u8> = messages
        .iter()
        .map(|message| match message {
            ServerMessage::Handshake(handshake) => handshake.msg_type,
            _ => 0xff,
        })
        .collect();
    assert_eq!(read_types, types);
}

#[tokio::test]
async fn records_split_across_reads_are_framed() {
    let expected = flight();
    let mut input: Vec<u8> = expected
        .iter()
        .flat_map(|message| record(HANDSHAKE, V, message))
        .collect();
    input.extend(alert(2, 40));
    for max_read in [1, 2, 5, 6, 4096] {
        let messages = read_messages(input.clone(), max_read, MAX_LEGACY_BYTES, 4).await;
        let messages = messages.expect("reads");
        assert_eq!(
            handshake_bytes(&messages[..3]),
            expected,
            "reads of {max_read}"
        );
        let alert = ServerMessage::Alert {
            level: 2,
            description: 40,
        };
        assert_eq!(messages[3], alert);
    }
}

#[tokio::test]
async fn an_announced_oversize_message_is_too_large_at_once() {
    let limit = 4096;
    let mut header = vec![CERTIFICATE, 0xff, 0xff, 0xff];
    header.extend_from_slice(&[0; 64]);
    let result = read_messages(record(HANDSHAKE, V, &header), usize::MAX, limit, 1).await;
    assert!(matches!(result, Err(LegacyError::TooLarge { limit: l }) if l == limit));
}

#[tokio::test]
async fn an_endless_flight_stops_at_the_byte_budget() {
    let limit = 1000;
    let hello_request = handshake(0, &[]);
    let input: Vec<u8> = (0..1000)
        .flat_map(|_| record(HANDSHAKE, V, &hello_request))
        .collect();
    let mut stream = ScriptedStream::new(input, 64);
    let mut reader = FlightReader::new(&mut stream, limit);
    let outcome = loop {
        if let Err(error) = reader.next_message().await {
            break error;
        }
    };
    assert!(matches!(outcome, LegacyError::TooLarge { limit: l } if l == limit));
    assert!(
        stream.consumed() <= limit,
        "read {} bytes",
        stream.consumed()
    );
}

#[tokio::test]
async fn garbage_is_not_tls_with_its_first_bytes() {
    let banner = b"SSH-2.0-OpenSSH_9.6p1 Ubuntu\r\n".to_vec();
    let result = read_messages(banner.clone(), usize::MAX, MAX_LEGACY_BYTES, 1).await;
    match result {
        Err(LegacyError::NotTls { first_bytes }) => assert_eq!(first_bytes, banner[..16]),
        other => panic!("expected NotTls, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_header_after_a_good_record_is_malformed() {
    let mut input = record(HANDSHAKE, V, &server_hello(V, 0x002f));
    input.extend_from_slice(b"HTTP/1.1 400 Bad Request\r\n");
    let result = read_messages(input, usize::MAX, MAX_LEGACY_BYTES, 2).await;
    assert!(
        matches!(result, Err(LegacyError::Malformed(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_oversize_record_header_is_malformed() {
    let input = vec![HANDSHAKE, 3, 1, 0xff, 0xff];
    let result = read_messages(input, usize::MAX, MAX_LEGACY_BYTES, 1).await;
    assert!(
        matches!(result, Err(LegacyError::Malformed(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_alert_record_is_reported_with_level_and_description() {
    let result = read_messages(alert(2, 70), 1, MAX_LEGACY_BYTES, 1).await;
    let expected = ServerMessage::Alert {
        level: 2,
        description: 70,
    };
    assert_eq!(result.expect("reads"), vec![expected]);
}

#[tokio::test]
async fn other_record_types_are_reported_whole() {
    let input = record(CHANGE_CIPHER_SPEC, V, &[1]);
    let result = read_messages(input, usize::MAX, MAX_LEGACY_BYTES, 1).await;
    let expected = ServerMessage::Other {
        content_type: CHANGE_CIPHER_SPEC,
    };
    assert_eq!(result.expect("reads"), vec![expected]);
}

#[tokio::test]
async fn end_of_stream_inside_a_record_is_closed() {
    let mut input = record(HANDSHAKE, V, &certificate(&sample_chain()));
    input.truncate(input.len() / 2);
    let result = read_messages(input, 100, MAX_LEGACY_BYTES, 1).await;
    assert!(matches!(result, Err(LegacyError::Closed)), "{result:?}");
    let empty = read_messages(Vec::new(), 100, MAX_LEGACY_BYTES, 1).await;
    assert!(matches!(empty, Err(LegacyError::Closed)), "{empty:?}");
}
