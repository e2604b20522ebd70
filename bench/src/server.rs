//! One `ikmcp` under test, driven from outside like a real client: a child process with a
//! clean environment and an rmcp client session over its stdio.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use anyhow::{Context, bail};
use rmcp::model::{CallToolRequestParams, CallToolResult, ListToolsResult, Tool};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::Value;

use crate::wire::Wire;

/// How to launch servers under test: which binary, which tenant, which limits.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The release `ikmcp` binary.
    pub bin: PathBuf,
    /// Base URL of the sandbox tenant's API.
    pub api_url: String,
    /// The tenant's API token.
    pub token: String,
    /// The precompile cache directory (`IKMCP_CACHE_DIR`).
    pub cache_dir: PathBuf,
    /// The host's own per-credential budget (`IKMCP_REQUESTS_PER_MINUTE`, 0 = unlimited).
    pub requests_per_minute: u32,
    /// The TOML configuration file's text (`IKMCP_CONFIG`; empty = defaults).
    pub config: String,
    /// The audit log (`IKMCP_AUDIT_LOG`; `None` = a fresh one in the server's HOME).
    pub audit_log: Option<PathBuf>,
}

/// A running `ikmcp` with an initialized MCP session.
pub struct Server {
    client: RunningService<RoleClient, ()>,
    pid: u32,
    spawned_at: Instant,
    /// HOME, config and audit log of this process; removed when the server is dropped.
    _home: tempfile::TempDir,
}

impl Launch {
    /// The command with nothing from the developer's shell: only PATH, a throw-away HOME
    /// and the variables the host documents.
    fn command(&self, home: &Path) -> anyhow::Result<tokio::process::Command> {
        let config = home.join("ikmcp.toml");
        std::fs::write(&config, &self.config)
            .with_context(|| format!("writing the config file {}", config.display()))?;
        let mut cmd = tokio::process::Command::new(&self.bin);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("IKMCP_CONFIG", &config)
            .env(
                "IKMCP_AUDIT_LOG",
                self.audit_log
                    .clone()
                    .unwrap_or_else(|| home.join("audit.jsonl")),
            )
            .env("IKMCP_CACHE_DIR", &self.cache_dir)
            .env(
                "IKMCP_REQUESTS_PER_MINUTE",
                self.requests_per_minute.to_string(),
            )
            .env("IKMCP_LOG", "warn")
            .env("INFOMANIAK_API_URL", &self.api_url)
            .env("INFOMANIAK_API_TOKEN", &self.token);
        Ok(cmd)
    }

    /// Spawns `ikmcp` and completes the MCP `initialize` handshake.
    pub async fn start(&self) -> anyhow::Result<Server> {
        let home = tempfile::tempdir().context("creating a temporary HOME")?;
        let cmd = self.command(home.path())?;
        Server::spawn(cmd, home, &self.bin.display().to_string()).await
    }
}

impl Launch {
    /// Spawns `ikmcp` for the per-call figures, spoken to with the bare client
    /// ([`crate::wire`]).
    pub async fn start_wire(&self) -> anyhow::Result<Wire> {
        let home = tempfile::tempdir().context("creating a temporary HOME")?;
        let cmd = self.command(home.path())?;
        let audit_log = self
            .audit_log
            .clone()
            .unwrap_or_else(|| home.path().join("audit.jsonl"));
        Wire::spawn(cmd, home, audit_log, &self.bin.display().to_string()).await
    }
}

impl Server {
    /// Spawns `cmd` (an MCP server over stdio living in `home`) and completes the
    /// `initialize` handshake; `what` names it in errors.
    pub async fn spawn(
        cmd: tokio::process::Command,
        home: tempfile::TempDir,
        what: &str,
    ) -> anyhow::Result<Server> {
        let spawned_at = Instant::now();
        let (transport, _) = TokioChildProcess::builder(cmd)
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| {
                format!("starting {what} (run `make bench`, which builds it first)")
            })?;
        let pid = transport
            .id()
            .with_context(|| format!("{what} exited before it could be measured"))?;
        let client = ().serve(transport).await.with_context(|| {
            format!("MCP initialize with {what} failed (its stderr above says why)")
        })?;
        Ok(Server {
            client,
            pid,
            spawned_at,
            _home: home,
        })
    }

    /// When the process was spawned (cold start is measured from here).
    pub fn spawned_at(&self) -> Instant {
        self.spawned_at
    }

    /// Every page of `tools/list`, as received.
    pub async fn list_tools(&self) -> anyhow::Result<Vec<ListToolsResult>> {
        let mut pages = Vec::new();
        let mut cursor = None;
        loop {
            let params =
                cursor.map(|c| rmcp::model::PaginatedRequestParams::default().with_cursor(Some(c)));
            let page = self.client.list_tools(params).await.context("tools/list")?;
            cursor = page.next_cursor.clone();
            pages.push(page);
            if cursor.is_none() {
                return Ok(pages);
            }
        }
    }

    /// Every tool, in the server's order.
    pub async fn tools(&self) -> anyhow::Result<Vec<Tool>> {
        Ok(self
            .list_tools()
            .await?
            .into_iter()
            .flat_map(|p| p.tools)
            .collect())
    }

    /// One `tools/call`; a protocol error is an error, a tool error is a result.
    pub async fn call(&self, name: &str, args: &Value) -> anyhow::Result<CallToolResult> {
        let args = args.as_object().cloned().unwrap_or_default();
        self.client
            .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args))
            .await
            .with_context(|| format!("tools/call {name} failed at the protocol level"))
    }

    /// One `tools/call` that must succeed; returns its structured content.
    pub async fn call_ok(&self, name: &str, args: &Value) -> anyhow::Result<Value> {
        let result = self.call(name, args).await?;
        if result.is_error == Some(true) {
            bail!("{name} returned an error: {}", excerpt(&text(&result)));
        }
        Ok(result.structured_content.unwrap_or(Value::Null))
    }

    /// Peak resident memory of the process so far, in KiB.
    pub fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        crate::procfs::peak_rss_kib(self.pid)
    }

    /// Ends the session; the child process is killed if it does not exit by itself.
    pub async fn stop(self) {
        let _ = self.client.cancel().await;
    }
}

/// The text content of a result.
pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The start of a long text, for error messages.
fn excerpt(text: &str) -> String {
    const MAX: usize = 400;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_long_texts_on_a_char_boundary() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(500);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 401);
        assert!(cut.ends_with('…'));
    }

    #[tokio::test]
    async fn a_missing_binary_is_reported_with_what_to_do() {
        let launch = Launch {
            bin: PathBuf::from("/nonexistent/ikmcp"),
            api_url: "http://127.0.0.1:9".into(),
            token: "t".into(),
            cache_dir: std::env::temp_dir(),
            requests_per_minute: 0,
            audit_log: None,
            config: String::new(),
        };
        let err = launch.start().await.err().expect("cannot start");
        assert!(format!("{err:#}").contains("make bench"), "{err:#}");
    }
}
