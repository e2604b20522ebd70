//! ikmcp host: an MCP server that runs sandboxed WebAssembly plugins to administer
//! Infomaniak accounts, with a confirmation guard and a tamper-evident audit log.
//!
//! The layout follows the architecture: [`sandbox`] runs plugins, [`upstream`] is their
//! only way out, [`guard`] owns a write's whole story (plan, approval, confirmation,
//! apply), [`audit`] records every phase, [`call`] holds what every call shares,
//! [`dispatch`] routes one call to the right runner, [`mcp`] speaks the protocol,
//! [`config`] reads operator policy, [`discovery`] finds plugin components and tells
//! first-party ones by hash, [`grants`] decides which roles each plugin may use, and
//! [`app`] assembles everything at start-up.

pub mod app;
pub mod audit;
pub(crate) mod background;
pub mod builtins;
pub mod call;
pub mod canonical;
pub mod config;
pub mod contract;
pub mod discovery;
pub mod dispatch;
pub mod grants;
pub mod guard;
pub mod mac;
pub mod mcp;
pub mod private_fs;
pub mod registry;
pub mod sandbox;
pub mod sandbox_mode;
pub mod secret;
pub mod secret_args;
pub mod upstream;

use std::sync::Arc;

/// Serves MCP on stdin/stdout until the client disconnects.
///
/// When stdin and stdout are pipes (how MCP clients start a server), they are read and
/// written by the runtime's I/O driver on descriptors of their own (`stdio_pipes`); the
/// plain `stdio()` handles would hand every read and every write to the blocking thread
/// pool, two thread hops per call. Anything else (a terminal, a file, a socket) falls
/// back to those handles.
pub async fn serve_stdio(dispatcher: Arc<dispatch::Dispatcher>) -> anyhow::Result<()> {
    use rmcp::ServiceExt;
    let running = mcp::McpServer::new(dispatcher.clone())
        .serve(rmcp::transport::stdio_pipes())
        .await?;
    let ended = running.waiting().await;
    dispatcher.flush_audit();
    ended?;
    Ok(())
}
