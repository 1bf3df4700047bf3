//! Certificates as PEM text (RFC 7468: 64-column base64 between
//! `BEGIN`/`END CERTIFICATE` lines), for `cas --export`, `init` and the
//! evidence bundle.

use base64::Engine as _;

/// `der` as one PEM `CERTIFICATE` block, ending with a newline.
pub fn certificate(der: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_are_64_columns_and_the_block_is_framed() {
        let pem = super::certificate(&[0x30; 100]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
        assert!(pem.ends_with('\n'));
    }
}
