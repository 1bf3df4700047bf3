//! The HTTP side of alerts, and the only user of `reqwest`: one client
//! (the TLS stack's verifying client config from `crate::tls::verified`, trusting the Mozilla roots of
//! `webpki-roots`; proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` as
//! reqwest reads them; redirects not followed), the prepared request of
//! each webhook (parsed URL, headers with the secret marked sensitive),
//! and one POST per attempt. Errors never carry the URL, whose path may
//! itself be a secret.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};

use super::AlertError;
use crate::config::WebhookConfig;
use crate::tls::verified::mozilla_client_config;

/// What one POST came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status, or `None` when no response arrived.
    pub status: Option<u16>,
    /// What went wrong, for the outbox and the log (`None` for 2xx).
    pub error: Option<String>,
    /// The `Retry-After` delay the server asked for, in seconds.
    pub retry_after: Option<Duration>,
}

struct Target {
    url: reqwest::Url,
    headers: HeaderMap,
    timeout: Duration,
}

/// A client and the prepared request of every webhook.
pub struct Sender {
    client: reqwest::Client,
    targets: BTreeMap<String, Target>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&String> = self.targets.keys().collect();
        f.debug_struct("Sender").field("webhooks", &names).finish()
    }
}

impl Sender {
    /// Prepares `webhooks`, each with its secret header value (already read
    /// from the environment). Fails on a URL or header that cannot be sent.
    pub fn new(webhooks: &[(WebhookConfig, Option<String>)]) -> Result<Sender, AlertError> {
        // TLS for webhooks: aws-lc-rs, safe default versions, Mozilla roots.
        let tls = mozilla_client_config().map_err(|e| AlertError::Client(e.to_string()))?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| AlertError::Client(e.without_url().to_string()))?;
        let targets = webhooks
            .iter()
            .map(|(hook, secret)| Ok((hook.name.clone(), target(hook, secret.as_deref())?)))
            .collect::<Result<_, AlertError>>()?;
        Ok(Sender { client, targets })
    }

    /// POSTs `body` (JSON text) to webhook `name` as attempt `attempt`.
    pub async fn post(&self, name: &str, body: &str, attempt: u32) -> Response {
        let Some(target) = self.targets.get(name) else {
            return failure(None, format!("webhook {name:?} is not configured"));
        };
        let request = self
            .client
            .post(target.url.clone())
            .headers(target.headers.clone())
            .header("X-Certatlas-Attempt", attempt)
            .timeout(target.timeout)
            .body(body.to_string());
        match request.send().await {
            Ok(response) => response_of(&response),
            Err(e) => failure(None, transport_error(e)),
        }
    }
}

fn response_of(response: &reqwest::Response) -> Response {
    let status = response.status();
    if status.is_success() {
        return Response {
            status: Some(status.as_u16()),
            error: None,
            retry_after: None,
        };
    }
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut error = format!("HTTP {status}");
    if status.is_redirection() {
        error.push_str(" (redirects are not followed; configure the final URL)");
    }
    Response {
        status: Some(status.as_u16()),
        error: Some(error),
        retry_after,
    }
}

fn failure(status: Option<u16>, error: String) -> Response {
    Response {
        status,
        error: Some(error),
        retry_after: None,
    }
}

/// A transport error's text with its causes, without the URL.
fn transport_error(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let e = e.without_url();
    let mut text = format!("{kind}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn target(hook: &WebhookConfig, secret: Option<&str>) -> Result<Target, AlertError> {
    let url = reqwest::Url::parse(&hook.url).map_err(|e| AlertError::BadUrl {
        webhook: hook.name.clone(),
        reason: e.to_string(),
    })?;
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let agent = concat!("certatlas/", env!("CARGO_PKG_VERSION"));
    headers.insert(USER_AGENT, HeaderValue::from_static(agent));
    if let (Some(auth), Some(secret)) = (&hook.auth, secret) {
        let bad = |reason: &str| AlertError::BadHeader {
            webhook: hook.name.clone(),
            header: auth.header.clone(),
            reason: reason.to_string(),
        };
        let name = HeaderName::from_bytes(auth.header.as_bytes()).map_err(|_| bad("bad name"))?;
        let mut value = HeaderValue::from_str(secret)
            .map_err(|_| bad("the value has characters a header cannot carry"))?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    Ok(Target {
        url,
        headers,
        timeout: hook.timeout,
    })
}
