//! The process-wide gateway: the HTTP client, the roles, and the rate budgets.

use std::sync::Arc;

use anyhow::{Context, bail};

use super::ratelimit::Limiters;
use super::session::CallSession;
use super::transport::redirect_policy;
use super::{GatewayConfig, SessionSpec};
use crate::contract::UpstreamResponse;
use crate::secret::Secret;

/// The process-wide upstream gateway.
pub struct Gateway {
    pub(crate) config: GatewayConfig,
    pub(crate) client: reqwest::Client,
    /// The client for writes: it never follows a redirect (see `transport`).
    pub(crate) write_client: reqwest::Client,
    pub(crate) limiters: Limiters,
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
    /// Builds the gateway (HTTP client, one rate limiter per credential). Fails when the
    /// timeout or the rate window is zero.
    pub fn new(config: GatewayConfig) -> anyhow::Result<Arc<Self>> {
        if config.request_timeout.is_zero() || config.rate_window.is_zero() {
            bail!("the upstream request timeout and rate window must be longer than zero");
        }
        for (name, role) in &config.roles {
            role.base_url.check().map_err(|why| {
                anyhow::anyhow!("the base URL of upstream role {name} is not usable: {why}")
            })?;
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
        let limiters = Limiters::new(
            config.rate_window,
            config.roles.iter().filter_map(|(name, role)| {
                let auth = role.auth.as_ref()?;
                Some((auth.key(name), role.requests_per_minute))
            }),
        );
        for auth in config.roles.values().filter_map(|role| role.auth.as_ref()) {
            for secret in auth.secrets() {
                config.secrets.add(secret);
            }
        }
        Ok(Arc::new(Gateway {
            config,
            client,
            write_client,
            limiters,
        }))
    }

    /// Every credential value the gateway holds now, so the audit log can redact them by
    /// value.
    pub fn secrets(&self) -> Vec<Secret> {
        self.config.secrets.snapshot()
    }

    /// Opens the session for one tool call.
    pub fn session(self: &Arc<Self>, spec: SessionSpec) -> CallSession {
        CallSession::new(self.clone(), spec)
    }

    /// `text` with every credential value replaced by `[REDACTED]`: the last line of
    /// defence for messages built from lower layers' errors, and for upstream answers
    /// that echo a credential back.
    pub(crate) fn redact(&self, text: String) -> String {
        self.config.secrets.redact(text)
    }

    /// An upstream answer with every credential value the host holds removed from its
    /// headers and body: a hostile or careless upstream that echoes a token back does not
    /// hand it to the plugin.
    pub(crate) fn scrub_response(&self, mut response: UpstreamResponse) -> UpstreamResponse {
        response.body = self.redact(std::mem::take(&mut response.body));
        for (_, value) in &mut response.headers {
            *value = self.redact(std::mem::take(value));
        }
        response
    }
}
