//! Drives the real `ikmcp` binary with rmcp's client over stdio, against the sandbox
//! tenant (`ikmcp-sim`) running in the test process on loopback.
//!
//! What every domain's tests share lives here: starting a server ([`Harness::start`] with
//! [`Options`]), calling tools ([`Harness::ok`], [`Harness::err`]), one write through both
//! phases ([`Harness::plan_and_apply`]), what reached the tenant ([`Harness::mark`],
//! [`Harness::writes_since`]) and the audit log. Domain fixtures (which zone, which mailbox)
//! belong in that domain's test file, e.g. `dns.rs`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ElicitRequestParams,
    ElicitResult, ElicitationAction, Implementation, ProgressNotificationParam, Tool,
};
use rmcp::service::{
    ClientLifecycleMode, ClientServiceExt, NotificationContext, RequestContext, RunningService,
};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ErrorData, RoleClient, ServiceExt};
use serde_json::{Value, json};

pub use ikmcp_sim::{RecordedRequest, Scale, Sim, SimConfig, SimHandle};

/// The `ikmcp` binary under test.
pub fn ikmcp_bin() -> &'static str {
    env!("CARGO_BIN_EXE_ikmcp")
}

/// A scripted user: answers confirmation request number `n` (from 0) with `message`.
pub type Ask = Arc<
    dyn Fn(
            usize,
            String,
        )
            -> std::pin::Pin<Box<dyn Future<Output = Result<ElicitResult, ErrorData>> + Send>>
        + Send
        + Sync,
>;

/// The MCP client of the tests: records progress notifications and, when it declares
/// elicitation, answers confirmation requests as told.
#[derive(Clone, Default)]
pub struct TestClient {
    /// How to answer elicitation requests; `None` = the client does not support them.
    pub elicitation: Option<ElicitationAction>,
    /// A scripted user instead (the client then declares elicitation too).
    pub ask: Option<Ask>,
    /// Progress notifications received.
    pub progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
    /// Messages of the confirmation requests received.
    pub asked: Arc<Mutex<Vec<String>>>,
    /// `notifications/tools/list_changed` received outside a subscription (2025-11-25).
    pub list_changed: Arc<std::sync::atomic::AtomicUsize>,
}

impl ClientHandler for TestClient {
    fn get_info(&self) -> ClientConfig {
        let capabilities = if self.elicitation.is_some() || self.ask.is_some() {
            ClientCapabilities::builder().enable_elicitation().build()
        } else {
            ClientCapabilities::default()
        };
        ClientConfig::new(capabilities, Implementation::new("ikmcp-e2e", "0"))
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        if let ElicitRequestParams::FormElicitationParams { message, .. } = &request {
            let n = {
                let mut asked = self.asked.lock().unwrap();
                asked.push(message.clone());
                asked.len() - 1
            };
            if let Some(ask) = &self.ask {
                return ask(n, message.clone()).await;
            }
        }
        let action = self
            .elicitation
            .clone()
            .unwrap_or(ElicitationAction::Decline);
        let approve = action == ElicitationAction::Accept;
        Ok(ElicitResult::new(action).with_content(json!({"approve": approve})))
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.list_changed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
    }
}

/// Options of one server under test.
pub struct Options {
    pub scale: Scale,
    /// Extra TOML appended to the generated config file.
    pub config: String,
    /// Extra environment for the server.
    pub env: Vec<(String, String)>,
    /// Use the 2026-07-28 `server/discover` lifecycle instead of `initialize`.
    pub discover: bool,
    /// Rate limit of the sandbox tenant (requests per minute, `None` = disabled).
    pub sim_rate_limit: Option<u32>,
    /// The client's elicitation support and answer.
    pub elicitation: Option<ElicitationAction>,
    /// A scripted user answering confirmation requests (implies elicitation support).
    pub ask: Option<Ask>,
    /// Configure the manager-private role (`infomaniak-manager`) with the tenant's manager
    /// URL and session, as an operator with a manager session would.
    pub manager: bool,
}

/// The tenant's seed in every harness (its tokens derive from it).
pub const SEED: u64 = 42;

impl Options {
    /// The defaults, with the tenant's DNS token as the server's API token: it reads
    /// accounts and products but lacks every product scope and `accounts:write`, as a
    /// DNS-only token would.
    pub fn dns_read_token() -> Options {
        let token = ikmcp_sim::auth::Credentials::from_seed(SEED)
            .token("dns_read")
            .secret
            .clone();
        Options {
            env: vec![("INFOMANIAK_API_TOKEN".into(), token)],
            ..Options::default()
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            scale: Scale::Small,
            config: String::new(),
            env: vec![],
            discover: false,
            sim_rate_limit: None,
            elicitation: None,
            ask: None,
            manager: true,
        }
    }
}

/// A running sandbox tenant plus an `ikmcp` child process with an MCP client on it.
pub struct Harness {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub client: RunningService<RoleClient, TestClient>,
    pub handler: TestClient,
    /// Each tool's advertised output schema, as a strict client would check results.
    output_schemas: std::collections::HashMap<String, Value>,
}

/// A shared precompile cache, so each test does not recompile the plugins.
pub fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ikmcp-e2e-cache")
}

/// The environment every server under test gets: nothing from the developer's shell.
pub fn base_command(dir: &Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(ikmcp_bin());
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("IKMCP_AUDIT_LOG", dir.join("audit.jsonl"))
        .env("IKMCP_CACHE_DIR", cache_dir())
        .env("IKMCP_LOG", "warn");
    cmd
}

impl Harness {
    pub async fn start(options: Options) -> Harness {
        let sim = Sim::start(SimConfig {
            seed: SEED,
            scale: options.scale,
            rate_limit_per_minute: options.sim_rate_limit,
            ..SimConfig::default()
        })
        .await
        .expect("sandbox tenant starts");
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("ikmcp.toml");
        std::fs::write(&config_path, &options.config).unwrap();
        let mut cmd = base_command(dir.path());
        cmd.env("IKMCP_CONFIG", &config_path)
            .env("INFOMANIAK_API_TOKEN", sim.token())
            .env("INFOMANIAK_API_URL", sim.api_url())
            .env("INFOMANIAK_KCHAT_URL", sim.kchat_url())
            .env("INFOMANIAK_KCHAT_TEAM", sim.kchat_team());
        if options.manager {
            let session = sim.manager_session();
            cmd.env("INFOMANIAK_MANAGER_URL", sim.manager_url())
                .env("INFOMANIAK_SASESSION", session.sasession)
                .env("INFOMANIAK_XSRF_TOKEN", session.xsrf);
        }
        for (k, v) in &options.env {
            cmd.env(k, v);
        }
        let (transport, _stderr) = TokioChildProcess::builder(cmd)
            .stderr(Stdio::inherit())
            .spawn()
            .expect("ikmcp starts");
        let handler = TestClient {
            elicitation: options.elicitation.clone(),
            ask: options.ask.clone(),
            ..TestClient::default()
        };
        let client = if options.discover {
            handler
                .clone()
                .serve_with_lifecycle(
                    transport,
                    ClientLifecycleMode::Discover {
                        preferred_versions: vec![rmcp::model::ProtocolVersion::V_2026_07_28],
                    },
                )
                .await
                .expect("server/discover succeeds")
        } else {
            handler
                .clone()
                .serve(transport)
                .await
                .expect("initialize succeeds")
        };
        let tools = client.list_all_tools().await.expect("tools/list");
        for tool in &tools {
            let input = Value::Object((*tool.input_schema).clone());
            assert_local_refs_resolve(&tool.name, &input, &input);
            if let Some(output) = &tool.output_schema {
                let output = Value::Object((**output).clone());
                assert_local_refs_resolve(&tool.name, &output, &output);
            }
        }
        let output_schemas = tools
            .into_iter()
            .filter_map(|t| {
                let schema = Value::Object((*t.output_schema?).clone());
                Some((t.name.to_string(), schema))
            })
            .collect();
        Harness {
            sim,
            dir,
            client,
            handler,
            output_schemas,
        }
    }

    pub fn audit_path(&self) -> PathBuf {
        self.dir.path().join("audit.jsonl")
    }

    pub async fn tools(&self) -> Vec<Tool> {
        self.client.list_all_tools().await.expect("tools/list")
    }

    /// Calls a tool; panics only on a protocol error (tool errors come back as results).
    pub async fn call(&self, name: &str, args: Value) -> CallToolResult {
        let args = args.as_object().cloned().unwrap_or_default();
        self.client
            .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args))
            .await
            .unwrap_or_else(|e| panic!("tools/call {name} failed at the protocol level: {e}"))
    }

    /// Calls a tool that must succeed and returns its structured content, checked against
    /// the tool's advertised output schema as a strict client would.
    pub async fn ok(&self, name: &str, args: Value) -> Value {
        let result = self.call(name, args).await;
        assert_ne!(
            result.is_error,
            Some(true),
            "{name} failed: {}",
            text(&result)
        );
        let content = result
            .structured_content
            .clone()
            .unwrap_or_else(|| json!(null));
        if let Some(schema) = self.output_schemas.get(name) {
            let validator = jsonschema::validator_for(schema)
                .unwrap_or_else(|e| panic!("{name}'s output schema does not compile: {e}"));
            let errors: Vec<String> = validator
                .iter_errors(&content)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{name}'s result breaks its output schema: {errors:?}\n{content}"
            );
        }
        content
    }

    /// Calls a tool that must fail and returns `{error: …}` (plus extra data).
    pub async fn err(&self, name: &str, args: Value) -> Value {
        let result = self.call(name, args).await;
        assert_eq!(
            result.is_error,
            Some(true),
            "{name} unexpectedly succeeded: {}",
            text(&result)
        );
        result
            .structured_content
            .clone()
            .expect("errors carry structured content")
    }

    /// The audit log, parsed. The server appends read and plan lines from a background
    /// thread right after the call answers, so this reads until the log stops growing.
    pub fn audit_lines(&self) -> Vec<Value> {
        let read = || std::fs::read_to_string(self.audit_path()).unwrap_or_default();
        let mut text = read();
        for _ in 0..100 {
            std::thread::sleep(std::time::Duration::from_millis(30));
            let again = read();
            if again == text {
                break;
            }
            text = again;
        }
        text.lines()
            .map(|l| serde_json::from_str(l).expect("audit lines are JSON"))
            .collect()
    }

    /// Requests the tenant received that were not GETs.
    pub fn writes(&self) -> Vec<RecordedRequest> {
        self.writes_since(0)
    }

    /// A point in the tenant's request log, for [`Harness::writes_since`]. Survives
    /// `sim.clear_requests()` (sequence numbers keep increasing).
    pub fn mark(&self) -> u64 {
        self.sim.requests().last().map_or(0, |r| r.seq)
    }

    /// Requests that were not GETs, received after `mark` (from [`Harness::mark`]).
    pub fn writes_since(&self, mark: u64) -> Vec<RecordedRequest> {
        self.sim
            .requests()
            .into_iter()
            .filter(|r| r.seq > mark && r.method != "GET" && r.method != "HEAD")
            .collect()
    }

    /// One write through both phases, as a client whose user approves does: the call
    /// without a token must return a plan and write nothing; the same call with its
    /// `confirmation_token` must apply, and write only requests the plan declared (method and
    /// path; `*` in a planned path matches one segment).
    pub async fn plan_and_apply(&self, tool: &str, args: Value) -> Applied {
        let mark = self.mark();
        let plan = self.ok(tool, args.clone()).await;
        assert_eq!(plan["status"], "plan", "{tool} plans first: {plan}");
        let early = self.writes_since(mark);
        assert!(early.is_empty(), "{tool}'s plan wrote: {early:?}");
        let mut confirmed = args;
        confirmed["confirmation_token"] = plan["confirmation_token"].clone();
        let applied = self.ok(tool, confirmed).await;
        assert_eq!(applied["status"], "applied", "{tool} applies: {applied}");
        let writes = self.writes_since(mark);
        let effects = plan["effects"].as_array().cloned().unwrap_or_default();
        for w in &writes {
            assert!(
                effects.iter().any(|e| planned(e, w)),
                "{tool} wrote {} {} that its plan did not declare: {plan}",
                w.method,
                w.path
            );
        }
        Applied {
            plan,
            result: applied["result"].clone(),
            writes,
        }
    }
}

/// What [`Harness::plan_and_apply`] saw.
#[derive(Debug)]
pub struct Applied {
    /// The plan (`status: "plan"`, `changes`, `effects`, `confirmation_token`…).
    pub plan: Value,
    /// The apply's `result`.
    pub result: Value,
    /// The writes the tenant received, plan and apply together, in order.
    pub writes: Vec<RecordedRequest>,
}

/// Whether a recorded write is the planned `effect` (`{method, path_pattern, body?}`).
fn planned(effect: &Value, write: &RecordedRequest) -> bool {
    let method = effect["method"].as_str().unwrap_or_default();
    let pattern = effect["path_pattern"].as_str().unwrap_or_default();
    let (want, got): (Vec<&str>, Vec<&str>) = (
        pattern.split('/').collect(),
        write.path.split('/').collect(),
    );
    method.eq_ignore_ascii_case(&write.method)
        && want.len() == got.len()
        && want
            .iter()
            .zip(&got)
            .all(|(w, g)| w == g || (*w == "*" && !g.is_empty()))
}

/// Every `"$ref": "#/…"` in `node` must point into `root` (JSON pointer from the document
/// root, as strict clients such as the Python SDK resolve it).
fn assert_local_refs_resolve(tool: &str, root: &Value, node: &Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && let Some(pointer) = r.strip_prefix('#')
            {
                assert!(
                    root.pointer(pointer).is_some(),
                    "{tool}: $ref {r} points nowhere"
                );
            }
            map.values()
                .for_each(|v| assert_local_refs_resolve(tool, root, v));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| assert_local_refs_resolve(tool, root, v)),
        _ => {}
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

/// Runs `ikmcp` with arguments (no MCP session) and returns (exit code, stdout, stderr).
pub async fn run_cli(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = base_command(dir);
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("ikmcp runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Talks to the tenant directly over HTTP, as another client of the same account would.
impl Harness {
    pub async fn direct(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.sim.api_url().trim_end_matches('/'), path);
        let mut req = reqwest::Client::new()
            .request(method, url)
            .bearer_auth(self.sim.token());
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("tenant answers");
        resp.json().await.expect("tenant answers JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(method: &str, path: &str) -> RecordedRequest {
        RecordedRequest {
            seq: 1,
            upstream: "api".into(),
            method: method.into(),
            path: path.into(),
            query: None,
            body: None,
            token: None,
            status: 200,
            ts: 0,
        }
    }

    #[test]
    fn a_write_is_planned_only_by_its_method_and_path() {
        let effect = json!({"role": "infomaniak-api", "method": "PUT", "path_pattern": "/2/zones/a.ch/records/*"});
        assert!(planned(&effect, &write("PUT", "/2/zones/a.ch/records/7")));
        assert!(!planned(
            &effect,
            &write("DELETE", "/2/zones/a.ch/records/7")
        ));
        assert!(!planned(&effect, &write("PUT", "/2/zones/b.ch/records/7")));
        assert!(!planned(&effect, &write("PUT", "/2/zones/a.ch/records/")));
        assert!(!planned(
            &effect,
            &write("PUT", "/2/zones/a.ch/records/7/check")
        ));
    }
}
