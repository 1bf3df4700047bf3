//! Interop of the legacy capture with a real `openssl s_server` on 127.0.0.1 limited to one
//! version (TLS 1.0, 1.1 or 1.2) and a cipher string (everything, RSA key exchange only,
//! DHE only, 3DES only): the captured chain must be exactly the one the server was given.
//!
//! Skips with a visible `SKIPPED: ... because ...` line when openssl is absent, refuses
//! the options, or is built without the protocol version.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use certatlas::probe::legacy::{capture, LegacyError, LegacyHello, LegacyVersion, SuiteOffer};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, PKCS_RSA_SHA256,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStderr, ChildStdin, Command};

/// Bound on openssl starting to listen and on the capture itself.
const STEP_BOUND: Duration = Duration::from_secs(20);

/// One interop case: an openssl server limited to one version and a cipher string.
struct Case {
    /// s_server's protocol flag, e.g. "-tls1".
    protocol_flag: &'static str,
    /// The version that flag stands for (and that the client offers).
    version: LegacyVersion,
    /// s_server's `-cipher` string.
    ciphers: &'static str,
    /// Whether the leaf has an RSA key (else ECDSA P-256).
    rsa_leaf: bool,
    /// The suite the server must choose, if the cipher string leaves one.
    expected_suite: Option<&'static str>,
}

/// The chain given to the server (leaf, intermediate); writes c.pem, k.pem and chain.pem.
fn write_pki(dir: &Path, rsa_leaf: bool) -> Vec<Vec<u8>> {
    let ca_params = |name: &str| {
        let mut params = CertificateParams::new(Vec::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params
    };
    let key = || KeyPair::generate().expect("key");
    let root = CertifiedIssuer::self_signed(ca_params("Interop Root"), key()).expect("root");
    let intermediate = CertifiedIssuer::signed_by(ca_params("Interop Intermediate"), key(), &root)
        .expect("intermediate");
    let leaf_key = match rsa_leaf {
        true => KeyPair::generate_for(&PKCS_RSA_SHA256).expect("RSA key"),
        false => key(),
    };
    let leaf = CertificateParams::new(vec!["interop.test".into()])
        .expect("params")
        .signed_by(&leaf_key, &intermediate)
        .expect("leaf");
    std::fs::write(dir.join("c.pem"), leaf.pem()).expect("write c.pem");
    std::fs::write(dir.join("k.pem"), leaf_key.serialize_pem()).expect("write k.pem");
    std::fs::write(dir.join("chain.pem"), intermediate.pem()).expect("write chain.pem");
    vec![leaf.der().to_vec(), intermediate.der().to_vec()]
}

/// A running `openssl s_server` (killed when dropped).
struct OpenSslServer {
    child: Child,
    /// Held open: s_server shuts down when its standard input ends.
    _stdin: ChildStdin,
    address: SocketAddr,
}

impl OpenSslServer {
    /// Starts s_server with `protocol_flag` on an ephemeral loopback port and waits for its
    /// `ACCEPT host:port` line. `Err` says why openssl cannot serve (a reason to skip).
    async fn start(case: &Case, dir: &Path) -> Result<OpenSslServer, String> {
        let mut child = Command::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0", case.protocol_flag])
            .args(["-cipher", case.ciphers, "-naccept", "1"])
            .arg("-cert")
            .arg(dir.join("c.pem"))
            .arg("-key")
            .arg(dir.join("k.pem"))
            .arg("-cert_chain")
            .arg(dir.join("chain.pem"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("openssl cannot be run ({e})"))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let accept_line = async {
            while let Some(line) = lines.next_line().await.ok().flatten() {
                if let Some(address) = line.strip_prefix("ACCEPT ") {
                    return Some(address.trim().to_string());
                }
            }
            None
        };
        let accepted = tokio::time::timeout(STEP_BOUND, accept_line)
            .await
            .expect("openssl s_server neither listens nor exits");
        let Some(address) = accepted else {
            let stderr = read_stderr(child.stderr.take()).await;
            return Err(format!("openssl s_server exited: {stderr}"));
        };
        let address = address
            .parse()
            .map_err(|e| format!("openssl printed no usable address in ACCEPT {address} ({e})"))?;
        Ok(OpenSslServer {
            child,
            _stdin: stdin,
            address,
        })
    }

    /// Stops the server and returns what it wrote on stderr.
    async fn stop(mut self) -> String {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        read_stderr(self.child.stderr.take()).await
    }
}

/// Everything left on a child's stderr (bounded), for messages.
async fn read_stderr(stderr: Option<ChildStderr>) -> String {
    let mut text = String::new();
    if let Some(stderr) = stderr {
        let _ = tokio::time::timeout(STEP_BOUND, stderr.take(64 * 1024).read_to_string(&mut text))
            .await;
    }
    text.trim().to_string()
}

/// Prints a `SKIPPED:` line straight to stderr, past the test harness's output capture.
fn skipped(what: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED: legacy OpenSSL interop {what}");
}

/// Whether openssl's stderr says it cannot speak the version at all.
fn version_unavailable(stderr: &str) -> bool {
    [
        "no protocols available",
        "unsupported protocol",
        "version too low",
    ]
    .iter()
    .any(|hint| stderr.contains(hint))
}

/// Captures from the openssl server of `case` and checks version, suite and chain.
async fn interop(case: Case) {
    let label = format!("{} -cipher {}", case.protocol_flag, case.ciphers);
    let dir = tempfile::tempdir().expect("temp dir");
    let chain = write_pki(dir.path(), case.rsa_leaf);
    let server = match OpenSslServer::start(&case, dir.path()).await {
        Ok(server) => server,
        Err(reason) => {
            skipped(&format!("{label} because {reason}"));
            return;
        }
    };
    let hello = LegacyHello {
        version: case.version,
        sni: Some("interop.test".into()),
        suites: SuiteOffer::Broad,
    };
    let mut stream = TcpStream::connect(server.address).await.expect("connect");
    let result = tokio::time::timeout(STEP_BOUND, capture(&mut stream, &hello))
        .await
        .expect("the capture ends");
    drop(stream);
    let stderr = server.stop().await;
    let captured = match result {
        Ok(captured) => captured,
        Err(LegacyError::Alert { description }) if version_unavailable(&stderr) => {
            skipped(&format!(
                "{label} because openssl refused it ({description}): {stderr}"
            ));
            return;
        }
        Err(error) => {
            panic!("capture from openssl {label} failed: {error}; openssl said: {stderr}")
        }
    };
    assert_eq!(captured.version, case.version, "{label}");
    if let Some(suite) = case.expected_suite {
        assert_eq!(captured.cipher_suite, suite, "{label}");
    }
    assert_eq!(
        captured.chain.first(),
        chain.first(),
        "{label}: the leaf is the served cert"
    );
    assert_eq!(captured.chain, chain, "{label}");
    println!(
        "openssl {label}: {} with {}",
        captured.version, captured.cipher_suite
    );
}

#[tokio::test]
async fn captures_the_chain_of_a_tls10_only_openssl_server() {
    interop(Case {
        protocol_flag: "-tls1",
        version: LegacyVersion::Tls10,
        ciphers: "ALL:@SECLEVEL=0",
        rsa_leaf: false,
        expected_suite: None,
    })
    .await;
}

#[tokio::test]
async fn captures_the_chain_of_a_tls11_only_openssl_server() {
    interop(Case {
        protocol_flag: "-tls1_1",
        version: LegacyVersion::Tls11,
        ciphers: "ALL:@SECLEVEL=0",
        rsa_leaf: false,
        expected_suite: None,
    })
    .await;
}

#[tokio::test]
async fn captures_the_chain_of_an_rsa_key_exchange_cbc_only_server() {
    interop(Case {
        protocol_flag: "-tls1_2",
        version: LegacyVersion::Tls12,
        ciphers: "AES128-SHA:@SECLEVEL=0",
        rsa_leaf: true,
        expected_suite: Some("TLS_RSA_WITH_AES_128_CBC_SHA"),
    })
    .await;
}

#[tokio::test]
async fn captures_the_chain_of_a_dhe_only_tls10_server() {
    interop(Case {
        protocol_flag: "-tls1",
        version: LegacyVersion::Tls10,
        ciphers: "DHE-RSA-AES256-SHA:@SECLEVEL=0",
        rsa_leaf: true,
        expected_suite: Some("TLS_DHE_RSA_WITH_AES_256_CBC_SHA"),
    })
    .await;
}

#[tokio::test]
async fn captures_the_chain_of_a_3des_only_tls10_server() {
    interop(Case {
        protocol_flag: "-tls1",
        version: LegacyVersion::Tls10,
        ciphers: "DES-CBC3-SHA:@SECLEVEL=0",
        rsa_leaf: true,
        expected_suite: Some("TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    })
    .await;
}
