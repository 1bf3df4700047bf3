//! Test support: a fake PostgreSQL server on 127.0.0.1 (port 0) that
//! answers the SSL request with `S` (then a rustls handshake with a
//! certificate made at test time) or `N`, reads the startup message, and
//! refuses it with an error that says how it was reached ("over TLS" or
//! "in plaintext"). Each connection also reports what happened on a
//! channel, so tests synchronise on events. A test CA (rcgen) issues the
//! server certificates and writes its PEM file for `sslrootcert`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// The SSLRequest code (1234 << 16 | 5679).
const SSL_REQUEST: u32 = 80_877_103;
/// Longest message the fake server reads.
const MAX_MESSAGE: usize = 10_000;

/// What the server does with an SSL request.
pub enum Answer {
    /// `S`, then a TLS handshake presenting this configuration's certificate.
    Tls(Arc<ServerConfig>),
    /// `N`: no TLS here.
    NoTls,
    /// `N`, and a plaintext startup is asked for a cleartext password,
    /// which the refusal repeats ("... with password <it>").
    NoTlsAskPassword,
}

/// What one connection did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The startup message arrived over TLS.
    Tls,
    /// The startup message arrived in plaintext.
    Plaintext,
    /// The client went away before a startup message (it refused the
    /// handshake or the `N`).
    Closed,
}

/// A running fake server: its port and what its connections did.
pub struct FakeServer {
    /// The port on 127.0.0.1.
    pub port: u16,
    /// One event per connection, in order.
    pub seen: mpsc::Receiver<Seen>,
}

impl FakeServer {
    /// Starts a server answering as `answer` (it serves until the test
    /// process ends).
    pub fn start(answer: Answer) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let (events, seen) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let event = serve(stream, &answer);
                if events.send(event).is_err() {
                    return;
                }
            }
        });
        FakeServer { port, seen }
    }

    /// The next connection's event.
    pub fn next(&self) -> Seen {
        self.seen.recv().expect("the fake server stopped")
    }
}

/// Serves one connection and says what happened.
fn serve(mut stream: TcpStream, answer: &Answer) -> Seen {
    let Some(first) = read_message(&mut stream) else {
        return Seen::Closed;
    };
    if first.get(..4) != Some(&SSL_REQUEST.to_be_bytes()[..]) {
        return plaintext_startup(&mut stream, answer);
    }
    match answer {
        Answer::NoTls | Answer::NoTlsAskPassword => {
            let _ = stream.write_all(b"N");
            match read_message(&mut stream) {
                Some(_) => plaintext_startup(&mut stream, answer),
                None => Seen::Closed,
            }
        }
        Answer::Tls(config) => {
            let _ = stream.write_all(b"S");
            let connection = ServerConnection::new(config.clone()).expect("server connection");
            let mut tls = StreamOwned::new(connection, stream);
            match read_message(&mut tls) {
                Some(_) => {
                    refuse(&mut tls, "over TLS");
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                    Seen::Tls
                }
                None => Seen::Closed,
            }
        }
    }
}

/// Answers a startup message that came in plaintext: asks for the
/// password first when `answer` says so, then refuses.
fn plaintext_startup(stream: &mut TcpStream, answer: &Answer) -> Seen {
    if !matches!(answer, Answer::NoTlsAskPassword) {
        refuse(stream, "in plaintext");
        return Seen::Plaintext;
    }
    // AuthenticationCleartextPassword: 'R', length 8, code 3.
    let _ = stream.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]);
    let mut kind = [0u8; 1];
    if stream.read_exact(&mut kind).is_err() || kind[0] != b'p' {
        return Seen::Closed;
    }
    let Some(body) = read_message(stream) else {
        return Seen::Closed;
    };
    let password = String::from_utf8_lossy(body.strip_suffix(&[0]).unwrap_or(&body)).into_owned();
    refuse(stream, &format!("in plaintext with password {password}"));
    Seen::Plaintext
}

/// One length-prefixed message's body (after the length), bounded.
fn read_message(stream: &mut impl Read) -> Option<Vec<u8>> {
    let mut length = [0u8; 4];
    stream.read_exact(&mut length).ok()?;
    let length = usize::try_from(u32::from_be_bytes(length)).ok()?;
    if !(4..=MAX_MESSAGE).contains(&length) {
        return None;
    }
    let mut body = vec![0u8; length - 4];
    stream.read_exact(&mut body).ok()?;
    Some(body)
}

/// Sends a FATAL ErrorResponse (SQLSTATE 28000) saying how it was reached.
fn refuse(stream: &mut impl Write, how: &str) {
    let mut fields = Vec::new();
    for (code, value) in [
        (b'S', "FATAL"),
        (b'V', "FATAL"),
        (b'C', "28000"),
        (b'M', &format!("fake server reached {how}")[..]),
    ] {
        fields.push(code);
        fields.extend_from_slice(value.as_bytes());
        fields.push(0);
    }
    fields.push(0);
    let mut message = vec![b'E'];
    message.extend_from_slice(&(u32::try_from(fields.len() + 4).unwrap_or(0)).to_be_bytes());
    message.extend_from_slice(&fields);
    let _ = stream.write_all(&message);
    let _ = stream.flush();
}

/// A test certificate authority and the PEM file of its certificate.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    /// The CA certificate's PEM file (for `sslrootcert`).
    pub pem_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl TestCa {
    /// A new self-signed CA named `name`.
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().expect("CA key");
        let issuer = CertifiedIssuer::self_signed(params, key).expect("CA certificate");
        let dir = tempfile::tempdir().expect("temp dir");
        let pem_file = dir.path().join("ca.pem");
        std::fs::write(&pem_file, issuer.pem()).expect("write CA PEM");
        TestCa {
            issuer,
            pem_file,
            _dir: dir,
        }
    }

    /// A server configuration presenting a leaf for `names` (DNS names,
    /// or IP addresses when they parse as one) issued by this CA.
    pub fn server(&self, names: &[&str]) -> Arc<ServerConfig> {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("leaf params");
        params.subject_alt_names = names
            .iter()
            .map(|name| match name.parse() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*name).try_into().expect("DNS name")),
            })
            .collect();
        let key = KeyPair::generate().expect("leaf key");
        let leaf = params
            .signed_by(&key, &self.issuer)
            .expect("leaf certificate");
        let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server certificate");
        Arc::new(config)
    }
}
