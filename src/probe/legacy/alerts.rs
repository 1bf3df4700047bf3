//! TLS alert descriptions by their snake_case RFC names (RFC 5246, 6066, 7301, 8446).

/// close_notify: the peer is closing the connection.
pub(super) const CLOSE_NOTIFY: u8 = 0;
/// Alert level "warning" (the other is 2, "fatal").
pub(super) const LEVEL_WARNING: u8 = 1;

/// Every registered alert description with its RFC name.
const NAMES: &[(u8, &str)] = &[
    (0, "close_notify"),
    (10, "unexpected_message"),
    (20, "bad_record_mac"),
    (21, "decryption_failed"),
    (22, "record_overflow"),
    (30, "decompression_failure"),
    (40, "handshake_failure"),
    (41, "no_certificate"),
    (42, "bad_certificate"),
    (43, "unsupported_certificate"),
    (44, "certificate_revoked"),
    (45, "certificate_expired"),
    (46, "certificate_unknown"),
    (47, "illegal_parameter"),
    (48, "unknown_ca"),
    (49, "access_denied"),
    (50, "decode_error"),
    (51, "decrypt_error"),
    (60, "export_restriction"),
    (70, "protocol_version"),
    (71, "insufficient_security"),
    (80, "internal_error"),
    (86, "inappropriate_fallback"),
    (90, "user_canceled"),
    (100, "no_renegotiation"),
    (109, "missing_extension"),
    (110, "unsupported_extension"),
    (111, "certificate_unobtainable"),
    (112, "unrecognized_name"),
    (113, "bad_certificate_status_response"),
    (114, "bad_certificate_hash_value"),
    (115, "unknown_psk_identity"),
    (116, "certificate_required"),
    (120, "no_application_protocol"),
];

/// The RFC name of alert `description`, or "unknown_alert_N" for an unregistered value.
pub fn alert_name(description: u8) -> String {
    NAMES
        .iter()
        .find(|(code, _)| *code == description)
        .map_or_else(
            || format!("unknown_alert_{description}"),
            |(_, name)| (*name).to_string(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_alerts_have_their_rfc_names() {
        assert_eq!(alert_name(70), "protocol_version");
        assert_eq!(alert_name(40), "handshake_failure");
        assert_eq!(alert_name(CLOSE_NOTIFY), "close_notify");
        assert_eq!(alert_name(200), "unknown_alert_200");
    }

    #[test]
    fn names_agree_with_the_tls_parser_registry() {
        let squash = |name: &str| {
            let lower = name.replace('_', "").to_ascii_lowercase();
            lower
                .replace("certificate", "cert")
                .replace("cancelled", "canceled")
        };
        for (code, name) in NAMES {
            let registry = tls_parser::TlsAlertDescription(*code).to_string();
            assert_eq!(squash(name), squash(&registry), "alert {code}");
        }
    }
}
