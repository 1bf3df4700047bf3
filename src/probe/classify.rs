//! Turning what a handshake attempt produced into the outcome vocabulary,
//! and deciding when a failed modern handshake deserves a legacy retry.

use std::io::ErrorKind;

use super::legacy::{LegacyCapture, LegacyError};
use crate::tls::handshake::{self as tls, HandshakeFailure, HandshakeRecord};
use crate::observation::{hex_prefix, CaptureMethod, Outcome, Phase, TlsSession};

/// What one attempt produced before the verdict is added: the outcome, the
/// session parameters, and the chain as sent.
pub type Attempt = (Outcome, Option<TlsSession>, Vec<Vec<u8>>);

/// Turns a finished rustls handshake attempt into an attempt result.
pub fn modern(record: HandshakeRecord) -> Attempt {
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
    if !tls::looks_like_tls(first_bytes) {
        return Outcome::NotTls {
            first_bytes: hex_prefix(first_bytes, 16),
        };
    }
    let reason = tls::describe_failure(failure);
    let phase = Phase::Handshake;
    match failure {
        HandshakeFailure::Closed { .. } => Outcome::Reset { phase, reason },
        HandshakeFailure::Io(e) if is_reset(e.kind()) => Outcome::Reset { phase, reason },
        HandshakeFailure::Io(_) => Outcome::Error { reason },
        HandshakeFailure::Tls(rustls::Error::AlertReceived(a)) => Outcome::HandshakeFailed {
            alert: Some(tls::alert_name(*a)),
            reason,
        },
        HandshakeFailure::Tls(_) => Outcome::HandshakeFailed {
            alert: None,
            reason,
        },
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
