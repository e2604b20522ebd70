//! The seam between plugin code and the host: the [`Host`] trait (upstream, log, progress)
//! and the per-call [`Ctx`] handed to every tool handler.

use crate::api::Api;
use crate::bindings::ikmcp::plugin::{log, progress, upstream};
use crate::{Level, Request, Response, UpstreamError};

/// Everything a plugin can ask of the host. The component uses [`WasmHost`]; unit tests use
/// `testing::MockHost` with canned responses, so no test needs a running host.
pub trait Host {
    /// Sends one upstream request (see `upstream.send` in the WIT contract).
    fn send(&self, request: &Request) -> Result<Response, UpstreamError>;
    /// Writes one log line into the host's log (stderr).
    fn log(&self, level: Level, message: &str);
    /// Reports progress of a long-running call.
    fn progress(&self, done: u32, total: Option<u32>, message: Option<&str>);
}

/// The real host, reached through the component's imports. Only meaningful inside the
/// wasm component: natively the generated imports are unreachable.
pub struct WasmHost;

impl Host for WasmHost {
    fn send(&self, request: &Request) -> Result<Response, UpstreamError> {
        upstream::send(request)
    }

    fn log(&self, level: Level, message: &str) {
        log::log(level, message);
    }

    fn progress(&self, done: u32, total: Option<u32>, message: Option<&str>) {
        progress::report(done, total, message);
    }
}

/// What a tool handler gets for one call: the host and the plugin's default upstream role.
pub struct Ctx<'a> {
    pub(crate) host: &'a dyn Host,
    role: &'a str,
}

impl<'a> Ctx<'a> {
    /// A context for one call, sending upstream requests with `role`.
    pub fn new(host: &'a dyn Host, role: &'a str) -> Self {
        Ctx { host, role }
    }

    /// The Infomaniak API client for the plugin's role.
    pub fn api(&self) -> Api<'a> {
        Api::new(self.host, self.role)
    }

    /// The host, for clients other than [`Ctx::api`] (e.g. [`crate::plain::PlainApi`]).
    pub fn host(&self) -> &'a dyn Host {
        self.host
    }

    /// The upstream role this call's requests use (and its planned effects declare).
    pub fn role(&self) -> &'a str {
        self.role
    }

    /// Logs a line at `level` into the host's log. Never put secrets or tokens in it.
    pub fn log(&self, level: Level, message: &str) {
        self.host.log(level, message);
    }

    /// Reports that `done` of `total` units are finished, with an optional message.
    pub fn progress(&self, done: u32, total: Option<u32>, message: Option<&str>) {
        self.host.progress(done, total, message);
    }
}
