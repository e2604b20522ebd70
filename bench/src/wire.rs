//! A bare MCP client for the per-call figures: one JSON-RPC line written to the server's
//! stdin, its answer read as one line from its stdout, nothing else in between: blocking
//! reads and writes on the pipes, from a thread of its own (`spawn_blocking`), so no async
//! runtime sits between the answer's arrival and the clock.
//!
//! The per-call figures are meant to show what the server adds to a call. A full client
//! library adds its own work to every round trip (rmcp's client passes each request and
//! answer through its own tasks and channels, and parses the answer into typed models
//! before the caller sees it); that is the client's cost, not the server's, so the timed
//! window here holds only the write of the request line and the read of the answer line.
//! The request is serialized before the clock starts and the answer parsed and checked
//! after it stops. `ikmcp` and the Node stand-in are measured with this same client; the
//! rmcp client's figure is kept beside them as a cross-check (`calls::run`).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// A server under test, spoken to line by line. Its calls block: make them from a thread
/// of their own (see [`crate::calls::timed_calls`]).
pub struct Wire {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    pid: u32,
    next_id: u64,
    /// The server's audit log (nothing there for the Node stand-in).
    audit_log: PathBuf,
    /// HOME, config and audit log of this process; removed when the server is dropped.
    _home: tempfile::TempDir,
}

/// One answered `tools/call`.
pub struct Answer {
    /// From the first byte of the request written to the answer's last byte read.
    pub elapsed: Duration,
    /// The call's `result`.
    pub result: Value,
}

impl Wire {
    /// Spawns `cmd` (an MCP server over stdio living in `home`) and completes the
    /// `initialize` handshake; `what` names it in errors.
    pub async fn spawn(
        cmd: tokio::process::Command,
        home: tempfile::TempDir,
        audit_log: PathBuf,
        what: &str,
    ) -> anyhow::Result<Wire> {
        let what = what.to_string();
        tokio::task::spawn_blocking(move || Wire::start(cmd.into_std(), home, audit_log, &what))
            .await
            .context("the client thread panicked")?
    }

    fn start(
        mut cmd: std::process::Command,
        home: tempfile::TempDir,
        audit_log: PathBuf,
        what: &str,
    ) -> anyhow::Result<Wire> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| {
                format!("starting {what} (run `make bench`, which builds it first)")
            })?;
        let pid = child.id();
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            bail!("{what} was spawned without piped stdio");
        };
        let mut wire = Wire {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            pid,
            next_id: 0,
            audit_log,
            _home: home,
        };
        let init = json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "ikmcp-bench", "version": env!("CARGO_PKG_VERSION")},
        });
        wire.request("initialize", init).with_context(|| {
            format!("MCP initialize with {what} failed (its stderr above says why)")
        })?;
        wire.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))?;
        Ok(wire)
    }

    /// One `tools/call`, timed from the request's write to the answer's read; a protocol
    /// error is an error, a tool error (`isError`) is the caller's to check. Blocks.
    pub fn call(&mut self, name: &str, args: &Value) -> anyhow::Result<Answer> {
        let (id, line) = self.line("tools/call", json!({"name": name, "arguments": args}))?;
        let started = Instant::now();
        self.stdin.write_all(&line).context("writing tools/call")?;
        let answer = self.answer_line(id)?;
        let elapsed = started.elapsed();
        let result = parse_answer(&answer, id).with_context(|| format!("tools/call {name}"))?;
        Ok(Answer { elapsed, result })
    }

    /// The server's audit log.
    pub fn audit_log(&self) -> &Path {
        &self.audit_log
    }

    /// Peak resident memory of the process so far, in KiB.
    pub fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        crate::procfs::peak_rss_kib(self.pid)
    }

    /// Ends the session (the server is killed: its figures were read before).
    pub fn stop(self) {
        drop(self);
    }

    /// A request and its answer's `result`, untimed.
    fn request(&mut self, method: &str, params: Value) -> anyhow::Result<Value> {
        let (id, line) = self.line(method, params)?;
        self.stdin
            .write_all(&line)
            .with_context(|| format!("writing {method}"))?;
        let answer = self.answer_line(id)?;
        parse_answer(&answer, id)
    }

    fn send(&mut self, message: &Value) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(message)?;
        line.push(b'\n');
        self.stdin.write_all(&line).context("writing to the server")
    }

    /// The next request's id and its line.
    fn line(&mut self, method: &str, params: Value) -> anyhow::Result<(u64, Vec<u8>)> {
        self.next_id += 1;
        let id = self.next_id;
        let mut line = serde_json::to_vec(&json!({
            "jsonrpc": "2.0", "id": id, "method": method, "params": params,
        }))?;
        line.push(b'\n');
        Ok((id, line))
    }

    /// Reads lines until the answer to `id` (the server may send notifications first).
    fn answer_line(&mut self, id: u64) -> anyhow::Result<String> {
        let (ends_field, ends_object) = (format!("\"id\":{id},"), format!("\"id\":{id}}}"));
        loop {
            let mut line = String::new();
            let n = self
                .stdout
                .read_line(&mut line)
                .context("reading the server's stdout")?;
            if n == 0 {
                bail!("the server closed its stdout before answering request {id}");
            }
            if line.contains(&ends_field) || line.contains(&ends_object) {
                return Ok(line);
            }
        }
    }
}

impl Drop for Wire {
    /// Kills the server if it still runs, and reaps it.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The `result` of the JSON-RPC answer `line` to request `id`.
fn parse_answer(line: &str, id: u64) -> anyhow::Result<Value> {
    let mut answer: Value = serde_json::from_str(line).context("the answer is not JSON")?;
    if answer["id"] != id {
        bail!(
            "an answer to request {} came for request {id}",
            answer["id"]
        );
    }
    if let Some(error) = answer.get("error") {
        bail!("the server answered with a JSON-RPC error: {error}");
    }
    match answer.get_mut("result") {
        Some(result) => Ok(result.take()),
        None => bail!("the answer has neither result nor error: {line}"),
    }
}

/// The text content of a `tools/call` result.
pub fn text(result: &Value) -> String {
    result["content"]
        .as_array()
        .map(|blocks| {
            blocks
                .iter()
                .filter_map(|b| b["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_matched_by_id_and_errors_are_errors() {
        let ok = r#"{"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"hi"}]}}"#;
        let result = parse_answer(ok, 3).unwrap();
        assert_eq!(text(&result), "hi");
        assert!(parse_answer(ok, 4).is_err(), "another request's answer");
        let err = r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"bad"}}"#;
        let e = parse_answer(err, 3).unwrap_err();
        assert!(format!("{e:#}").contains("bad"), "{e:#}");
        assert!(parse_answer("not json", 3).is_err());
    }

    #[tokio::test]
    async fn a_server_that_closes_its_stdout_is_an_error_not_a_hang() {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = tokio::process::Command::new("true");
        cmd.env_clear();
        let err = Wire::spawn(cmd, home, PathBuf::from("/nonexistent"), "true")
            .await
            .err()
            .expect("true answers nothing");
        assert!(format!("{err:#}").contains("closed its stdout"), "{err:#}");
    }
}
