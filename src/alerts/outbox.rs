//! The JSON body of an alert (schema `certatlas-alert/1`, documented
//! field by field in the README) and enqueueing a scan's events into the
//! store's outbox, one row per webhook and event key.

use time::OffsetDateTime;

use super::event::{derive, AlertEvent, AlertInput};
use super::webhooks::Webhooks;
use super::AlertError;
use crate::store::{NewAlert, ScanId, Store};
use crate::time_text::rfc3339;

/// The schema name every body carries.
pub const SCHEMA: &str = "certatlas-alert/1";

/// The body POSTed to `webhook` for `event` of `scan`, detected at `time`.
pub fn body(
    event: &AlertEvent,
    webhook: &str,
    scan: ScanId,
    time: OffsetDateTime,
) -> serde_json::Value {
    let mut body = serde_json::json!({
        "schema": SCHEMA,
        "webhook": webhook,
        "scan": scan.0,
        "time": rfc3339(time),
    });
    if let (Some(map), Ok(serde_json::Value::Object(fields))) =
        (body.as_object_mut(), serde_json::to_value(event))
    {
        map.extend(fields);
    }
    body
}

/// Derives the events of `input` for every webhook and enqueues them;
/// returns how many rows were new (events already in the outbox for a
/// webhook are skipped: that is the deduplication across scans).
pub fn enqueue(
    store: &Store,
    webhooks: &Webhooks,
    input: &AlertInput<'_>,
) -> Result<usize, AlertError> {
    let mut rows = Vec::new();
    for webhook in webhooks.configs() {
        for event in derive(input, webhook) {
            rows.push(NewAlert {
                webhook: webhook.name.clone(),
                event_key: event.key.clone(),
                kind: event.kind.name().to_string(),
                scan: input.scan,
                payload: body(&event, &webhook.name, input.scan, input.now),
            });
        }
    }
    let added = store.enqueue_alerts(&rows, input.now)?;
    tracing::info!(
        "alerts: {} events for {} webhooks, {added} new in the outbox",
        rows.len(),
        webhooks.configs().len()
    );
    Ok(added)
}
