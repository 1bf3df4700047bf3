//! The certificates of a PEM file: every `CERTIFICATE` (or `X509
//! CERTIFICATE`) block, in file order; other blocks (keys, CRLs) are
//! passed over. A block without its end line or with bad base64 is an
//! error naming its line.

use super::FileProblem;

/// The DER of every certificate block of `bytes`.
pub fn certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, FileProblem> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Vec::new();
    let mut open: Option<(usize, String)> = None;
    let mut other_blocks = 0usize;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        match &mut open {
            None if is_certificate_begin(line) => open = Some((index + 1, String::new())),
            None if line.starts_with("-----BEGIN ") => other_blocks += 1,
            None => {}
            Some((begun, body)) if line.starts_with("-----END ") => {
                let der = crate::pem::from_base64(body).map_err(|_| FileProblem::Pem {
                    line: *begun,
                    problem: "bad base64 in the certificate block",
                })?;
                found.push(der);
                open = None;
            }
            Some((begun, _)) if line.starts_with("-----BEGIN ") => {
                return Err(FileProblem::Pem {
                    line: *begun,
                    problem: "certificate block without its END line",
                })
            }
            Some((_, body)) => body.push_str(line),
        }
    }
    if let Some((begun, _)) = open {
        return Err(FileProblem::Pem {
            line: begun,
            problem: "certificate block without its END line",
        });
    }
    match (found.is_empty(), other_blocks) {
        (true, 0) => Err(FileProblem::NotCertificate),
        (true, _) => Err(FileProblem::NoCertificate),
        (false, _) => Ok(found),
    }
}

/// A BEGIN line of a certificate block.
fn is_certificate_begin(line: &str) -> bool {
    line == "-----BEGIN CERTIFICATE-----" || line == "-----BEGIN X509 CERTIFICATE-----"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_read_in_order_and_keys_passed_over() {
        let text = "comment\n-----BEGIN CERTIFICATE-----\nMAMC\nAQE=\n-----END CERTIFICATE-----\n\
                    -----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\
                    -----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        let found = certificates(text.as_bytes()).unwrap();
        assert_eq!(
            found,
            vec![vec![0x30, 0x03, 0x02, 0x01, 0x01], vec![0x30, 0x00]]
        );
    }

    #[test]
    fn bad_blocks_name_their_line() {
        let no_end = "x\n-----BEGIN CERTIFICATE-----\nMAA=\n";
        assert_eq!(
            certificates(no_end.as_bytes()),
            Err(FileProblem::Pem {
                line: 2,
                problem: "certificate block without its END line"
            })
        );
        let bad = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            certificates(bad.as_bytes()),
            Err(FileProblem::Pem { line: 1, .. })
        ));
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            certificates(key.as_bytes()),
            Err(FileProblem::NoCertificate)
        );
        assert_eq!(certificates(b"hello"), Err(FileProblem::NotCertificate));
    }
}
