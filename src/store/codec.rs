//! How values are encoded in the database columns: fixed-width UTC time
//! text, the endpoint key of an observation (including the `dns_error`
//! rule), the outcome detail object, chain fingerprints and JSON columns.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::error::{corrupt, StoreError};
use crate::observation::{Observation, Outcome};

/// Instants the tool records: nanosecond precision, fixed width, `Z`.
const INSTANT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z");

/// Certificate validity bounds: whole seconds, fixed width, `Z`.
const VALIDITY: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Formats an instant as fixed-width UTC text (text order = time order).
pub fn format_instant(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    utc.format(INSTANT).unwrap_or_else(|_| utc.to_string())
}

/// Formats a certificate validity bound as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_validity(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    utc.format(VALIDITY).unwrap_or_else(|_| utc.to_string())
}

/// Parses text written by [`format_instant`] or [`format_validity`]
/// (or any RFC 3339 time, for hand-edited rows).
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    [INSTANT, VALIDITY]
        .iter()
        .find_map(|format| PrimitiveDateTime::parse(text, format).ok())
        .map(PrimitiveDateTime::assume_utc)
        .or_else(|| OffsetDateTime::parse(text, &Rfc3339).ok())
}

/// Parses a stored time or reports which column of which row is damaged.
pub fn stored_time(path: &Path, what: &str, text: &str) -> Result<OffsetDateTime, StoreError> {
    parse_time(text).ok_or_else(|| corrupt(path, format!("{what}: {text:?} is not a time")))
}

/// The `endpoints.address` text of an observation: the IP address, or the
/// target host name when resolution failed and there is no address.
pub fn endpoint_address(observation: &Observation) -> String {
    match observation.address {
        Some(address) => address.to_string(),
        None => observation.host.clone(),
    }
}

/// The `endpoints.sni` text: `''` when no SNI was sent.
pub fn sni_text(sni: Option<&str>) -> &str {
    sni.unwrap_or("")
}

/// The inverse of [`sni_text`].
pub fn sni_option(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// Keys of the observation's JSON form that have columns of their own.
const COLUMN_KEYS: &[&str] = &[
    "host",
    "address",
    "port",
    "sni",
    "started_at",
    "duration_ms",
    "status",
    "tls",
    "chain_der",
    "verdict",
];

/// The outcome's fields other than `status`, as a JSON object.
pub fn outcome_detail(outcome: &Outcome) -> Map<String, Value> {
    match serde_json::to_value(outcome) {
        Ok(Value::Object(mut object)) => {
            object.remove("status");
            object
        }
        _ => Map::new(),
    }
}

/// The observation's remaining fields (its JSON form less the columns and
/// the outcome detail), as a JSON object text. Call it on an observation
/// whose `chain_der` has been taken out, to avoid encoding the DER.
pub fn observation_extra(observation: &Observation, detail: &Map<String, Value>) -> String {
    let mut value = serde_json::to_value(observation).unwrap_or(Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.retain(|key, _| !COLUMN_KEYS.contains(&key.as_str()) && !detail.contains_key(key));
    }
    value.to_string()
}

/// The column values an observation is rebuilt from.
pub struct ObservationColumns {
    /// `observations.host`.
    pub host: String,
    /// `endpoints.address`.
    pub address: String,
    /// `endpoints.port`.
    pub port: u16,
    /// `endpoints.sni`.
    pub sni: String,
    /// `observations.observed_at`.
    pub observed_at: String,
    /// `observations.duration_ms`.
    pub duration_ms: f64,
    /// `observations.status`.
    pub status: String,
    /// `observations.detail`.
    pub detail: String,
    /// `observations.tls`.
    pub tls: Option<String>,
    /// `observations.verdict`.
    pub verdict: Option<String>,
    /// `observations.extra`.
    pub extra: String,
}

impl ObservationColumns {
    /// Rebuilds the observation, with the chain DER given separately.
    pub fn rebuild(self, path: &Path, chain_der: Vec<Vec<u8>>) -> Result<Observation, StoreError> {
        let started_at = stored_time(path, "observations.observed_at", &self.observed_at)?;
        let mut object: Map<String, Value> = json_column(path, "observations.extra", &self.extra)?;
        let detail: Map<String, Value> = json_column(path, "observations.detail", &self.detail)?;
        object.extend(detail);
        object.insert("status".into(), self.status.clone().into());
        object.insert("host".into(), self.host.into());
        object.insert("port".into(), self.port.into());
        object.insert("duration_ms".into(), self.duration_ms.into());
        let rfc3339 = started_at.format(&Rfc3339).unwrap_or_default();
        object.insert("started_at".into(), rfc3339.into());
        let mut observation: Observation = serde_json::from_value(Value::Object(object))
            .map_err(|e| corrupt(path, format!("observation ({}): {e}", self.status)))?;
        observation.started_at = started_at;
        observation.address = self.address.parse().ok();
        observation.sni = sni_option(self.sni);
        observation.tls = optional_json(path, "observations.tls", self.tls.as_deref())?;
        observation.verdict = optional_json(path, "observations.verdict", self.verdict.as_deref())?;
        observation.chain_der = chain_der;
        Ok(observation)
    }
}

/// The chain fingerprint: SHA-256 of the concatenated lowercase-hex SHA-256s
/// of its certificates, leaf first, without separators.
pub fn chain_fingerprint<S: AsRef<str>>(certificate_sha256s: &[S]) -> String {
    let joined: String = certificate_sha256s.iter().map(AsRef::as_ref).collect();
    crate::certs::sha256_hex(joined.as_bytes())
}

/// Serialises a value for a JSON column.
pub fn json_text<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

/// Decodes a nullable JSON column.
pub fn optional_json<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    text: Option<&str>,
) -> Result<Option<T>, StoreError> {
    text.map(|text| json_column(path, what, text)).transpose()
}

/// Decodes a JSON column, naming it when the text is damaged.
pub fn json_column<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(path, format!("{what}: invalid JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn instants_round_trip_and_sort_as_text() {
        let early = datetime!(2026-06-01 12:00:00.5 UTC);
        let late = datetime!(2026-06-01 12:00:00.51 UTC);
        let (a, b) = (format_instant(early), format_instant(late));
        assert!(a < b, "{a} should sort before {b}");
        assert_eq!(parse_time(&a), Some(early));
        let offset = datetime!(2026-06-01 14:00 +02:00);
        assert_eq!(parse_time(&format_instant(offset)), Some(offset));
    }

    #[test]
    fn validity_is_whole_seconds_utc() {
        let at = datetime!(2030-01-02 03:04:05 UTC);
        assert_eq!(format_validity(at), "2030-01-02T03:04:05Z");
        assert_eq!(parse_time(&format_validity(at)), Some(at));
    }

    #[test]
    fn extra_keeps_only_fields_without_columns() {
        let mut observation: Observation = serde_json::from_value(serde_json::json!({
            "host": "mail.test", "address": "127.0.0.1", "port": 25, "sni": "mail.test",
            "started_at": "2026-06-01T12:00:00Z", "duration_ms": 1.0,
            "status": "reset", "phase": "handshake", "reason": "peer reset",
            "starttls": "smtp", "sni_source": "target",
        }))
        .unwrap();
        observation.chain_der.clear();
        let detail = outcome_detail(&observation.outcome);
        assert_eq!(
            Value::Object(detail.clone()),
            serde_json::json!({"phase": "handshake", "reason": "peer reset"})
        );
        let extra: Map<String, Value> =
            serde_json::from_str(&observation_extra(&observation, &detail)).unwrap();
        assert_eq!(extra.get("starttls"), Some(&Value::from("smtp")));
        for key in COLUMN_KEYS.iter().chain(["phase", "reason"].iter()) {
            assert!(
                !extra.contains_key(*key),
                "{key} leaked into extra: {extra:?}"
            );
        }
    }

    #[test]
    fn chain_fingerprint_depends_on_order() {
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        assert_ne!(chain_fingerprint(&[&a, &b]), chain_fingerprint(&[&b, &a]));
        assert_eq!(
            chain_fingerprint(&[&a, &b]),
            crate::certs::sha256_hex(format!("{a}{b}").as_bytes())
        );
    }
}
