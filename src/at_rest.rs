//! Certificates at rest as the pipeline carries them: a certificate found
//! in a file (PEM, DER, PKCS#12, Java keystore) rather than served by an
//! endpoint, with its `file:` location. Shared vocabulary between the
//! importer that finds them ([`crate::import::at_rest`]) and the store that
//! records them; a location at rest is never an endpoint.

use std::fmt;

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

/// The format a certificate at rest was read from. Its name is derived
/// ([`AtRestFormat::name`]); every format is [`VariantArray::VARIANTS`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    VariantArray,
    IntoStaticStr,
    EnumString,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum AtRestFormat {
    /// PEM text (`-----BEGIN CERTIFICATE-----` blocks).
    Pem,
    /// One DER-encoded X.509 certificate.
    Der,
    /// A PKCS#12 bundle (`.p12`, `.pfx`; also a Java PKCS12 keystore).
    Pkcs12,
    /// A Java keystore (JKS).
    Jks,
}

impl AtRestFormat {
    /// The lowercase name (as stored and as `--from` takes it).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The format named `name` (as [`AtRestFormat::name`] writes it).
    pub fn from_name(name: &str) -> Option<AtRestFormat> {
        name.parse().ok()
    }
}

/// Where a certificate at rest was found: the file (absolute path), the
/// alias of its entry inside a keystore, and its position (0-based) in
/// the file (PEM, DER) or in the entry's chain (keystore).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileLocation {
    /// The file, as an absolute path.
    pub path: String,
    /// The keystore entry's alias; `None` outside keystores.
    pub alias: Option<String>,
    /// Position in the file or in the entry's chain, from 0.
    pub position: u32,
}

impl fmt::Display for FileLocation {
    /// `file:PATH`, then `#ALIAS` inside a keystore, then `[N]` for any
    /// certificate but the first of its file or chain.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "file:{}", self.path)?;
        if let Some(alias) = &self.alias {
            write!(f, "#{alias}")?;
        }
        if self.position > 0 {
            write!(f, "[{}]", self.position)?;
        }
        Ok(())
    }
}

/// One certificate found at rest, as read (DER, unparsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRestCertificate {
    /// Where it was found.
    pub location: FileLocation,
    /// The format of its file.
    pub format: AtRestFormat,
    /// The certificate, DER.
    pub der: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_names_file_alias_and_position() {
        let mut at = FileLocation {
            path: "/srv/tls/ks.jks".into(),
            alias: Some("web".into()),
            position: 0,
        };
        assert_eq!(at.to_string(), "file:/srv/tls/ks.jks#web");
        at.position = 2;
        assert_eq!(at.to_string(), "file:/srv/tls/ks.jks#web[2]");
        at.alias = None;
        assert_eq!(at.to_string(), "file:/srv/tls/ks.jks[2]");
    }

    #[test]
    fn format_names_round_trip() {
        for &format in AtRestFormat::VARIANTS {
            assert_eq!(AtRestFormat::from_name(format.name()), Some(format));
        }
        let names: Vec<&str> = AtRestFormat::VARIANTS.iter().map(|f| f.name()).collect();
        assert_eq!(names, ["pem", "der", "pkcs12", "jks"]);
        assert_eq!(AtRestFormat::from_name("zip"), None);
    }
}
