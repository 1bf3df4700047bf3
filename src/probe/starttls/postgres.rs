//! PostgreSQL (protocol v3, "SSL Session Encryption"): send an SSLRequest, read exactly one
//! byte: `S` means go ahead with TLS, `N` means no.
//!
//! Reading a single byte and nothing more matters here: a server (or a man in the middle)
//! that sends extra bytes after `S` must not get them accepted as plaintext (CVE-2021-23214);
//! they are left for the TLS handshake, which rejects them.

use tokio::io::{AsyncRead, AsyncWrite};

use super::reader::{refused, unexpected, Plaintext};
use super::{DialectSpec, StartTlsError};

/// The PostgreSQL dialect as listed in the registry.
pub(super) const SPEC: DialectSpec = DialectSpec {
    description: "PostgreSQL: SSLRequest, the server answers S before TLS (protocol v3)",
    default_ports: &[5432],
};

/// The SSLRequest code: 1234 in the high 16 bits, 5679 in the low 16 bits.
const SSL_REQUEST_CODE: u32 = (1234 << 16) | 5679;

/// Runs the PostgreSQL exchange up to the server's `S`.
pub(super) async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: &mut Plaintext<'_, S>,
) -> Result<(), StartTlsError> {
    conversation.send(&ssl_request()).await?;
    let answer = conversation.read_exact(1).await?;
    match answer[0] {
        b'S' => Ok(()),
        b'N' => Err(refused("N (the server does not accept SSL connections)")),
        _ => Err(unexpected(&answer)),
    }
}

/// The eight-byte SSLRequest: its own length (8), then the request code, both big-endian.
fn ssl_request() -> [u8; 8] {
    let mut request = [0u8; 8];
    request[..4].copy_from_slice(&8u32.to_be_bytes());
    request[4..].copy_from_slice(&SSL_REQUEST_CODE.to_be_bytes());
    request
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_upgraded, expect, refusal, run, send, unexpected_bytes};
    use super::super::{upgrade as upgrade_stream, Dialect};
    use super::*;
    use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt};

    #[test]
    fn the_request_carries_its_length_and_the_documented_code() {
        let request = ssl_request();
        assert_eq!(
            u32::from_be_bytes(request[..4].try_into().unwrap()) as usize,
            request.len()
        );
        assert_eq!(
            u32::from_be_bytes(request[4..].try_into().unwrap()),
            80877103
        );
    }

    #[tokio::test]
    async fn upgrades_on_s() {
        let steps = vec![expect(ssl_request()), send("S")];
        assert_upgraded(&run(Dialect::Postgres, None, steps).await);
    }

    #[tokio::test]
    async fn n_is_a_refusal() {
        let run = run(
            Dialect::Postgres,
            None,
            vec![expect(ssl_request()), send("N")],
        )
        .await;
        assert!(refusal(&run).starts_with('N'));
    }

    #[tokio::test]
    async fn an_error_response_from_an_old_server_is_unexpected() {
        let steps = vec![
            expect(ssl_request()),
            send("EFATAL unsupported frontend protocol"),
        ];
        assert_eq!(
            unexpected_bytes(&run(Dialect::Postgres, None, steps).await),
            b"E"
        );
    }

    #[tokio::test]
    async fn bytes_after_s_are_left_on_the_stream_not_accepted() {
        let (mut client, mut server) = duplex(64);
        server.write_all(b"Sinjected").await.unwrap();
        upgrade_stream(Dialect::Postgres, &mut client, None)
            .await
            .unwrap();
        let mut request = [0u8; 8];
        server.read_exact(&mut request).await.unwrap();
        assert_eq!(request, ssl_request());
        drop(server);
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"injected");
    }
}
