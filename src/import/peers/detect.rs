//! Which format a file is, told from its first bytes: nmap XML starts
//! with an XML declaration or `<nmaprun`; sslyze JSON is one document
//! with `server_scan_results`; certatlas lines carry `record`; a zgrab2
//! line has `data` keyed by module; a tlsx line has `probe_status` or its
//! `tls_version`/`certificate`. Anything else is read as certatlas JSON
//! Lines, whose check names what is wrong.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::Format;

/// How much of a file detection reads.
const PREFIX: u64 = 64 << 10;

/// The format of `path`, from its first 64 KiB.
pub fn detect(path: &Path) -> io::Result<Format> {
    let mut prefix = Vec::new();
    File::open(path)?.take(PREFIX).read_to_end(&mut prefix)?;
    Ok(of_prefix(&prefix))
}

/// The format of a file that starts with `prefix`.
fn of_prefix(prefix: &[u8]) -> Format {
    let text = String::from_utf8_lossy(prefix);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('<') {
        return match text.contains("<nmaprun") {
            true => Format::Nmap,
            false => Format::Certatlas,
        };
    }
    let first = text.lines().next().unwrap_or_default();
    let Ok(serde_json::Value::Object(object)) = serde_json::from_str(first) else {
        // Not one object on its first line: a pretty-printed document.
        let sslyze = text.contains("\"server_scan_results\"") || text.contains("\"sslyze_url\"");
        return match sslyze {
            true => Format::Sslyze,
            false => Format::Certatlas,
        };
    };
    let has = |key: &str| object.contains_key(key);
    if has("record") {
        Format::Certatlas
    } else if has("server_scan_results") {
        Format::Sslyze
    } else if has("data") && (has("ip") || has("domain")) {
        Format::Zgrab2
    } else if has("probe_status") || (has("host") && (has("tls_version") || has("certificate"))) {
        Format::Tlsx
    } else {
        Format::Certatlas
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_is_told_by_its_first_bytes() {
        let cases = [
            (
                "<?xml version=\"1.0\"?>\n<!DOCTYPE nmaprun>\n<nmaprun scanner=\"nmap\">",
                Format::Nmap,
            ),
            (
                "{\n  \"invalid_server_strings\": [],\n  \"server_scan_results\": [",
                Format::Sslyze,
            ),
            (
                "{\"server_scan_results\":[],\"sslyze_version\":\"6.3.1\"}",
                Format::Sslyze,
            ),
            (
                "{\"record\":\"scan\",\"schema_version\":1}\n",
                Format::Certatlas,
            ),
            (
                "{\"ip\":\"127.0.0.1\",\"data\":{\"tls\":{}}}\n",
                Format::Zgrab2,
            ),
            (
                "{\"timestamp\":\"x\",\"host\":\"a\",\"port\":\"443\",\"probe_status\":true}\n",
                Format::Tlsx,
            ),
            ("-----BEGIN CERTIFICATE-----", Format::Certatlas),
            ("<html>", Format::Certatlas),
            ("", Format::Certatlas),
        ];
        for (prefix, format) in cases {
            assert_eq!(of_prefix(prefix.as_bytes()), format, "{prefix}");
        }
    }
}
