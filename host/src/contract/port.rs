//! The port between a plugin's calls and the upstream gateway: what the sandbox calls for
//! the `upstream.send` import, and what the gateway implements for each tool call.
//!
//! It belongs to the contract rather than to either side so that `sandbox` and `upstream`
//! both depend on it and never on each other.

use std::future::Future;
use std::pin::Pin;

use super::{UpstreamError, UpstreamRequest, UpstreamResponse};

/// A boxed, sendable future (object-safe async).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the sandbox calls for the plugin's `upstream.send` import.
pub trait UpstreamPort: Send {
    /// Sends one request on the plugin's behalf.
    fn send(
        &mut self,
        request: UpstreamRequest,
    ) -> BoxFuture<'_, Result<UpstreamResponse, UpstreamError>>;
}
