//! Test support: a scripted fake server on the far end of an in-memory pipe, and the checks
//! every dialect must pass (a peer that hangs up, a peer that answers with a TLS record).

use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::{upgrade, Dialect, StartTlsError};

/// One thing the fake server does.
#[derive(Debug, Clone)]
pub(super) enum Step {
    /// Send these bytes.
    Send(Vec<u8>),
    /// Read what the client sends and require exactly these bytes (reading stops early at a
    /// line end, so a wrong command fails the script instead of hanging).
    Expect(Vec<u8>),
    /// Send this byte over and over until the client hangs up.
    Flood(u8),
    /// Close the server's sending side (the client then reads end of stream).
    Close,
}

/// A [`Step::Send`].
pub(super) fn send(bytes: impl AsRef<[u8]>) -> Step {
    Step::Send(bytes.as_ref().to_vec())
}

/// A [`Step::Expect`].
pub(super) fn expect(bytes: impl AsRef<[u8]>) -> Step {
    Step::Expect(bytes.as_ref().to_vec())
}

/// What one scripted conversation produced.
#[derive(Debug)]
pub(super) struct Run {
    /// What [`upgrade`] returned.
    pub(super) result: Result<(), StartTlsError>,
    /// `Err` with a description if the client did not send what the script expected.
    pub(super) script: Result<(), String>,
    /// Everything the client sent after the script's last step.
    pub(super) after: Vec<u8>,
}

/// Runs [`upgrade`] for `dialect` against a fake server following `steps`.
pub(super) async fn run(dialect: Dialect, server_name: Option<&str>, steps: Vec<Step>) -> Run {
    let (mut client, server) = duplex(1 << 20);
    let fake = tokio::spawn(fake_server(server, steps));
    let result = upgrade(dialect, &mut client, server_name).await;
    drop(client);
    let (script, after) = fake.await.expect("fake server task");
    Run {
        result,
        script,
        after,
    }
}

/// Follows `steps`, closes its sending side, then collects whatever the client still sends
/// until it hangs up.
async fn fake_server(mut stream: DuplexStream, steps: Vec<Step>) -> (Result<(), String>, Vec<u8>) {
    for step in steps {
        let outcome = match step {
            Step::Send(bytes) => stream.write_all(&bytes).await.map_err(|e| e.to_string()),
            Step::Expect(wanted) => expect_bytes(&mut stream, &wanted).await,
            Step::Flood(byte) => {
                let block = [byte; 4096];
                while stream.write_all(&block).await.is_ok() {}
                return (Ok(()), Vec::new());
            }
            Step::Close => stream.shutdown().await.map_err(|e| e.to_string()),
        };
        if let Err(problem) = outcome {
            return (Err(problem), Vec::new());
        }
    }
    // Hang up our side, so a client that still waits for something fails instead of hanging.
    let _ = stream.shutdown().await;
    let mut after = Vec::new();
    let _ = stream.read_to_end(&mut after).await;
    (Ok(()), after)
}

/// Reads up to `wanted.len()` bytes (stopping after a `\n`) and compares them with `wanted`.
async fn expect_bytes(stream: &mut DuplexStream, wanted: &[u8]) -> Result<(), String> {
    let mut got = Vec::with_capacity(wanted.len());
    while got.len() < wanted.len() && got.last() != Some(&b'\n') {
        match stream.read_u8().await {
            Ok(byte) => got.push(byte),
            Err(_) => break,
        }
    }
    if got == wanted {
        Ok(())
    } else {
        let (got, wanted) = (
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(wanted),
        );
        Err(format!("expected {wanted:?}, got {got:?}"))
    }
}

/// Asserts that `run` succeeded, the script was followed and nothing more was sent.
pub(super) fn assert_upgraded(run: &Run) {
    assert!(run.result.is_ok(), "upgrade failed: {:?}", run.result);
    assert_eq!(run.script, Ok(()));
    assert!(run.after.is_empty(), "client sent more: {:?}", run.after);
}

/// The refusal text of `run`, or a panic saying what happened instead.
pub(super) fn refusal(run: &Run) -> &str {
    match &run.result {
        Err(StartTlsError::Refused { reply }) => reply,
        other => panic!(
            "expected a refusal, got {other:?} (script {:?})",
            run.script
        ),
    }
}

/// The bytes shown by an `Unexpected` result of `run`, or a panic.
pub(super) fn unexpected_bytes(run: &Run) -> &[u8] {
    match &run.result {
        Err(StartTlsError::Unexpected { first_bytes }) => first_bytes,
        other => panic!(
            "expected Unexpected, got {other:?} (script {:?})",
            run.script
        ),
    }
}

/// Asserts that `run` ended with [`StartTlsError::TooLong`] at `limit`.
pub(super) fn assert_too_long(run: &Run, limit: usize) {
    assert!(
        matches!(run.result, Err(StartTlsError::TooLong { limit: l }) if l == limit),
        "expected TooLong({limit}), got {:?}",
        run.result
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    /// A TLS 1.2 fatal alert record (handshake_failure), what a TLS server might send.
    const TLS_ALERT: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];

    #[tokio::test]
    async fn every_dialect_reports_a_peer_that_hangs_up_at_once_as_closed() {
        for &dialect in Dialect::VARIANTS {
            let run = run(dialect, Some("lab.test"), vec![Step::Close]).await;
            assert!(
                matches!(run.result, Err(StartTlsError::Closed)),
                "{dialect}: {:?}",
                run.result
            );
        }
    }

    #[tokio::test]
    async fn every_dialect_reports_a_tls_record_as_unexpected() {
        for &dialect in Dialect::VARIANTS {
            let run = run(dialect, Some("lab.test"), vec![send(TLS_ALERT)]).await;
            let shown = unexpected_bytes(&run);
            assert!(
                TLS_ALERT.starts_with(shown) && !shown.is_empty(),
                "{dialect}: {shown:02x?}"
            );
        }
    }

    #[tokio::test]
    async fn every_dialect_reports_an_http_reply_as_unexpected() {
        let http = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        for &dialect in Dialect::VARIANTS {
            let run = run(dialect, None, vec![send(http), Step::Close]).await;
            let shown = unexpected_bytes(&run);
            assert!(
                http.starts_with(shown) && !shown.is_empty(),
                "{dialect}: {shown:02x?}"
            );
        }
    }
}
