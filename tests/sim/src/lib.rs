//! # ikmcp-sim: the sandbox tenant
//!
//! A local HTTP simulator of Infomaniak's APIs for end-to-end tests and the demo. It serves a
//! seeded, deterministic tenant on three loopback listeners:
//!
//! - **api**: the public API (`https://api.infomaniak.com`): `{result, data}` envelope, error
//!   codes, Bearer tokens with scopes, a per-token rate limit, pagination, DNS v2 and core routes;
//! - **manager**: the manager-private proxy (`/proxy/1/...`, `/v3/api/proxypass_2/1/...`),
//!   authenticated by the `SASESSION` cookie, `X-XSRF-TOKEN` on writes (419 otherwise);
//! - **control**: reset, request log and fault injection (see [`control`]).
//!
//! It shares no code with the plugins, so the two sides cannot carry one wrong belief about the
//! API into both. Request bodies are validated against the official OpenAPI documents and the
//! tests validate every response against them (see [`openapi`]).
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use ikmcp_sim::{Sim, SimConfig, Scale};
//! let sim = Sim::start(SimConfig { seed: 42, scale: Scale::Small, ..SimConfig::default() }).await?;
//! let client = reqwest::Client::new();
//! let zones = client
//!     .get(format!("{}/2/zones/example-shop.ch/records", sim.api_url()))
//!     .bearer_auth(sim.token())
//!     .send()
//!     .await?;
//! assert!(zones.status().is_success());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod auth;
pub mod cloud_world;
pub mod control;
pub mod envelope;
pub mod faults;
pub mod openapi;
pub mod ratelimit;
pub mod recorder;
pub mod routes;
pub mod seed;
pub mod seed_account;
pub mod server;
pub mod state;
pub mod utilities_world;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::Faults;
pub use ratelimit::RateLimitMode;
pub use recorder::RecordedRequest;
pub use seed::Scale;
pub use state::State as World;

use server::{Shared, lock};

/// How to start a simulator.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Seed of the generated tenant (same seed, same data, same tokens).
    pub seed: u64,
    /// Size of the tenant.
    pub scale: Scale,
    /// Requests allowed per token per [`SimConfig::rate_limit_period`]; `None` disables the
    /// limit. Infomaniak: 60 per minute.
    pub rate_limit_per_minute: Option<u32>,
    /// The window the limit applies to (60 s for real; shorter in tests).
    pub rate_limit_period: Duration,
    /// How the limit is counted: a sliding window (the default, the strict reading of
    /// "60 requests per minute") or a token bucket.
    pub rate_limit_mode: RateLimitMode,
    /// Address to bind (loopback by default).
    pub bind: IpAddr,
    /// API port (0 = any free port).
    pub api_port: u16,
    /// Manager port (0 = any free port).
    pub manager_port: u16,
    /// Control-plane port (0 = any free port).
    pub control_port: u16,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            scale: Scale::Small,
            rate_limit_per_minute: Some(60),
            rate_limit_period: Duration::from_secs(60),
            rate_limit_mode: RateLimitMode::default(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            api_port: 0,
            manager_port: 0,
            control_port: 0,
        }
    }
}

/// Manager-session credentials: the `SASESSION` cookie and the `X-XSRF-TOKEN` value.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagerSession {
    /// Value of the `SASESSION` cookie.
    pub sasession: String,
    /// Value to send as `X-XSRF-TOKEN` on non-GET requests.
    pub xsrf: String,
}

/// Entry point.
pub struct Sim;

impl Sim {
    /// Generates the tenant, binds the three listeners and serves them on the caller's tokio
    /// runtime until [`SimHandle::shutdown`] (or the handle is dropped).
    pub async fn start(config: SimConfig) -> anyhow::Result<SimHandle> {
        let creds = auth::Credentials::from_seed(config.seed);
        let shared = Arc::new(Shared {
            seed: config.seed,
            scale: config.scale,
            world: Mutex::new(seed::generate(config.seed, config.scale)),
            creds,
            limiter: config.rate_limit_per_minute.filter(|l| *l > 0).map(|l| {
                Mutex::new(ratelimit::RateLimiter::with_mode(
                    l,
                    config.rate_limit_period,
                    config.rate_limit_mode,
                ))
            }),
            faults: Mutex::new(faults::FaultState::new(config.seed)),
            recorder: Mutex::new(recorder::Recorder::default()),
        });
        let bind = |port| async move {
            let addr = SocketAddr::new(config.bind, port);
            TcpListener::bind(addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot bind {addr}: {e}; choose another port or 0"))
        };
        let api = bind(config.api_port).await?;
        let manager = bind(config.manager_port).await?;
        let control = bind(config.control_port).await?;
        let kchat = bind(0).await?;
        let url = |l: &TcpListener| -> anyhow::Result<String> {
            Ok(format!("http://{}", l.local_addr()?))
        };
        let (api_url, manager_url, control_url) = (url(&api)?, url(&manager)?, url(&control)?);
        let kchat_url = url(&kchat)?;
        let (stop, rx) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(server::serve(
                api,
                routes::api_router(shared.clone()),
                rx.clone(),
            )),
            tokio::spawn(server::serve(
                manager,
                routes::manager_router(shared.clone()),
                rx.clone(),
            )),
            tokio::spawn(server::serve(
                kchat,
                routes::kchat_router(shared.clone()),
                rx.clone(),
            )),
            tokio::spawn(server::serve(control, control::router(shared.clone()), rx)),
        ];
        tracing::info!(%api_url, %manager_url, %control_url, seed = config.seed, scale = ?config.scale, "sandbox tenant listening");
        Ok(SimHandle {
            shared,
            api_url,
            manager_url,
            control_url,
            kchat_url,
            stop,
            tasks,
        })
    }
}

/// A running simulator. Dropping it stops the listeners too.
pub struct SimHandle {
    shared: Arc<Shared>,
    api_url: String,
    manager_url: String,
    control_url: String,
    kchat_url: String,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl SimHandle {
    /// Base URL of the public API, e.g. `http://127.0.0.1:41234` (stands for `https://api.infomaniak.com`).
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// Base URL of the manager (stands for `https://manager.infomaniak.com`).
    pub fn manager_url(&self) -> &str {
        &self.manager_url
    }

    /// Base URL of the control plane.
    pub fn control_url(&self) -> &str {
        &self.control_url
    }

    /// kChat's base URL template, `http://127.0.0.1:PORT/t/{team}` (stands for
    /// `https://{team}.kchat.infomaniak.com`; a `Host: {team}.kchat.…` at the root works too).
    pub fn kchat_url(&self) -> String {
        format!("{}/t/{{team}}", self.kchat_url)
    }

    /// The kChat listener's root (Host-routed).
    pub fn kchat_root(&self) -> &str {
        &self.kchat_url
    }

    /// The name of the seeded default kChat team.
    pub fn kchat_team(&self) -> String {
        self.with_world(|w| {
            w.kchat
                .teams
                .first()
                .map(|t| t.name.clone())
                .unwrap_or_default()
        })
    }

    /// The kChat bot token (accepted by kChat only).
    pub fn kchat_bot_token(&self) -> &str {
        &self.shared.creds.kchat_bot
    }

    /// The full-scope sandbox token.
    pub fn token(&self) -> &str {
        &self.shared.creds.token("full").secret
    }

    /// A second full-scope token with its own rate budget.
    pub fn second_token(&self) -> &str {
        &self.shared.creds.token("second").secret
    }

    /// A token with `dns:read` (plus account/profile reads) but no write scope.
    pub fn readonly_dns_token(&self) -> &str {
        &self.shared.creds.token("dns_read").secret
    }

    /// Manager-session credentials.
    pub fn manager_session(&self) -> ManagerSession {
        ManagerSession {
            sasession: self.shared.creds.sasession.clone(),
            xsrf: self.shared.creds.xsrf.clone(),
        }
    }

    /// Every request received so far (API and manager), in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.recorder).all()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared.recorder).clear();
    }

    /// Restores the seeded tenant, forgets rate buckets and clears faults.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Replaces the fault settings (validated; see [`Faults`]).
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        lock(&self.shared.faults).set(faults);
        Ok(())
    }

    /// Clears all faults.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).set(Faults::default());
    }

    /// Reads the live tenant (for assertions).
    pub fn with_world<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        f(&lock(&self.shared.world))
    }

    /// The JSON object the binary prints first on stdout.
    pub fn announcement(&self) -> serde_json::Value {
        serde_json::json!({
            "api": self.api_url, "manager": self.manager_url, "control": self.control_url,
            "kchat": self.kchat_url(), "kchat_team": self.kchat_team(), "kchat_bot_token": self.kchat_bot_token(),
            "token": self.token(),
            "tokens": {"full": self.token(), "second": self.second_token(), "dns_read": self.readonly_dns_token()},
            "manager_session": {"sasession": self.shared.creds.sasession, "xsrf": self.shared.creds.xsrf},
        })
    }

    /// Stops the listeners and waits for the accept loops to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
