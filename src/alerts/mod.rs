//! Webhook alerts: events derived from a complete, stored scan (new
//! findings at or above a severity, new shadow CAs, certificates entering
//! an expiry window), enqueued once per webhook and event key in the
//! store's outbox, and delivered in the background with retries.
//!
//! Alerts sit after findings and scores in the pipeline: the app derives
//! and enqueues the events of a scan only once it is stored, tracked and
//! scored, and nothing upstream calls this module.
//!
//! - [`event`]: the events and their keys (pure);
//! - [`outbox`]: the JSON body (`certatlas-alert/1`) and enqueueing;
//! - [`backoff`]: retry verdicts and the backoff schedule (pure);
//! - [`webhooks`]: the configured webhooks, secrets read, requests prepared;
//! - [`dispatcher`]: the long-lived delivery task (`start`, `notify`,
//!   `drain`);
//! - `http`: the HTTP client, the only user of `reqwest`.

pub mod backoff;
pub mod dispatcher;
pub mod event;
mod http;
pub mod outbox;
pub mod webhooks;

#[cfg(test)]
mod tests;

pub use dispatcher::{DeliveryReport, Dispatcher};
pub use event::{derive, AlertEvent, AlertInput};
pub use outbox::{body, enqueue, SCHEMA};
pub use webhooks::Webhooks;

use crate::store::StoreError;

/// Why alerts cannot start or events cannot be enqueued. Delivery
/// failures are not errors: they are recorded in the outbox and logged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AlertError {
    /// The variable a webhook's `auth_env` names is not set.
    #[error(
        "{config}: alerts.webhook {webhook:?}: environment variable {env} (auth_env) is not set \
         or empty"
    )]
    MissingSecret {
        /// The config file and position of the webhook.
        config: String,
        /// The webhook's name.
        webhook: String,
        /// The variable.
        env: String,
    },
    /// A webhook URL that cannot be requested.
    #[error("alerts.webhook {webhook:?}: bad url: {reason}")]
    BadUrl {
        /// The webhook's name.
        webhook: String,
        /// Why.
        reason: String,
    },
    /// An authorisation header that cannot be sent (the value is never shown).
    #[error("alerts.webhook {webhook:?}: header {header}: {reason}")]
    BadHeader {
        /// The webhook's name.
        webhook: String,
        /// The header's name.
        header: String,
        /// Why.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot set up the webhook HTTP client: {0}")]
    Client(String),
    /// The outbox could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}
