//! A Java keystore (JKS, the format `keytool -storetype jks` writes): its
//! private-key entries' certificate chains and its trusted certificates,
//! by alias. Certificates in a JKS are not encrypted; the password only
//! checks the file's integrity (a SHA-1 over the password, the words
//! "Mighty Aphrodite" and the content), so with a password the digest is
//! verified (a mismatch is a wrong password or a damaged file), and
//! without one the file is read unverified, as `keytool -list` does.
//! Every length is checked against the bytes left: a hostile file cannot
//! make it allocate more than the file's size.

use super::detect::JKS_MAGIC;
use super::FileProblem;
use crate::at_rest::AtRestFormat;

/// One entry: its alias and certificates (a chain, leaf first, or one
/// trusted certificate).
pub type Entry = (String, Vec<Vec<u8>>);

/// What a keystore holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keystore {
    /// Its entries, in file order.
    pub entries: Vec<Entry>,
    /// The integrity digest was checked with the password.
    pub verified: bool,
}

/// Reads a JKS; `password` verifies its integrity digest when given.
pub fn read(bytes: &[u8], password: Option<&str>) -> Result<Keystore, FileProblem> {
    let mut cursor = Cursor { bytes, at: 0 };
    if cursor.take(4)? != JKS_MAGIC {
        return Err(malformed("no JKS magic number"));
    }
    let version = cursor.u32()?;
    if version != 1 && version != 2 {
        return Err(malformed("unknown JKS version"));
    }
    let count = cursor.u32()?;
    let mut entries = Vec::new();
    for _ in 0..count {
        if let Some(entry) = entry(&mut cursor, version)? {
            entries.push(entry);
        }
    }
    let content = &bytes[..cursor.at];
    let digest = cursor.take(20)?;
    let verified = match password {
        Some(password) => match integrity(password, content) == digest {
            true => true,
            false => return Err(FileProblem::WrongPassword),
        },
        None => false,
    };
    Ok(Keystore { entries, verified })
}

/// One entry, or `None` for an entry without an X.509 certificate.
fn entry(cursor: &mut Cursor<'_>, version: u32) -> Result<Option<Entry>, FileProblem> {
    let tag = cursor.u32()?;
    let alias = cursor.utf()?;
    cursor.take(8)?; // creation time
    let certificates = match tag {
        1 => {
            let key = cursor.u32()? as usize;
            cursor.take(key)?;
            let chain = cursor.u32()?;
            let mut certificates = Vec::new();
            for _ in 0..chain {
                certificates.extend(certificate(cursor, version)?);
            }
            certificates
        }
        2 => certificate(cursor, version)?.into_iter().collect(),
        3 => {
            return Err(FileProblem::Unsupported(
                "a secret-key entry: a JCEKS or PKCS12 keystore, not JKS",
            ))
        }
        _ => return Err(malformed("unknown entry type")),
    };
    Ok((!certificates.is_empty()).then_some((alias, certificates)))
}

/// One certificate (its type name first in version 2); `None` for a
/// certificate type other than X.509.
fn certificate(cursor: &mut Cursor<'_>, version: u32) -> Result<Option<Vec<u8>>, FileProblem> {
    let kind = match version {
        2 => cursor.utf()?,
        _ => "X.509".to_string(),
    };
    let length = cursor.u32()? as usize;
    let der = cursor.take(length)?.to_vec();
    Ok((kind == "X.509").then_some(der))
}

/// SHA-1 over the password as UTF-16BE, "Mighty Aphrodite" and `content`.
fn integrity(password: &str, content: &[u8]) -> [u8; 20] {
    let utf16: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    crate::certs::sha1_of(&[&utf16, b"Mighty Aphrodite", content])
}

fn malformed(detail: &str) -> FileProblem {
    FileProblem::Malformed {
        format: AtRestFormat::Jks,
        detail: detail.to_string(),
    }
}

/// A read position in the file's bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    /// The next `n` bytes, or an error when fewer are left.
    fn take(&mut self, n: usize) -> Result<&'a [u8], FileProblem> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| malformed("cut short"))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn u32(&mut self) -> Result<u32, FileProblem> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A Java "modified UTF-8" string (read as UTF-8, lossily).
    fn utf(&mut self) -> Result<String, FileProblem> {
        let b = self.take(2)?;
        let length = usize::from(u16::from_be_bytes([b[0], b[1]]));
        Ok(String::from_utf8_lossy(self.take(length)?).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JKS with one trusted certificate `der` under `alias`.
    fn keystore(alias: &str, der: &[u8], password: &str) -> Vec<u8> {
        let mut bytes = JKS_MAGIC.to_vec();
        bytes.extend(2u32.to_be_bytes());
        bytes.extend(1u32.to_be_bytes());
        bytes.extend(2u32.to_be_bytes());
        bytes.extend((alias.len() as u16).to_be_bytes());
        bytes.extend(alias.as_bytes());
        bytes.extend(0u64.to_be_bytes());
        bytes.extend(5u16.to_be_bytes());
        bytes.extend(b"X.509");
        bytes.extend((der.len() as u32).to_be_bytes());
        bytes.extend(der);
        let digest = integrity(password, &bytes);
        bytes.extend(digest);
        bytes
    }

    #[test]
    fn a_trusted_certificate_is_read_and_the_password_checked() {
        let bytes = keystore("root", &[0x30, 0x00], "changeit");
        let read_with = |p| read(&bytes, p);
        let entries = vec![("root".to_string(), vec![vec![0x30, 0x00]])];
        assert_eq!(
            read_with(Some("changeit")),
            Ok(Keystore {
                entries: entries.clone(),
                verified: true
            })
        );
        assert_eq!(read_with(Some("wrong")), Err(FileProblem::WrongPassword));
        assert_eq!(
            read_with(None),
            Ok(Keystore {
                entries,
                verified: false
            })
        );
    }

    #[test]
    fn a_length_past_the_end_is_malformed_not_a_panic() {
        let mut bytes = keystore("root", &[0x30, 0x00], "x");
        bytes.truncate(30);
        assert!(matches!(
            read(&bytes, None),
            Err(FileProblem::Malformed { .. })
        ));
        let mut huge = JKS_MAGIC.to_vec();
        huge.extend(2u32.to_be_bytes());
        huge.extend(u32::MAX.to_be_bytes());
        assert!(matches!(
            read(&huge, None),
            Err(FileProblem::Malformed { .. })
        ));
    }
}
