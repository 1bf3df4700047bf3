//! Turning what a handshake attempt produced into the outcome vocabulary
//! (with the names of failures and alerts), and deciding when a failed
//! modern handshake deserves a legacy retry.

use std::io::ErrorKind;

use super::legacy::{LegacyCapture, LegacyError};
use crate::observation::{hex_prefix, CaptureMethod, Outcome, Phase, TlsSession};
use crate::tls::handshake::{HandshakeFailure, HandshakeRecord};
use crate::tls::AlertDescription;

/// What one attempt produced before the verdict is added: the outcome, the
/// session parameters, and the chain as sent.
pub type Attempt = (Outcome, Option<TlsSession>, Vec<Vec<u8>>);

/// Turns a finished rustls handshake attempt into an attempt result.
pub fn modern(mut record: HandshakeRecord) -> Attempt {
    record.session.error = record.failure.as_ref().map(describe_failure);
    if !record.captured.chain.is_empty() {
        return (Outcome::Tls, Some(record.session), record.captured.chain);
    }
    let outcome = match &record.failure {
        None => Outcome::HandshakeFailed {
            alert: None,
            reason: "handshake completed without a certificate".into(),
        },
        Some(failure) => failure_outcome(failure, &record.first_bytes),
    };
    let session = record.session.version.is_some().then_some(record.session);
    (outcome, session, Vec::new())
}

/// The outcome of a rustls handshake that failed before any certificate.
fn failure_outcome(failure: &HandshakeFailure, first_bytes: &[u8]) -> Outcome {
    if !looks_like_tls(first_bytes) {
        return Outcome::NotTls {
            first_bytes: hex_prefix(first_bytes, 16),
        };
    }
    let reason = describe_failure(failure);
    let phase = Phase::Handshake;
    match failure {
        HandshakeFailure::Closed { .. } => Outcome::Reset { phase, reason },
        HandshakeFailure::Io(e) if is_reset(e.kind()) => Outcome::Reset { phase, reason },
        HandshakeFailure::Io(_) => Outcome::Error { reason },
        HandshakeFailure::Tls(_) => Outcome::HandshakeFailed {
            alert: failure.alert_received().map(alert_name),
            reason,
        },
    }
}

/// One line describing a failure, for `tls.error` and reasons.
pub fn describe_failure(failure: &HandshakeFailure) -> String {
    match failure {
        HandshakeFailure::Closed { reason } => reason.clone(),
        HandshakeFailure::Io(e) => e.to_string(),
        HandshakeFailure::Tls(e) => match failure.alert_received() {
            Some(alert) => format!("alert received: {}", alert_name(alert)),
            None => e.to_string(),
        },
    }
}

/// The RFC's snake_case name of an alert (`handshake_failure`,
/// `unknown_ca`), shared with the legacy path.
pub fn alert_name(alert: AlertDescription) -> String {
    super::legacy::alerts::alert_name(u8::from(alert))
}

/// Whether the first bytes are a plausible TLS record header.
pub fn looks_like_tls(first: &[u8]) -> bool {
    match first {
        [] => true,
        [ty] => (0x14..=0x18).contains(ty),
        [ty, major, ..] => (0x14..=0x18).contains(ty) && *major == 0x03,
    }
}

/// Connection-reset-like I/O errors.
pub fn is_reset(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::ConnectionAborted
    )
}

/// True when a modern attempt failed in a way an old server fails with
/// (an alert, no common version or suite, or a hang-up mid-handshake), so a
/// legacy ClientHello may still capture the chain.
pub fn wants_legacy_retry(outcome: &Outcome) -> bool {
    matches!(
        outcome,
        Outcome::HandshakeFailed { .. }
            | Outcome::Reset {
                phase: Phase::Handshake,
                ..
            }
    )
}

/// Turns a legacy capture into an attempt result.
pub fn legacy(capture: LegacyCapture, handshake_ms: f64) -> Attempt {
    let session = TlsSession {
        version: Some(capture.version.name().to_string()),
        cipher_suite: Some(capture.cipher_suite.clone()),
        handshake_ms,
        handshake_complete: false,
        capture: CaptureMethod::LegacyHello,
        suite_weaknesses: capture.suite_flags.names(),
        ..TlsSession::default()
    };
    (Outcome::Tls, Some(session), capture.chain)
}

/// True when a legacy failure suggests trying a lower version.
pub fn legacy_may_work_lower(error: &LegacyError) -> bool {
    match error {
        LegacyError::Alert { .. } | LegacyError::Closed => true,
        LegacyError::Io(e) => is_reset(e.kind()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_names_are_snake_case() {
        assert_eq!(
            alert_name(AlertDescription::HandshakeFailure),
            "handshake_failure"
        );
        assert_eq!(
            alert_name(AlertDescription::ProtocolVersion),
            "protocol_version"
        );
    }

    #[test]
    fn a_received_alert_is_named_in_the_reason() {
        let failure = HandshakeFailure::Tls(crate::tls::Error::AlertReceived(
            AlertDescription::UnknownCA,
        ));
        assert_eq!(describe_failure(&failure), "alert received: unknown_ca");
        let Outcome::HandshakeFailed { alert, .. } = failure_outcome(&failure, &[0x15, 0x03])
        else {
            panic!("an alert is a failed handshake");
        };
        assert_eq!(alert.as_deref(), Some("unknown_ca"));
    }

    #[test]
    fn tls_record_headers_are_recognised() {
        assert!(looks_like_tls(&[0x16, 0x03, 0x03]));
        assert!(looks_like_tls(&[0x15, 0x03, 0x01, 0x00, 0x02]));
        assert!(!looks_like_tls(b"SSH-2.0-OpenSSH"));
        assert!(!looks_like_tls(b"HTTP/1.1 400"));
        assert!(!looks_like_tls(&[0x16, 0x48]));
    }
}
