//! An XMPP service scanned by address alone, through the binary: a loopback
//! server that answers a stream header without `to` as prosody does
//! (`improper-addressing`) makes the observation `needs_name`, and the scan
//! summary counts it with the hint to pair the name with the address.

mod common;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What prosody 0.12 answers a stream header without `to`.
const IMPROPER_ADDRESSING: &str = "<?xml version='1.0'?><stream:stream id='' \
    xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en' xmlns='jabber:client'>\
    <stream:error><improper-addressing xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
    <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>A &apos;to&apos; attribute is \
    required on stream headers</text></stream:error></stream:stream>";

/// Answers every connection's first bytes with [`IMPROPER_ADDRESSING`].
async fn serve(listener: TcpListener) {
    while let Ok((mut stream, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut header = [0u8; 512];
            if stream.read(&mut header).await.unwrap_or(0) > 0 {
                let _ = stream.write_all(IMPROPER_ADDRESSING.as_bytes()).await;
            }
            let _ = stream.shutdown().await;
        });
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_xmpp_server_scanned_without_its_name_needs_it_and_the_summary_says_how() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = listener.local_addr().unwrap().to_string();
    let server = tokio::spawn(serve(listener));
    let scan = |format: &'static str| {
        let target = target.clone();
        tokio::task::spawn_blocking(move || {
            common::certatlas(&[
                "scan",
                &target,
                "--starttls",
                "xmpp",
                "--no-db",
                "--format",
                format,
            ])
        })
    };
    let table = scan("table").await.unwrap();
    let json = scan("json").await.unwrap();
    server.abort();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.status.success(),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
    assert!(text.contains("needs its domain name"), "{text}");
    assert!(text.contains("outcomes: needs_name 1"), "{text}");
    assert!(
        text.contains("hint: 1 endpoint needs the service's domain name (XMPP)")
            && text.contains("--resolve"),
        "{text}"
    );
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let observation = &document["observations"][0];
    assert_eq!(observation["status"], "needs_name", "{observation}");
    assert!(observation["reply"]
        .as_str()
        .is_some_and(|r| r.contains("improper-addressing")));
    assert_eq!(document["summary"]["outcomes"]["needs_name"], 1);
    let notes = String::from_utf8_lossy(&json.stderr);
    assert!(notes.contains("hint: 1 endpoint needs"), "{notes}");
}
