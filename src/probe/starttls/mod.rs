//! STARTTLS dialects: the plaintext conversation a scanner must hold before a TLS ClientHello.
//!
//! This module owns the registry of dialects ([`Dialect`], one unit per file: `smtp`, `imap`,
//! `pop3`, `ftp`, `ldap`, `postgres`, `mysql`, `xmpp`), the ports where TLS starts immediately
//! ([`IMPLICIT_TLS_PORTS`]), the one error type ([`StartTlsError`]) and the entry point
//! [`upgrade`]. The shared bounded reader lives in `reader`, the three-digit replies shared by
//! SMTP and FTP in `coded`.
//!
//! Every read is bounded in bytes (8 KiB per line, 64 KiB per exchange); the caller bounds the
//! time, and dropping [`upgrade`] at any await point is fine. No dialect reads beyond the end
//! of the server's final plaintext reply: the next bytes on the stream belong to TLS.

mod coded;
mod ftp;
mod imap;
mod ldap;
mod mysql;
mod pop3;
mod postgres;
mod reader;
mod smtp;
#[cfg(test)]
mod testing;
mod xmpp;

use strum::VariantArray;
use tokio::io::{AsyncRead, AsyncWrite};

pub use reader::{MAX_EXCHANGE, MAX_LINE};

/// A plaintext protocol that can switch the connection to TLS in-band.
///
/// Its names are derived: [`Dialect::name`] (`smtp`, `pop3`, …, the serde name too),
/// [`Dialect::from_name`] and [`strum::VariantArray::VARIANTS`] (every dialect, in the order
/// they are listed to users).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumMessage,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", ascii_case_insensitive)]
pub enum Dialect {
    /// SMTP with the STARTTLS extension (RFC 3207).
    Smtp,
    /// IMAP with the STARTTLS command (RFC 3501).
    Imap,
    /// POP3 with the STLS command (RFC 2595).
    Pop3,
    /// FTP with AUTH TLS (RFC 4217).
    Ftp,
    /// LDAP with the StartTLS extended operation (RFC 4511).
    Ldap,
    /// PostgreSQL with an SSLRequest.
    Postgres,
    /// MySQL and MariaDB: the server's greeting, then an SSLRequest packet.
    Mysql,
    /// XMPP client streams with the STARTTLS feature (RFC 6120).
    Xmpp,
}

/// What each dialect unit declares about itself.
#[derive(Debug)]
struct DialectSpec {
    /// One line for help texts.
    description: &'static str,
    /// The well-known ports where the service speaks this dialect.
    default_ports: &'static [u16],
}

impl Dialect {
    /// The unit that implements this dialect describes it.
    fn spec(self) -> &'static DialectSpec {
        match self {
            Dialect::Smtp => &smtp::SPEC,
            Dialect::Imap => &imap::SPEC,
            Dialect::Pop3 => &pop3::SPEC,
            Dialect::Ftp => &ftp::SPEC,
            Dialect::Ldap => &ldap::SPEC,
            Dialect::Postgres => &postgres::SPEC,
            Dialect::Mysql => &mysql::SPEC,
            Dialect::Xmpp => &xmpp::SPEC,
        }
    }

    /// Short lowercase name, e.g. `"smtp"` (the same as the serde name).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// One line saying what the scanner sends, e.g. `"SMTP: EHLO, then STARTTLS (RFC 3207)"`.
    pub fn description(self) -> &'static str {
        self.spec().description
    }

    /// The well-known ports of the service, e.g. 25 and 587 for SMTP.
    pub fn default_ports(self) -> &'static [u16] {
        self.spec().default_ports
    }

    /// The dialect whose well-known ports include `port`, if any.
    pub fn for_port(port: u16) -> Option<Dialect> {
        Dialect::VARIANTS
            .iter()
            .copied()
            .find(|dialect| dialect.default_ports().contains(&port))
    }

    /// The dialect called `name` (as returned by [`Dialect::name`]; ASCII case ignored).
    pub fn from_name(name: &str) -> Option<Dialect> {
        name.trim().parse().ok()
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}

/// Ports where TLS starts immediately (465 smtps, 993 imaps, 995 pop3s, 636 ldaps, 990 ftps,
/// 5223 xmpps): plain TLS, no dialect.
pub const IMPLICIT_TLS_PORTS: &[u16] = &[465, 993, 995, 636, 990, 5223];

/// Why the plaintext phase did not reach the point where the server expects a ClientHello.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartTlsError {
    /// The server answered in its protocol but will not start TLS (no STARTTLS capability, a
    /// 454/5xx reply, an LDAP resultCode other than 0, a PostgreSQL `N`).
    #[error("server will not start TLS: {reply}")]
    Refused {
        /// The server's words, trimmed, at most about 200 characters.
        reply: String,
    },
    /// The server will not talk without being addressed by its domain name (an XMPP stream
    /// header without `to`, or with a name it does not host, answered `improper-addressing`
    /// or `host-unknown`) and the scan had no name for it.
    #[error("server needs its domain name: {reply}")]
    NeedsName {
        /// The server's words, trimmed.
        reply: String,
    },
    /// The peer does not speak this protocol (e.g. it sent a TLS record or an HTTP reply).
    #[error(
        "peer does not speak the expected plaintext protocol (first bytes {})",
        hex(first_bytes)
    )]
    Unexpected {
        /// The first bytes of what the peer sent (at most 64).
        first_bytes: Vec<u8>,
    },
    /// The peer closed the connection before the upgrade.
    #[error("connection closed before the TLS upgrade")]
    Closed,
    /// A line or a whole reply exceeded its bound.
    #[error("server reply exceeded the {limit}-byte limit before the TLS upgrade")]
    TooLong {
        /// The bound that was exceeded, in bytes.
        limit: usize,
    },
    /// Reading from or writing to the connection failed.
    #[error("I/O error before the TLS upgrade: {0}")]
    Io(#[from] std::io::Error),
}

/// Lowercase hex of `bytes`, for error messages.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Speaks `dialect` on `stream` until the server is ready for a ClientHello.
///
/// `server_name` (the SNI, if any) is used where the protocol wants a name (XMPP `to=`); SMTP
/// greets with the fixed client name `certatlas.invalid`. Every read is bounded in bytes;
/// the caller applies the time deadline, and dropping this future is fine. On success nothing
/// beyond the server's final plaintext reply has been read.
pub async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    dialect: Dialect,
    stream: &mut S,
    server_name: Option<&str>,
) -> Result<(), StartTlsError> {
    let mut conversation = reader::Plaintext::new(stream);
    match dialect {
        Dialect::Smtp => smtp::upgrade(&mut conversation).await?,
        Dialect::Imap => imap::upgrade(&mut conversation).await?,
        Dialect::Pop3 => pop3::upgrade(&mut conversation).await?,
        Dialect::Ftp => ftp::upgrade(&mut conversation).await?,
        Dialect::Ldap => ldap::upgrade(&mut conversation).await?,
        Dialect::Postgres => postgres::upgrade(&mut conversation).await?,
        Dialect::Mysql => mysql::upgrade(&mut conversation).await?,
        Dialect::Xmpp => xmpp::upgrade(&mut conversation, server_name).await?,
    }
    conversation.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_round_trip_and_match_serde() {
        let names: Vec<&str> = Dialect::VARIANTS.iter().map(|d| d.name()).collect();
        let expected = [
            "smtp", "imap", "pop3", "ftp", "ldap", "postgres", "mysql", "xmpp",
        ];
        assert_eq!(names, expected);
        for &dialect in Dialect::VARIANTS {
            assert_eq!(Dialect::from_name(dialect.name()), Some(dialect));
            let upper = dialect.name().to_ascii_uppercase();
            assert_eq!(Dialect::from_name(&upper), Some(dialect));
            let json = serde_json::to_string(&dialect).unwrap();
            assert_eq!(json, format!("\"{}\"", dialect.name()));
            assert_eq!(serde_json::from_str::<Dialect>(&json).unwrap(), dialect);
            assert_eq!(dialect.to_string(), dialect.name());
        }
        assert_eq!(Dialect::from_name("gopher"), None);
    }

    #[test]
    fn every_default_port_maps_back_to_its_dialect() {
        for &dialect in Dialect::VARIANTS {
            assert!(!dialect.default_ports().is_empty(), "{dialect} has no port");
            for &port in dialect.default_ports() {
                assert_eq!(Dialect::for_port(port), Some(dialect), "port {port}");
            }
        }
    }

    #[test]
    fn ports_and_names_are_unique() {
        let ports: Vec<u16> = Dialect::VARIANTS
            .iter()
            .flat_map(|dialect| dialect.default_ports().iter().copied())
            .collect();
        let unique: HashSet<u16> = ports.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ports.len(),
            "a port is listed twice: {ports:?}"
        );
        let names: HashSet<&str> = Dialect::VARIANTS.iter().map(|d| d.name()).collect();
        assert_eq!(names.len(), Dialect::VARIANTS.len());
    }

    #[test]
    fn implicit_tls_ports_have_no_dialect() {
        for &port in IMPLICIT_TLS_PORTS {
            assert_eq!(Dialect::for_port(port), None, "port {port}");
        }
        let unique: HashSet<u16> = IMPLICIT_TLS_PORTS.iter().copied().collect();
        assert_eq!(unique.len(), IMPLICIT_TLS_PORTS.len());
    }

    #[test]
    fn descriptions_start_with_the_protocol_and_fit_one_line() {
        for &dialect in Dialect::VARIANTS {
            let description = dialect.description();
            assert!(!description.contains('\n'), "{dialect}: {description}");
            let protocol = description.split(':').next().unwrap().to_ascii_lowercase();
            assert!(protocol.starts_with(&dialect.name()[..3]), "{description}");
        }
    }
}
