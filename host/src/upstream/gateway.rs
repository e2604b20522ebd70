//! The process-wide gateway: the HTTP client, the roles, and the rate budgets.

use std::sync::Arc;

use anyhow::{Context, bail};

use super::ratelimit::Limiters;
use super::session::CallSession;
use super::transport::redirect_policy;
use super::{GatewayConfig, SessionSpec};
use crate::secret::Secret;

/// The process-wide upstream gateway.
pub struct Gateway {
    pub(crate) config: GatewayConfig,
    pub(crate) client: reqwest::Client,
    /// The client for writes: it never follows a redirect (see `transport`).
    pub(crate) write_client: reqwest::Client,
    pub(crate) limiters: Limiters,
    secrets: Vec<Secret>,
}

impl std::fmt::Debug for Gateway {
    /// Roles and limits only: credentials print redacted, the client not at all.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// Builds the gateway (HTTP client, one rate limiter per credential). Fails when a
    /// role's base URL is not an `http`/`https` URL with a host, or the timeout is zero.
    pub fn new(config: GatewayConfig) -> anyhow::Result<Arc<Self>> {
        if config.request_timeout.is_zero() {
            bail!("the upstream request timeout must be longer than zero");
        }
        for (name, role) in &config.roles {
            let url = &role.base_url;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                bail!(
                    "the base URL of upstream role {name} must be an http(s) URL with a host, \
                     like https://api.infomaniak.com; got {}",
                    url.origin().ascii_serialization()
                );
            }
        }
        let client = reqwest::Client::builder()
            .redirect(redirect_policy())
            .user_agent(concat!("ikmcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the HTTP client of the upstream gateway")?;
        let write_client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ikmcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the HTTP client of the upstream gateway")?;
        let auths = config.roles.values().filter_map(|role| role.auth.as_ref());
        let limiters = Limiters::new(
            config.requests_per_minute,
            config.burst,
            auths.clone().map(|auth| auth.key()),
        );
        let mut secrets: Vec<Secret> = Vec::new();
        for secret in auths.flat_map(|auth| auth.secrets()) {
            if !secret.expose().is_empty() && !secrets.contains(&secret) {
                secrets.push(secret);
            }
        }
        Ok(Arc::new(Gateway {
            config,
            client,
            write_client,
            limiters,
            secrets,
        }))
    }

    /// Every credential value the gateway holds, so the audit log can redact them by value.
    pub fn secrets(&self) -> Vec<Secret> {
        self.secrets.clone()
    }

    /// Opens the session for one tool call.
    pub fn session(self: &Arc<Self>, spec: SessionSpec) -> CallSession {
        CallSession::new(self.clone(), spec)
    }

    /// `text` with every credential value replaced by `[REDACTED]`: the last line of
    /// defence for messages built from lower layers' errors.
    pub(crate) fn redact(&self, text: String) -> String {
        self.secrets.iter().fold(text, |text, secret| {
            if text.contains(secret.expose()) {
                text.replace(secret.expose(), "[REDACTED]")
            } else {
                text
            }
        })
    }
}
