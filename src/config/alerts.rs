//! `[[alerts.webhook]]`: the webhooks that receive alert events, read
//! strictly and checked value by value (name, URL, severity, events,
//! window, timeout, the authorisation header and the environment variable
//! its secret comes from). Secrets never come from the file; whether the
//! variable is set is checked when alerts start, before a scan.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::document::Spanned;
use serde::Deserialize;
use strum::{EnumString, IntoStaticStr, VariantArray};

use super::error::ConfigError;
use super::source::Source;
use crate::located::Position;
use crate::rule_vocabulary::Severity;

/// `[alerts]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertsConfig {
    /// `[[alerts.webhook]]`, in file order.
    pub webhooks: Vec<WebhookConfig>,
}

/// What a webhook can be sent. Its name is derived ([`WebhookEvent::name`]);
/// every kind is [`VariantArray::VARIANTS`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    VariantArray,
    IntoStaticStr,
    EnumString,
)]
#[strum(serialize_all = "snake_case")]
pub enum WebhookEvent {
    /// A finding new (or back) in a scan, at or above `min_severity`.
    Finding,
    /// A CA classified shadow that the previous complete scan did not have.
    ShadowCa,
    /// A leaf in service entering the expiry window.
    Expiry,
}

impl WebhookEvent {
    /// The name in the config and in alert bodies.
    pub fn name(self) -> &'static str {
        self.into()
    }

    fn parse(text: &str) -> Option<WebhookEvent> {
        text.parse().ok()
    }
}

/// One `[[alerts.webhook]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    /// Unique name (letters, digits, `.`, `_`, `-`): outbox rows, logs and
    /// metrics name the webhook by it.
    pub name: String,
    /// `http://` or `https://` URL the events are POSTed to.
    pub url: String,
    /// Findings below this severity are not sent (default `high`).
    pub min_severity: Severity,
    /// The kinds of events sent (default: all).
    pub events: BTreeSet<WebhookEvent>,
    /// Days before notAfter at which a leaf enters the expiry window (default 30).
    pub expiry_window_days: u32,
    /// Deadline of one delivery attempt (default 10 s).
    pub timeout: Duration,
    /// An authorisation header whose value is read from the environment.
    pub auth: Option<WebhookAuth>,
    /// Where the webhook's table is in the file (for errors found later).
    pub position: Option<Position>,
}

/// A header sent with every request, its value from an environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAuth {
    /// Header name (default `Authorization`).
    pub header: String,
    /// Environment variable holding the whole header value (e.g. `Bearer …`).
    pub env: String,
}

/// Default `min_severity` (the defaults are documented in the README).
pub const DEFAULT_MIN_SEVERITY: Severity = Severity::High;
/// Default expiry window.
pub const DEFAULT_EXPIRY_WINDOW_DAYS: u32 = 30;
/// Default delivery timeout.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 10;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlerts {
    /// `[[alerts.webhook]]`: webhooks receiving alert events, in file order.
    #[serde(default)]
    webhook: Vec<Spanned<RawWebhook>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    /// Unique name (letters, digits, `.`, `_`, `-`): outbox rows, logs and metrics name the webhook by it.
    name: Spanned<String>,
    /// `http://` or `https://` URL the events are POSTed to.
    url: Spanned<String>,
    /// Findings below this severity are not sent (default `high`).
    min_severity: Option<Spanned<String>>,
    /// The kinds of events sent (default: all).
    events: Option<Spanned<Vec<Spanned<String>>>>,
    /// Days before notAfter at which a leaf enters the expiry window (default 30).
    expiry_window_days: Option<Spanned<i64>>,
    /// Deadline of one delivery attempt, in seconds (default 10).
    timeout_seconds: Option<Spanned<i64>>,
    /// Name of a header sent with every request (default `Authorization` when `auth_env` is set).
    auth_header: Option<Spanned<String>>,
    /// Environment variable holding the whole header value (e.g. `Bearer ...`).
    auth_env: Option<Spanned<String>>,
}

impl RawAlerts {
    /// Checks every webhook; names must be unique.
    pub fn check(self, src: &Source<'_>) -> Result<AlertsConfig, ConfigError> {
        let mut webhooks: Vec<WebhookConfig> = Vec::new();
        for (index, raw) in self.webhook.into_iter().enumerate() {
            let name_span = raw.get_ref().name.span();
            let webhook = check_webhook(index, raw, src)?;
            if webhooks.iter().any(|w| w.name == webhook.name) {
                let problem = format!(
                    "alerts.webhook[{index}]: name {:?} is already used by another webhook",
                    webhook.name
                );
                return Err(src.error(&name_span, problem));
            }
            webhooks.push(webhook);
        }
        Ok(AlertsConfig { webhooks })
    }
}

fn check_webhook(
    index: usize,
    raw: Spanned<RawWebhook>,
    src: &Source<'_>,
) -> Result<WebhookConfig, ConfigError> {
    let position = Some(Position::of_span(src.text, &raw.span()));
    let raw = raw.into_inner();
    let label = format!("alerts.webhook[{index}]");
    let fail = |span: &std::ops::Range<usize>, problem: String| {
        src.error(span, format!("{label}: {problem}"))
    };
    let name = raw.name.get_ref().trim().to_string();
    name_problem(&name).map_or(Ok(()), |p| Err(fail(&raw.name.span(), p)))?;
    let url = raw.url.get_ref().trim().to_string();
    url_problem(&url).map_or(Ok(()), |p| Err(fail(&raw.url.span(), p)))?;
    let min_severity = severity_of(raw.min_severity.as_ref(), &fail)?;
    let events = events_of(raw.events, &fail)?;
    let expiry_window_days = bounded(
        raw.expiry_window_days,
        i64::from(DEFAULT_EXPIRY_WINDOW_DAYS),
        1..=3650,
        "expiry_window_days",
    )
    .map_err(|(span, p)| fail(&span, p))?;
    let timeout = bounded(
        raw.timeout_seconds,
        DEFAULT_TIMEOUT_SECONDS as i64,
        1..=300,
        "timeout_seconds",
    )
    .map_err(|(span, p)| fail(&span, p))?;
    let auth = auth_of(raw.auth_header, raw.auth_env, &fail)?;
    Ok(WebhookConfig {
        name,
        url,
        min_severity,
        events,
        expiry_window_days: expiry_window_days as u32,
        timeout: Duration::from_secs(timeout as u64),
        auth,
        position,
    })
}

type Fail<'a> = dyn Fn(&std::ops::Range<usize>, String) -> ConfigError + 'a;

fn severity_of(raw: Option<&Spanned<String>>, fail: &Fail<'_>) -> Result<Severity, ConfigError> {
    let Some(text) = raw else {
        return Ok(DEFAULT_MIN_SEVERITY);
    };
    Severity::parse(text.get_ref()).ok_or_else(|| {
        let problem = format!(
            "min_severity {:?} is not one of critical, high, medium, low, info",
            text.get_ref()
        );
        fail(&text.span(), problem)
    })
}

fn events_of(
    raw: Option<Spanned<Vec<Spanned<String>>>>,
    fail: &Fail<'_>,
) -> Result<BTreeSet<WebhookEvent>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(WebhookEvent::VARIANTS.iter().copied().collect());
    };
    if raw.get_ref().is_empty() {
        let problem = "events is empty (leave it out to send every kind)".to_string();
        return Err(fail(&raw.span(), problem));
    }
    raw.get_ref()
        .iter()
        .map(|event| {
            WebhookEvent::parse(event.get_ref().trim()).ok_or_else(|| {
                let problem = format!(
                    "event {:?} is not one of finding, shadow_ca, expiry",
                    event.get_ref()
                );
                fail(&event.span(), problem)
            })
        })
        .collect()
}

/// An optional integer within `range`, else `default`; the error carries
/// the value's span.
fn bounded(
    value: Option<Spanned<i64>>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
    key: &str,
) -> Result<i64, (std::ops::Range<usize>, String)> {
    match value {
        None => Ok(default),
        Some(v) if range.contains(v.get_ref()) => Ok(*v.get_ref()),
        Some(v) => Err((
            v.span(),
            format!(
                "{key} must be between {} and {}, not {}",
                range.start(),
                range.end(),
                v.get_ref()
            ),
        )),
    }
}

fn auth_of(
    header: Option<Spanned<String>>,
    env: Option<Spanned<String>>,
    fail: &Fail<'_>,
) -> Result<Option<WebhookAuth>, ConfigError> {
    let Some(env) = env else {
        return match header {
            Some(header) => Err(fail(
                &header.span(),
                "auth_header needs auth_env (the variable holding its value)".into(),
            )),
            None => Ok(None),
        };
    };
    let valid_env = |name: &str| {
        name.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if !valid_env(env.get_ref()) {
        let problem = format!(
            "auth_env {:?} is not an environment variable name (letters, digits, _)",
            env.get_ref()
        );
        return Err(fail(&env.span(), problem));
    }
    let header_name = header
        .as_ref()
        .map_or("Authorization", |h| h.get_ref().as_str());
    if header_name.is_empty() || !header_name.bytes().all(is_token_byte) {
        let span = header.as_ref().map_or(env.span(), |h| h.span());
        return Err(fail(
            &span,
            format!("auth_header {header_name:?} is not a header name"),
        ));
    }
    Ok(Some(WebhookAuth {
        header: header_name.to_string(),
        env: env.into_inner(),
    }))
}

/// An HTTP token character (RFC 9110 `tchar`).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Why `name` cannot name a webhook.
fn name_problem(name: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) {
        return Some(format!(
            "name {name:?} must be 1 to 64 letters, digits, '.', '_' or '-'"
        ));
    }
    None
}

/// Why `url` cannot be POSTed to (the full parse happens when alerts start).
fn url_problem(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let rest = match ["https://", "http://"]
        .iter()
        .find(|s| lower.starts_with(**s))
    {
        Some(scheme) => &url[scheme.len()..],
        None => return Some(format!("url {url:?} must start with http:// or https://")),
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!("url {url:?} contains spaces or control characters"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Some("url must not carry credentials; use auth_header and auth_env".into());
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (authority, None),
    };
    if host.is_empty() || host == "[]" {
        return Some(format!("url {url:?} has no host"));
    }
    if port.is_some_and(|p| !p.parse::<u16>().is_ok_and(|p| p > 0)) {
        return Some(format!("url {url:?} has a bad port"));
    }
    None
}

#[cfg(test)]
#[path = "alerts_tests.rs"]
mod tests;
