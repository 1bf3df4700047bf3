//! The TLS settings of a PostgreSQL URL with libpq's meaning: `sslmode`
//! (`disable`, `allow`, `prefer` (the default), `require`, `verify-ca`,
//! `verify-full`) and `sslrootcert` (a PEM file, or `system`), with libpq's
//! environment defaults (`PGSSLMODE`, `PGSSLROOTCERT`) and its default
//! root file `~/.postgresql/root.crt`. They are taken out of the URL
//! before the rest goes to the driver, which knows neither the verifying
//! modes nor `sslrootcert`.
//!
//! What libpq does, and so this module: a root certificate file that is
//! present turns on chain verification for every mode that uses TLS (so
//! `require` with a root file verifies like `verify-ca`); `verify-ca` and
//! `verify-full` without one are refused; `sslrootcert=system` defaults the
//! mode to `verify-full` and refuses any weaker one. Unlike libpq, a
//! `sslrootcert` named explicitly that cannot be read is an error whatever
//! the mode (libpq ignores it below `verify-ca`).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// The environment, injectable for tests: a variable's value, if set.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// Plaintext first; TLS only if the server refuses plaintext.
    Allow,
    /// TLS if the server offers it (plaintext otherwise, or when the TLS
    /// handshake fails); the default.
    Prefer,
    /// TLS or nothing; no verification unless a root file is present.
    Require,
    /// TLS with the server's chain verified against the root certificates.
    VerifyCa,
    /// As `VerifyCa`, and the certificate must be for the host name (or IP
    /// address) connected to.
    VerifyFull,
}

impl SslMode {
    /// Reads a `sslmode` value.
    fn parse(value: &str) -> Result<SslMode, ConnInfoError> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => {
                return Err(ConnInfoError::SslMode {
                    value: value.to_string(),
                })
            }
        })
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        })
    }
}

/// What the client checks of the server's certificate once TLS is up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verify {
    /// Nothing: the connection is encrypted, not authenticated.
    Nothing,
    /// The chain leads to one of these roots (`verify-ca`, or a weaker
    /// mode with a root file present).
    Chain(Roots),
    /// The chain, and the name or IP address connected to (`verify-full`).
    ChainAndName(Roots),
}

/// The trust anchors a verifying connection uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// The certificates of a PEM file (DER-encoded), and the file.
    File(PathBuf, Vec<CertificateDer<'static>>),
    /// The system's roots (`sslrootcert=system`: the Mozilla set that
    /// webpki-roots carries).
    System,
}

/// The TLS settings of one URL, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The mode asked for (or the default).
    pub mode: SslMode,
    /// What is verified when TLS is used.
    pub verify: Verify,
}

/// A URL split into what the driver reads and the TLS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnInfo {
    /// The URL without `sslmode` and `sslrootcert`.
    pub driver_url: String,
    /// The TLS settings.
    pub tls: TlsSettings,
}

/// A URL's TLS settings that cannot be used (exit 2 before anything is
/// written).
#[derive(Debug, thiserror::Error)]
pub enum ConnInfoError {
    /// `sslmode` has a value libpq does not know.
    #[error(
        "sslmode={value:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
    )]
    SslMode {
        /// The value given.
        value: String,
    },
    /// The root certificate file cannot be read.
    #[error("sslrootcert {}: cannot read it: {source}", .path.display())]
    RootUnreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The root certificate file holds no usable PEM certificate.
    #[error("sslrootcert {}: {reason}", .path.display())]
    RootInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A verifying mode without any root certificate file.
    #[error(
        "sslmode={mode} verifies the server's certificate, but the root certificate file {} \
         does not exist: give sslrootcert=<CA file> (or sslrootcert=system for the system's \
         roots), or sslmode=require to encrypt without verifying",
        .default.display()
    )]
    NoRoots {
        /// The mode asked for.
        mode: SslMode,
        /// The default file that was looked for.
        default: PathBuf,
    },
    /// `sslrootcert=system` with a mode weaker than `verify-full`.
    #[error("sslmode={mode} may not be used with sslrootcert=system (use sslmode=verify-full)")]
    WeakWithSystem {
        /// The mode asked for.
        mode: SslMode,
    },
    /// The TLS client could not be set up (the crypto provider refused
    /// the protocol versions).
    #[error("cannot set up TLS: {reason}")]
    Tls {
        /// The library's reason.
        reason: String,
    },
    /// A `%` escape in a TLS setting that is not valid percent-encoded
    /// UTF-8.
    #[error("{key}: invalid percent-encoding in {value:?}")]
    Encoding {
        /// The setting.
        key: &'static str,
        /// The raw value.
        value: String,
    },
}

/// Splits `url` into the driver's URL and its TLS settings, reading the
/// root file if one applies. `env` supplies `PGSSLMODE`, `PGSSLROOTCERT`
/// and `HOME`.
pub fn parse(url: &str, env: Env<'_>) -> Result<ConnInfo, ConnInfoError> {
    let (head, query) = url.split_once('?').unwrap_or((url, ""));
    let (mut mode, mut root) = (None, None);
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", value)) => mode = Some(decode("sslmode", value)?),
            Some(("sslrootcert", value)) => root = Some(decode("sslrootcert", value)?),
            _ => kept.push(pair),
        }
    }
    let var = |name: &str| env(name).and_then(|v| v.into_string().ok());
    let mode = mode.or_else(|| var("PGSSLMODE")).filter(|m| !m.is_empty());
    let root = root
        .or_else(|| var("PGSSLROOTCERT"))
        .filter(|r| !r.is_empty());
    let tls = settings(mode.as_deref(), root.as_deref(), env)?;
    let driver_url = match kept.is_empty() {
        true => head.to_string(),
        false => format!("{head}?{}", kept.join("&")),
    };
    Ok(ConnInfo { driver_url, tls })
}

/// The settings for a mode and root file as given (either may be absent).
fn settings(
    mode: Option<&str>,
    root: Option<&str>,
    env: Env<'_>,
) -> Result<TlsSettings, ConnInfoError> {
    let mode = mode.map(SslMode::parse).transpose()?;
    if root == Some("system") {
        let mode = mode.unwrap_or(SslMode::VerifyFull);
        if mode != SslMode::VerifyFull {
            return Err(ConnInfoError::WeakWithSystem { mode });
        }
        let verify = Verify::ChainAndName(Roots::System);
        return Ok(TlsSettings { mode, verify });
    }
    let mode = mode.unwrap_or(SslMode::Prefer);
    let roots = match root {
        Some(path) => Some(read_roots(Path::new(path))?),
        None if mode == SslMode::Disable => None,
        None => default_roots(env)?,
    };
    let verify = match (mode, roots) {
        (SslMode::Disable, _) => Verify::Nothing,
        (SslMode::VerifyFull, Some(roots)) => Verify::ChainAndName(roots),
        (_, Some(roots)) => Verify::Chain(roots),
        (SslMode::VerifyCa | SslMode::VerifyFull, None) => {
            let default =
                default_root_path(env).unwrap_or_else(|| PathBuf::from("~/.postgresql/root.crt"));
            return Err(ConnInfoError::NoRoots { mode, default });
        }
        (_, None) => Verify::Nothing,
    };
    Ok(TlsSettings { mode, verify })
}

/// libpq's default root file, `$HOME/.postgresql/root.crt`.
fn default_root_path(env: Env<'_>) -> Option<PathBuf> {
    let home = env("HOME").filter(|home| !home.is_empty())?;
    Some(PathBuf::from(home).join(".postgresql").join("root.crt"))
}

/// The default root file's certificates when it exists.
fn default_roots(env: Env<'_>) -> Result<Option<Roots>, ConnInfoError> {
    match default_root_path(env) {
        Some(path) if path.exists() => read_roots(&path).map(Some),
        _ => Ok(None),
    }
}

/// Every certificate of a PEM file.
fn read_roots(path: &Path) -> Result<Roots, ConnInfoError> {
    let bytes = std::fs::read(path).map_err(|source| ConnInfoError::RootUnreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let invalid = |reason: String| ConnInfoError::RootInvalid {
        path: path.to_path_buf(),
        reason,
    };
    let certificates = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("bad PEM ({e})")))?;
    if certificates.is_empty() {
        return Err(invalid("no PEM CERTIFICATE block in it".into()));
    }
    Ok(Roots::File(path.to_path_buf(), certificates))
}

/// A query value with its `%XX` escapes decoded (as libpq: `+` stays).
fn decode(key: &'static str, value: &str) -> Result<String, ConnInfoError> {
    let bad = || ConnInfoError::Encoding {
        key,
        value: value.to_string(),
    };
    let mut bytes = Vec::with_capacity(value.len());
    let mut rest = value.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'%' => {
                let hex = rest.get(..2).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                bytes.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                rest = &rest[2..];
            }
            byte => bytes.push(byte),
        }
    }
    String::from_utf8(bytes).map_err(|_| bad())
}

#[cfg(test)]
mod tests;
