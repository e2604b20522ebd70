//! The per-call store state and the host side of the plugin's imports.
//!
//! Each call gets a fresh [`HostState`]: a WASI context that grants nothing (no preopens,
//! no env, no args, empty stdin, discarded stdout, stderr captured with a cap), the
//! memory limiter, and the call's own upstream port and progress sink.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use wasmtime::component::ResourceTable;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::latest::ikmcp::plugin::{log as wit_log, progress, types, upstream};
use super::limits::CallLimiter;
use super::text::capped;
use super::{CallContext, convert};

/// Longest plugin log message kept, in bytes.
const LOG_MESSAGE_CAP: usize = 2048;
/// Log lines a plugin may write per call; later ones are counted, not logged.
const LOG_LINES_PER_CALL: u32 = 200;
/// Longest progress message forwarded, in bytes.
const PROGRESS_MESSAGE_CAP: usize = 256;
/// Guest stderr kept per call, in bytes.
const STDERR_CAP: usize = 8 * 1024;

/// Store data of one call.
pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: CallLimiter,
    stderr: StderrCapture,
    plugin: Arc<str>,
    tool: String,
    ctx: CallContext,
    log_lines: u32,
    upstream_wait: std::time::Duration,
}

impl HostState {
    /// Time this call has spent waiting for upstream answers (not running guest code).
    pub(crate) fn upstream_wait(&self) -> std::time::Duration {
        self.upstream_wait
    }

    /// State for one call of `tool` in `plugin`, under a `memory_bytes` cap.
    pub(crate) fn new(plugin: Arc<str>, tool: &str, memory_bytes: usize, ctx: CallContext) -> Self {
        let stderr = StderrCapture::default();
        let wasi = WasiCtx::builder()
            .stdin(std::io::empty())
            .stdout(std::io::empty())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        HostState {
            wasi,
            table: ResourceTable::new(),
            limiter: CallLimiter::new(memory_bytes),
            stderr,
            plugin,
            tool: tool.to_string(),
            ctx,
            log_lines: 0,
            upstream_wait: std::time::Duration::ZERO,
        }
    }

    /// Ends the call's hold on its context (upstream session, progress sink, secrets) when
    /// the call returns; the store itself may be dropped later, off the call's path.
    pub(crate) fn end_call(&mut self) {
        self.ctx = CallContext::without_upstream("the call has ended");
    }

    /// The memory limiter the store enforces.
    pub(crate) fn limiter(&mut self) -> &mut CallLimiter {
        &mut self.limiter
    }

    /// What the limiter refused during this call.
    pub(crate) fn limits_hit(&self) -> &CallLimiter {
        &self.limiter
    }

    /// Sends what the guest wrote to stderr (capped) and any suppressed log lines to the
    /// host log, once the call is over.
    pub(crate) fn flush_diagnostics(&self) {
        let (text, cut) = self.stderr.take();
        if !text.is_empty() {
            tracing::warn!(
                plugin = %self.plugin,
                tool = %self.tool,
                truncated_bytes = cut,
                stderr = %self.ctx.secrets.mask_text(&String::from_utf8_lossy(&text)),
                "plugin wrote to stderr"
            );
        }
        if self.log_lines > LOG_LINES_PER_CALL {
            tracing::warn!(
                plugin = %self.plugin,
                tool = %self.tool,
                suppressed = self.log_lines - LOG_LINES_PER_CALL,
                "plugin log lines suppressed (per-call cap)"
            );
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for HostState {}

impl upstream::Host for HostState {
    async fn send(
        &mut self,
        req: upstream::Request,
    ) -> Result<upstream::Response, upstream::UpstreamError> {
        let (request, dropped) = convert::upstream_request(req);
        if !dropped.is_empty() {
            tracing::warn!(
                plugin = %self.plugin,
                tool = %self.tool,
                headers = ?dropped,
                "plugin tried to set credential headers; dropped"
            );
        }
        let started = std::time::Instant::now();
        let answer = self.ctx.upstream.send(request).await;
        self.upstream_wait += started.elapsed();
        answer
            .map(convert::upstream_response)
            .map_err(convert::upstream_error)
    }
}

impl wit_log::Host for HostState {
    async fn log(&mut self, level: wit_log::Level, message: String) {
        self.log_lines = self.log_lines.saturating_add(1);
        if self.log_lines > LOG_LINES_PER_CALL {
            return;
        }
        let message = capped(&self.ctx.secrets.mask_text(&message), LOG_MESSAGE_CAP);
        let (plugin, tool) = (&*self.plugin, self.tool.as_str());
        match level {
            wit_log::Level::Trace => tracing::trace!(plugin, tool, "{message}"),
            wit_log::Level::Debug => tracing::debug!(plugin, tool, "{message}"),
            wit_log::Level::Info => tracing::info!(plugin, tool, "{message}"),
            wit_log::Level::Warn => tracing::warn!(plugin, tool, "{message}"),
            wit_log::Level::Error => tracing::error!(plugin, tool, "{message}"),
        }
    }
}

impl progress::Host for HostState {
    async fn report(&mut self, done: u32, total: Option<u32>, message: Option<String>) {
        if let Some(sink) = &self.ctx.progress {
            sink.report(
                done,
                total,
                message.map(|m| capped(&self.ctx.secrets.mask_text(&m), PROGRESS_MESSAGE_CAP)),
            );
        }
    }
}

/// The guest's stderr: kept in memory up to [`STDERR_CAP`], the rest counted and dropped.
/// Writes never fail, so a chatty guest cannot crash itself through stderr.
#[derive(Clone, Default)]
struct StderrCapture {
    inner: Arc<Mutex<Captured>>,
}

#[derive(Default)]
struct Captured {
    kept: Vec<u8>,
    cut: usize,
}

impl StderrCapture {
    fn push(&self, bytes: &[u8]) {
        let mut captured = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let room = STDERR_CAP.saturating_sub(captured.kept.len());
        let keep = room.min(bytes.len());
        captured.kept.extend_from_slice(&bytes[..keep]);
        captured.cut += bytes.len() - keep;
    }

    fn take(&self) -> (Vec<u8>, usize) {
        let mut captured = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (
            std::mem::take(&mut captured.kept),
            std::mem::take(&mut captured.cut),
        )
    }
}

impl IsTerminal for StderrCapture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for StderrCapture {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl tokio::io::AsyncWrite for StderrCapture {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_capture_keeps_the_cap_and_counts_the_rest() {
        let capture = StderrCapture::default();
        capture.push(&vec![b'x'; STDERR_CAP - 2]);
        capture.push(b"abcd");
        let (kept, cut) = capture.take();
        assert_eq!(kept.len(), STDERR_CAP);
        assert!(kept.ends_with(b"ab"));
        assert_eq!(cut, 2);
        assert_eq!(capture.take(), (Vec::new(), 0));
    }
}
