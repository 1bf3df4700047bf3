//! The server side of each STARTTLS dialect's plaintext phase, for the demo lab and tests.
//!
//! [`serve_plaintext_phase`] greets, advertises the upgrade, checks that the client asks for it
//! exactly as the scanner's dialects do, and answers yes (or, when told to refuse, no). Reads
//! are byte-wise and bounded, so the server never consumes any byte of the client's
//! ClientHello. The protocol encodings here are written independently of
//! `crate::probe::starttls`, so tests of one side against the other check both.

use std::io::{Error, ErrorKind};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::probe::starttls::Dialect;

mod binary;

/// The name the lab's plaintext services greet with.
const SERVER_NAME: &str = "lab.certatlas.test";
/// The reason every refusing lab service gives, in its protocol's words.
const POLICY: &str = "TLS disabled by lab policy";
/// Longest client line or XML start tag the lab accepts, in bytes.
const MAX_CLIENT_LINE: usize = 8 * 1024;
/// The XMPP STARTTLS namespace.
const XMPP_TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";

/// Speaks the server side of `dialect`'s plaintext phase on `stream` (greeting, capabilities,
/// accept the upgrade), returning when the next bytes will be TLS. `refuse` = answer the
/// upgrade request with a refusal instead (for tests of `StartTlsError::Refused`), then return
/// an error. A client that does not ask for the upgrade as expected is also an error
/// (`InvalidData`).
pub async fn serve_plaintext_phase<S: AsyncRead + AsyncWrite + Unpin>(
    dialect: Dialect,
    stream: &mut S,
    refuse: bool,
) -> std::io::Result<()> {
    match dialect {
        Dialect::Smtp => smtp(stream, refuse).await,
        Dialect::Imap => imap(stream, refuse).await,
        Dialect::Pop3 => pop3(stream, refuse).await,
        Dialect::Ftp => ftp(stream, refuse).await,
        Dialect::Ldap => binary::ldap(stream, refuse).await,
        Dialect::Postgres => binary::postgres(stream, refuse).await,
        Dialect::Mysql => binary::mysql(stream, refuse).await,
        Dialect::Xmpp => xmpp(stream, refuse).await,
    }
}

/// SMTP: 220 greeting, EHLO with STARTTLS in the capabilities, 220 (or 454) to STARTTLS.
async fn smtp<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    refuse: bool,
) -> Result<(), Error> {
    send(
        stream,
        &format!("220 {SERVER_NAME} ESMTP certatlas lab\r\n"),
    )
    .await?;
    let hello = read_line(stream).await?;
    require(
        Dialect::Smtp,
        hello.to_ascii_uppercase().starts_with("EHLO "),
        "EHLO",
        &hello,
    )?;
    let capabilities =
        format!("250-{SERVER_NAME} greets you\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
    send(stream, &capabilities).await?;
    let command = read_line(stream).await?;
    require(
        Dialect::Smtp,
        command.eq_ignore_ascii_case("STARTTLS"),
        "STARTTLS",
        &command,
    )?;
    answer(
        stream,
        refuse,
        Dialect::Smtp,
        "220 2.0.0 Ready to start TLS",
        &format!("454 4.7.0 {POLICY}"),
    )
    .await
}

/// IMAP: `* OK` greeting, tagged OK (or NO) to `<tag> STARTTLS`.
async fn imap<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    refuse: bool,
) -> Result<(), Error> {
    let greeting =
        format!("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] {SERVER_NAME} ready\r\n");
    send(stream, &greeting).await?;
    let line = read_line(stream).await?;
    let (tag, command) = line.split_once(' ').unwrap_or((&line, ""));
    require(
        Dialect::Imap,
        command.eq_ignore_ascii_case("STARTTLS"),
        "<tag> STARTTLS",
        &line,
    )?;
    let (ok, no) = (
        format!("{tag} OK Begin TLS negotiation now"),
        format!("{tag} NO {POLICY}"),
    );
    answer(stream, refuse, Dialect::Imap, &ok, &no).await
}

/// POP3: `+OK` greeting, `+OK` (or `-ERR`) to STLS.
async fn pop3<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    refuse: bool,
) -> Result<(), Error> {
    send(stream, &format!("+OK {SERVER_NAME} POP3 ready\r\n")).await?;
    let command = read_line(stream).await?;
    require(
        Dialect::Pop3,
        command.eq_ignore_ascii_case("STLS"),
        "STLS",
        &command,
    )?;
    answer(
        stream,
        refuse,
        Dialect::Pop3,
        "+OK Begin TLS negotiation",
        &format!("-ERR {POLICY}"),
    )
    .await
}

/// FTP: multi-line 220 greeting, 234 (or 534) to AUTH TLS.
async fn ftp<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, refuse: bool) -> Result<(), Error> {
    send(
        stream,
        &format!("220-{SERVER_NAME} FTP\r\n220 certatlas lab ready\r\n"),
    )
    .await?;
    let command = read_line(stream).await?;
    require(
        Dialect::Ftp,
        command.eq_ignore_ascii_case("AUTH TLS"),
        "AUTH TLS",
        &command,
    )?;
    answer(
        stream,
        refuse,
        Dialect::Ftp,
        "234 AUTH TLS successful",
        &format!("534 {POLICY}"),
    )
    .await
}

/// Sends the `yes` line, or the `no` line followed by a refusal error, each with CRLF.
async fn answer<S: AsyncWrite + Unpin>(
    stream: &mut S,
    refuse: bool,
    dialect: Dialect,
    yes: &str,
    no: &str,
) -> Result<(), Error> {
    if refuse {
        send(stream, &format!("{no}\r\n")).await?;
        return Err(refused(dialect));
    }
    send(stream, &format!("{yes}\r\n")).await
}

/// XMPP: read the client's stream header, answer with ours and features offering STARTTLS,
/// read `<starttls/>`, answer `<proceed/>` (or `<failure/>` and close the stream).
async fn xmpp<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    refuse: bool,
) -> Result<(), Error> {
    read_start_tag(stream, "<stream:stream").await?;
    let header = format!(
        "<?xml version='1.0'?><stream:stream from='{SERVER_NAME}' id='lab-1' xmlns='jabber:client' \
         xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>\
         <stream:features><starttls xmlns='{XMPP_TLS}'><required/></starttls></stream:features>"
    );
    send(stream, &header).await?;
    let request = read_start_tag(stream, "<starttls").await?;
    require(
        Dialect::Xmpp,
        request.contains(XMPP_TLS) && request.ends_with("/>"),
        "<starttls/>",
        &request,
    )?;
    if refuse {
        send(
            stream,
            &format!("<failure xmlns='{XMPP_TLS}'/></stream:stream>"),
        )
        .await?;
        return Err(refused(Dialect::Xmpp));
    }
    send(stream, &format!("<proceed xmlns='{XMPP_TLS}'/>")).await
}

/// Reads byte-wise through the first `>` after `opening` and returns the start tag from
/// `opening` on; the client must send `opening` within [`MAX_CLIENT_LINE`] bytes.
async fn read_start_tag<S: AsyncRead + Unpin>(
    stream: &mut S,
    opening: &str,
) -> Result<String, Error> {
    let mut received = Vec::new();
    while received.len() < MAX_CLIENT_LINE {
        let byte = stream.read_u8().await?;
        received.push(byte);
        if byte != b'>' {
            continue;
        }
        let text = String::from_utf8_lossy(&received);
        if let Some(start) = text.find(opening) {
            return Ok(text[start..].to_string());
        }
    }
    Err(invalid(Dialect::Xmpp, opening, &received))
}

/// Reads one line byte-wise (never past its `\n`) and returns it without CR LF.
async fn read_line<S: AsyncRead + Unpin>(stream: &mut S) -> Result<String, Error> {
    let mut line = Vec::new();
    loop {
        match stream.read_u8().await? {
            b'\n' => break,
            _ if line.len() >= MAX_CLIENT_LINE => {
                return Err(Error::new(ErrorKind::InvalidData, "client line too long"));
            }
            byte => line.push(byte),
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Writes `text` and flushes.
async fn send<S: AsyncWrite + Unpin>(stream: &mut S, text: &str) -> Result<(), Error> {
    stream.write_all(text.as_bytes()).await?;
    stream.flush().await
}

/// `Ok` if `fine`, else the `InvalidData` error for a client that sent `got` instead of `wanted`.
fn require(dialect: Dialect, fine: bool, wanted: &str, got: &str) -> Result<(), Error> {
    match fine {
        true => Ok(()),
        false => Err(invalid(dialect, wanted, got.as_bytes())),
    }
}

/// A client that did not send what `dialect`'s server expects.
fn invalid(dialect: Dialect, wanted: &str, got: &[u8]) -> Error {
    let got = String::from_utf8_lossy(&got[..got.len().min(64)]).into_owned();
    Error::new(
        ErrorKind::InvalidData,
        format!("{dialect} lab server expected {wanted}, got {got:?}"),
    )
}

/// The error returned after refusing the upgrade on purpose.
fn refused(dialect: Dialect) -> Error {
    Error::other(format!(
        "{dialect} lab server refused the TLS upgrade as configured"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::starttls::{upgrade, StartTlsError};
    use strum::VariantArray;
    use tokio::io::duplex;

    /// Runs the scanner's `upgrade` against the lab's server side of `dialect`.
    async fn converse(
        dialect: Dialect,
        refuse: bool,
    ) -> (Result<(), StartTlsError>, Result<(), Error>) {
        let (mut client, mut server) = duplex(64 * 1024);
        let serving = tokio::spawn(async move {
            // `server` is dropped when this task ends: a client still waiting fails, not hangs.
            serve_plaintext_phase(dialect, &mut server, refuse).await
        });
        let upgraded = upgrade(dialect, &mut client, Some(SERVER_NAME)).await;
        drop(client);
        let served = serving.await.expect("server task");
        (upgraded, served)
    }

    #[tokio::test]
    async fn every_dialect_upgrades_and_the_server_accepts_the_clients_requests() {
        for &dialect in Dialect::VARIANTS {
            let (upgraded, served) = converse(dialect, false).await;
            assert!(upgraded.is_ok(), "{dialect} client: {upgraded:?}");
            assert!(served.is_ok(), "{dialect} server: {served:?}");
        }
    }

    #[tokio::test]
    async fn every_dialect_reports_the_lab_refusal_in_the_servers_words() {
        for &dialect in Dialect::VARIANTS {
            let (upgraded, served) = converse(dialect, true).await;
            let Err(StartTlsError::Refused { reply }) = upgraded else {
                panic!("{dialect}: expected a refusal, got {upgraded:?}");
            };
            let words = match dialect {
                Dialect::Postgres => "N",
                Dialect::Mysql => "no CLIENT_SSL",
                Dialect::Xmpp => "<failure",
                _ => POLICY,
            };
            assert!(reply.contains(words), "{dialect}: {reply}");
            assert!(
                served.is_err_and(|e| e.kind() == ErrorKind::Other),
                "{dialect}"
            );
        }
    }

    #[tokio::test]
    async fn every_dialect_server_rejects_a_client_that_does_not_ask_for_tls() {
        for &dialect in Dialect::VARIANTS {
            let (mut client, mut server) = duplex(64 * 1024);
            client.write_all(b"QUIT NOW PLEASE\r\n").await.unwrap();
            client.shutdown().await.unwrap();
            let served = serve_plaintext_phase(dialect, &mut server, false).await;
            let kind = served.expect_err(dialect.name()).kind();
            assert!(
                matches!(kind, ErrorKind::InvalidData | ErrorKind::UnexpectedEof),
                "{dialect}: {kind:?}"
            );
        }
    }
}
