//! Legacy TLS capture: SSLv3 to TLS 1.2 with a hand-built ClientHello.
//!
//! rustls speaks only TLS 1.2/1.3 with modern suites. Below TLS 1.3 the server's Certificate
//! message travels in clear, so this module sends its own ClientHello, reads the ServerHello
//! and the Certificate, and hangs up: no key exchange, no Finished, no application data.
//! The scanner falls back to it when rustls fails, so certificates on TLS 1.0-only,
//! 1.1-only, RSA-kx/CBC-only, DHE-only and 3DES/RC4 servers are still captured.
//!
//! What the ClientHello offers:
//! - record-layer version 0x0301 (0x0300 for SSLv3), `client_version` = the offered maximum;
//! - with [`SuiteOffer::Broad`], every legacy suite family: ECDHE-ECDSA/ECDHE-RSA AEAD and
//!   CBC, DHE-RSA/DHE-DSS, static ECDH, RSA key exchange (AES, Camellia, SEED, IDEA), 3DES,
//!   RC4, single DES, NULL encryption, anonymous suites and, last, export suites
//!   (see [`suites`]); [`SuiteOffer::RsaOnly`] and [`SuiteOffer::EcdsaOnly`] keep only the
//!   suites that need an RSA or an EC certificate; TLS_EMPTY_RENEGOTIATION_INFO_SCSV always;
//! - compression: null only; an empty session id;
//! - extensions (none for SSLv3): server_name (only for a DNS name), supported_groups
//!   (secp256r1, secp384r1, secp521r1, x25519), ec_point_formats (uncompressed),
//!   signature_algorithms (TLS 1.2 only, SHA-1 schemes last), renegotiation_info, and the
//!   padding extension when the hello would be 256–511 bytes long (old F5 load balancers
//!   hang on those).
//!
//! Reading is bounded: at most [`MAX_LEGACY_BYTES`] from the peer through a fixed read
//! buffer. The caller bounds the time (wrap the future in `tokio::time::timeout`); dropping
//! the future at any point is safe.
//!
//! Files: `hello` builds the ClientHello, `reader` frames records and reassembles
//! handshake messages, `exchange` interprets the server's flight, `suites` is the suite
//! table and `alerts` the alert names. `tls-parser` is used only inside this module.

pub mod alerts;
mod exchange;
mod hello;
mod reader;
pub mod suites;

#[cfg(test)]
mod exchange_tests;
#[cfg(test)]
mod reader_tests;
#[cfg(test)]
mod test_wire;

use strum::VariantArray;
pub use suites::{suite_name, SuiteFlags};

/// Most bytes read from a peer before its Certificate message is complete.
pub const MAX_LEGACY_BYTES: usize = 256 * 1024;

/// A protocol version below TLS 1.3, in increasing order; serialised by its [`name`].
///
/// [`name`]: LegacyVersion::name
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
)]
pub enum LegacyVersion {
    /// SSL 3.0 (wire 0x0300).
    #[serde(rename = "SSLv3")]
    #[strum(serialize = "SSLv3")]
    Ssl3,
    /// TLS 1.0 (wire 0x0301).
    #[serde(rename = "TLSv1.0")]
    #[strum(serialize = "TLSv1.0")]
    Tls10,
    /// TLS 1.1 (wire 0x0302).
    #[serde(rename = "TLSv1.1")]
    #[strum(serialize = "TLSv1.1")]
    Tls11,
    /// TLS 1.2 (wire 0x0303).
    #[serde(rename = "TLSv1.2")]
    #[strum(serialize = "TLSv1.2")]
    Tls12,
}

impl LegacyVersion {
    /// The usual name (derived): "SSLv3", "TLSv1.0", "TLSv1.1" or "TLSv1.2";
    /// every version, oldest first, is [`VariantArray::VARIANTS`].
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The two-byte protocol version on the wire (0x0300 to 0x0303).
    pub fn wire(self) -> u16 {
        match self {
            Self::Ssl3 => 0x0300,
            Self::Tls10 => 0x0301,
            Self::Tls11 => 0x0302,
            Self::Tls12 => 0x0303,
        }
    }

    /// The version with this wire value, if it is one of the four.
    pub fn from_wire(wire: u16) -> Option<LegacyVersion> {
        Self::VARIANTS
            .iter()
            .copied()
            .find(|version| version.wire() == wire)
    }
}

impl std::fmt::Display for LegacyVersion {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}

/// What to put in the ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyHello {
    /// The highest version offered (`client_version`); also selects the record version.
    pub version: LegacyVersion,
    /// Server name to send; ignored when it is an IP address literal (as real clients do).
    pub sni: Option<String>,
    /// Which cipher suites to offer.
    pub suites: SuiteOffer,
}

/// Which cipher suites a ClientHello offers (see [`suites`] for the lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SuiteOffer {
    /// Every legacy suite, strongest first, export suites last.
    #[default]
    Broad,
    /// Only suites that need an RSA certificate (to reach the RSA one of a dual-cert server).
    RsaOnly,
    /// Only suites that need an EC certificate (to reach the ECDSA one of a dual-cert server).
    EcdsaOnly,
    /// Only the suites with one weakness (to learn whether the server accepts any of them).
    Weak(Weakness),
}

/// One class of weak cipher suites, probed on its own. Its name is derived
/// ([`Weakness::name`]); every class, in probing order, is
/// [`VariantArray::VARIANTS`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[strum(serialize_all = "snake_case")]
pub enum Weakness {
    /// NULL encryption.
    Null,
    /// Export-grade suites.
    Export,
    /// RC4.
    Rc4,
    /// Triple DES.
    #[strum(serialize = "3des")]
    TripleDes,
    /// Single DES.
    Des,
    /// Anonymous key exchange (no certificate).
    Anon,
}

impl Weakness {
    /// The name used in output: as in [`SuiteFlags::names`].
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Whether a suite with `flags` has this weakness.
    pub fn of(self, flags: &SuiteFlags) -> bool {
        match self {
            Weakness::Null => flags.null,
            Weakness::Export => flags.export,
            Weakness::Rc4 => flags.rc4,
            Weakness::TripleDes => flags.triple_des,
            Weakness::Des => flags.des,
            Weakness::Anon => flags.anon,
        }
    }
}

/// What a legacy handshake captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyCapture {
    /// The version the server chose in its ServerHello.
    pub version: LegacyVersion,
    /// IANA name of the chosen suite, e.g. "TLS_RSA_WITH_AES_128_CBC_SHA", or "0x00ff" style
    /// hex when the suite is unknown.
    pub cipher_suite: String,
    /// The chosen suite's identifier.
    pub cipher_suite_id: u16,
    /// Weaknesses of the chosen suite.
    pub suite_flags: SuiteFlags,
    /// The certificates as sent (DER), leaf first.
    pub chain: Vec<Vec<u8>>,
}

/// Why a legacy capture did not produce a certificate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LegacyError {
    /// The server sent a fatal alert (or close_notify) before its certificate.
    #[error("legacy handshake: server sent alert {description}")]
    Alert {
        /// snake_case RFC name, e.g. "protocol_version", "handshake_failure".
        description: String,
    },
    /// The peer closed the connection before its certificate.
    #[error("legacy handshake: connection closed before the certificate")]
    Closed,
    /// The first bytes from the peer are not a TLS record.
    #[error("legacy handshake: peer is not TLS (first bytes {})", hex(first_bytes))]
    NotTls {
        /// Up to 16 of the bytes received first.
        first_bytes: Vec<u8>,
    },
    /// A record or handshake message that does not parse.
    #[error("legacy handshake: malformed server flight: {0}")]
    Malformed(String),
    /// The peer sent more than the byte budget before its certificate was complete.
    #[error("legacy handshake: more than {limit} bytes before the certificate")]
    TooLarge {
        /// The budget in bytes.
        limit: usize,
    },
    /// ServerHelloDone (or an empty Certificate) came without a certificate: anonymous suite.
    #[error("legacy handshake: server sent no certificate (anonymous suite)")]
    NoCertificate,
    /// Reading or writing the connection failed.
    #[error("legacy handshake: I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Lower-case hex of `bytes`, for messages.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sends the hello on `stream`, reads until the Certificate message is complete, returns.
///
/// Reads at most [`MAX_LEGACY_BYTES`] through a fixed buffer. The caller applies the time
/// deadline (wrap this future in `tokio::time::timeout`); dropping it is safe. The stream
/// is left open: the caller hangs up by dropping it.
pub async fn capture<S>(stream: &mut S, hello: &LegacyHello) -> Result<LegacyCapture, LegacyError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    exchange::send_hello(stream, hello).await?;
    let mut reader = reader::FlightReader::new(stream, MAX_LEGACY_BYTES);
    let server_hello = exchange::read_server_hello(&mut reader).await?;
    let chain = exchange::read_certificate(&mut reader).await?;
    let id = server_hello.cipher_suite_id;
    Ok(LegacyCapture {
        version: server_hello.version,
        cipher_suite: suite_name(id).map_or_else(|| format!("0x{id:04x}"), str::to_string),
        cipher_suite_id: id,
        suite_flags: SuiteFlags::of(id),
        chain,
    })
}

/// Whether the server accepts `version` (for `--versions`).
///
/// `Ok(true)` if the ServerHello carries exactly that version; a ServerHello with another
/// version, an alert, a close or a reset mean `Ok(false)`. `Err` only when the answer says
/// nothing about the version: other I/O errors, bytes that are not TLS or do not parse, or
/// more than [`MAX_LEGACY_BYTES`] before a ServerHello. Offers [`SuiteOffer::Broad`].
pub async fn accepts<S>(
    stream: &mut S,
    version: LegacyVersion,
    sni: Option<&str>,
) -> Result<bool, LegacyError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let hello = LegacyHello {
        version,
        sni: sni.map(str::to_string),
        suites: SuiteOffer::Broad,
    };
    Ok(server_choice(stream, &hello)
        .await?
        .is_some_and(|(chosen, _)| chosen == version))
}

/// Sends `hello` and reads the ServerHello: `Ok(Some((version, suite)))`
/// as chosen, `Ok(None)` when the server refused (alert, close, reset).
/// `Err` as for [`accepts`].
pub async fn server_choice<S>(
    stream: &mut S,
    hello: &LegacyHello,
) -> Result<Option<(LegacyVersion, u16)>, LegacyError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let answer = async {
        exchange::send_hello(stream, hello).await?;
        let mut reader = reader::FlightReader::new(stream, MAX_LEGACY_BYTES);
        exchange::read_server_hello(&mut reader).await
    };
    match answer.await {
        Ok(server_hello) => Ok(Some((server_hello.version, server_hello.cipher_suite_id))),
        Err(LegacyError::Alert { .. } | LegacyError::Closed) => Ok(None),
        Err(LegacyError::Io(error)) if exchange::is_reset(&error) => Ok(None),
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_and_weakness_names_round_trip_and_stay_as_stored() {
        let names: Vec<&str> = LegacyVersion::VARIANTS.iter().map(|v| v.name()).collect();
        assert_eq!(names, ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"]);
        for &version in LegacyVersion::VARIANTS {
            assert_eq!(version.name().parse::<LegacyVersion>(), Ok(version));
            assert_eq!(version.to_string(), version.name());
        }
        let names: Vec<&str> = Weakness::VARIANTS.iter().map(|w| w.name()).collect();
        assert_eq!(names, ["null", "export", "rc4", "3des", "des", "anon"]);
        for &weakness in Weakness::VARIANTS {
            assert_eq!(weakness.name().parse::<Weakness>(), Ok(weakness));
        }
    }

    #[test]
    fn versions_round_trip_through_wire_and_serde_by_name() {
        for &version in LegacyVersion::VARIANTS {
            assert_eq!(LegacyVersion::from_wire(version.wire()), Some(version));
            let json = serde_json::to_string(&version).expect("serialise");
            assert_eq!(json, format!("\"{}\"", version.name()));
            let back: LegacyVersion = serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, version);
        }
        assert_eq!(LegacyVersion::from_wire(0x0304), None);
        assert!(LegacyVersion::Ssl3 < LegacyVersion::Tls10);
        assert!(LegacyVersion::Tls11 < LegacyVersion::Tls12);
    }

    #[test]
    fn errors_say_what_happened() {
        let not_tls = LegacyError::NotTls {
            first_bytes: b"SSH".to_vec(),
        };
        assert!(not_tls.to_string().contains("535348"), "{not_tls}");
        let alert = LegacyError::Alert {
            description: "protocol_version".into(),
        };
        assert!(alert.to_string().contains("protocol_version"));
    }
}
