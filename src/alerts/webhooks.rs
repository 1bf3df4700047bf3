//! The configured webhooks made ready to send: each webhook's secret read
//! from its environment variable (never from the file, never logged) and
//! its request prepared. Everything here is checked when alerts start, so
//! a missing secret or an unusable URL stops the run before a scan.

use std::path::Path;

use super::http::{Response, Sender};
use super::AlertError;
use crate::config::{AlertsConfig, WebhookConfig};

/// The webhooks of a config, ready to deliver to.
#[derive(Debug)]
pub struct Webhooks {
    configs: Vec<WebhookConfig>,
    sender: Sender,
}

impl Webhooks {
    /// The webhooks of `config` (read from `path`), secrets from the
    /// process environment; `None` when none is configured.
    pub fn prepare(config: &AlertsConfig, path: &Path) -> Result<Option<Webhooks>, AlertError> {
        Webhooks::prepare_with(config, path, &|name| std::env::var(name).ok())
    }

    /// Like [`Webhooks::prepare`], reading variables through `env`.
    pub fn prepare_with(
        config: &AlertsConfig,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Webhooks>, AlertError> {
        if config.webhooks.is_empty() {
            return Ok(None);
        }
        let mut prepared = Vec::new();
        for hook in &config.webhooks {
            let secret = match &hook.auth {
                None => None,
                Some(auth) => Some(env(&auth.env).filter(|v| !v.is_empty()).ok_or_else(|| {
                    let at = hook.position.map_or(String::new(), |p| format!(":{p}"));
                    AlertError::MissingSecret {
                        config: format!("{}{at}", path.display()),
                        webhook: hook.name.clone(),
                        env: auth.env.clone(),
                    }
                })?),
            };
            prepared.push((hook.clone(), secret));
        }
        let sender = Sender::new(&prepared)?;
        Ok(Some(Webhooks {
            configs: config.webhooks.clone(),
            sender,
        }))
    }

    /// The webhooks, in config order.
    pub fn configs(&self) -> &[WebhookConfig] {
        &self.configs
    }

    /// Their names.
    pub fn names(&self) -> Vec<String> {
        self.configs.iter().map(|c| c.name.clone()).collect()
    }

    /// The configured attempt timeout of webhook `name`.
    pub fn timeout(&self, name: &str) -> std::time::Duration {
        self.configs
            .iter()
            .find(|c| c.name == name)
            .map_or(std::time::Duration::from_secs(10), |c| c.timeout)
    }

    /// POSTs `body` to webhook `name` as attempt `attempt`.
    pub(super) async fn post(&self, name: &str, body: &str, attempt: u32) -> Response {
        self.sender.post(name, body, attempt).await
    }
}
