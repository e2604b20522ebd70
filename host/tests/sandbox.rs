//! The sandbox against real components: the hostile plugin (every way a plugin can
//! misbehave) and the forbidden-import plugin. Build them first with `make test-plugins`.
//!
//! The upstream gateway and its per-phase guard belong to another module; here a fake
//! [`UpstreamPort`] records what the plugin asked for and answers like the guard would, so
//! the tests prove the sandbox side: requests reach the port with the right fields, and
//! the port's denials reach the plugin.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use ikmcp_host::contract::{
    Effect, ErrorKind, HttpMethod, PlanOutcome, ToolError, UpstreamError, UpstreamRequest,
    UpstreamResponse,
};
use ikmcp_host::sandbox::{
    BoxFuture, CallContext, LoadError, LoadedPlugin, ProgressSink, Sandbox, SandboxLimits,
    UpstreamPort,
};
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_millis(1000);
/// Wall-clock cap of a call, upstream waits included.
const WALL_TIMEOUT: Duration = Duration::from_millis(3000);

fn limits() -> SandboxLimits {
    SandboxLimits {
        memory_bytes: 128 << 20,
        timeout: TIMEOUT,
        wall_timeout: WALL_TIMEOUT,
        max_output_bytes: 1 << 20,
        instances: 4,
    }
}

/// `<target>/wasm32-wasip2/guest`, where `make test-plugins` puts the components.
fn guest_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            // The test binary is `<target>/debug/deps/sandbox-<hash>`.
            let exe = std::env::current_exe().expect("test executable path");
            exe.ancestors()
                .nth(3)
                .expect("target dir above deps")
                .to_path_buf()
        }
    };
    target.join("wasm32-wasip2").join("guest")
}

fn component(name: &str) -> PathBuf {
    let path = guest_dir().join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: run `make test-plugins` (cargo build --target wasm32-wasip2 --profile guest -p ikmcp-test-plugin-hostile -p ikmcp-test-plugin-forbidden-import) first",
        path.display()
    );
    path
}

fn hostile_path() -> PathBuf {
    component("ikmcp_test_plugin_hostile")
}

/// The hostile plugin, compiled once per test process.
fn hostile() -> &'static LoadedPlugin {
    static PLUGIN: OnceLock<LoadedPlugin> = OnceLock::new();
    PLUGIN.get_or_init(|| {
        let sandbox = Sandbox::new(limits(), None).expect("sandbox");
        sandbox
            .load(&hostile_path(), None)
            .expect("hostile plugin loads")
    })
}

/// How the fake port answers, mimicking the guard of the phase under test.
#[derive(Clone, Copy)]
enum Phase {
    /// Outside apply: only GET/HEAD on the declared role pass.
    Read,
    /// Applying a plan whose only effect is `DELETE /2/zones/example.com/records/1`.
    Apply,
}

#[derive(Clone)]
struct FakePort {
    phase: Phase,
    seen: Arc<Mutex<Vec<UpstreamRequest>>>,
}

impl FakePort {
    fn new(phase: Phase) -> Self {
        FakePort {
            phase,
            seen: Arc::default(),
        }
    }

    fn requests(&self) -> Vec<UpstreamRequest> {
        self.seen.lock().unwrap().clone()
    }

    fn answer(&self, r: &UpstreamRequest) -> Result<UpstreamResponse, UpstreamError> {
        if r.role != "infomaniak-api" {
            return Err(UpstreamError::Denied(format!(
                "role {} not granted",
                r.role
            )));
        }
        let allowed = r.method.is_read()
            || matches!(self.phase, Phase::Apply)
                && r.method == HttpMethod::Delete
                && r.path == "/2/zones/example.com/records/1";
        if !allowed {
            return Err(UpstreamError::Denied(format!(
                "{} {} is not a declared effect",
                r.method.as_str(),
                r.path
            )));
        }
        Ok(UpstreamResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: r#"{"result":"success","data":{"id":1}}"#.into(),
        })
    }
}

impl UpstreamPort for FakePort {
    fn send(
        &mut self,
        request: UpstreamRequest,
    ) -> BoxFuture<'_, Result<UpstreamResponse, UpstreamError>> {
        let answer = self.answer(&request);
        self.seen.lock().unwrap().push(request);
        Box::pin(async move { answer })
    }
}

/// One `progress.report` as the sink received it: done, total, message.
type Report = (u32, Option<u32>, Option<String>);

#[derive(Default)]
struct Progress(Mutex<Vec<Report>>);

impl ProgressSink for Progress {
    fn report(&self, done: u32, total: Option<u32>, message: Option<String>) {
        self.0.lock().unwrap().push((done, total, message));
    }
}

fn ctx(port: &FakePort) -> CallContext {
    CallContext {
        upstream: Box::new(port.clone()),
        progress: None,
        secrets: Default::default(),
    }
}

/// Captures this thread's tracing output (current-thread tests only).
#[derive(Clone, Default)]
struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuf {
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

async fn echo_still_works() {
    let port = FakePort::new(Phase::Read);
    let out = hostile()
        .invoke("hostile_echo", &json!({"text": "still here"}), ctx(&port))
        .await
        .expect("the host keeps serving after a contained failure");
    assert_eq!(out, json!({"echo": {"text": "still here"}}));
}

async fn invoke_err(tool: &str) -> (ToolError, Duration) {
    let port = FakePort::new(Phase::Read);
    let plugin = hostile();
    let started = Instant::now();
    let err = plugin
        .invoke(tool, &json!({}), ctx(&port))
        .await
        .expect_err("the hostile tool must fail");
    (err, started.elapsed())
}

#[test]
fn describe_is_converted_with_effects_and_schemas() {
    let plugin = hostile();
    let m = plugin.manifest();
    assert_eq!(m.id, "hostile");
    assert_eq!(m.contract_version, ikmcp_host::contract::CONTRACT_VERSION);
    assert_eq!(m.roles, vec!["infomaniak-api"]);
    assert!(
        m.description.ends_with(
            "describe upstream probe: denied: describe may not call upstream (GET /1/profile)"
        ),
        "describe must get a deny-all upstream: {}",
        m.description
    );
    assert_eq!(m.tools.len(), 16);
    assert!(
        m.tools.iter().all(|t| t.toolset == "hostile"),
        "no toolset means the plugin id"
    );
    let tool = |name: &str| m.tools.iter().find(|t| t.name == name).unwrap();
    assert_eq!(
        tool("hostile_write_outside_plan").effect,
        Effect::Destructive
    );
    assert!(!tool("hostile_write_outside_plan").idempotent);
    assert_eq!(tool("hostile_echo").effect, Effect::Read);
    assert_eq!(tool("hostile_echo").input_schema["type"], "object");
    assert_eq!(
        tool("hostile_echo").input_schema["properties"]["mib"]["type"],
        "integer"
    );
    assert_eq!(
        tool("hostile_echo").output_schema,
        json!({"type": "object"})
    );
    let bytes = std::fs::read(hostile_path()).unwrap();
    use sha2::Digest;
    assert_eq!(plugin.sha256(), hex::encode(sha2::Sha256::digest(bytes)));
}

#[test]
fn handles_and_call_futures_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<Sandbox>();
    send_sync::<LoadedPlugin>();
    let port = FakePort::new(Phase::Read);
    let plugin = hostile();
    send(&plugin.invoke("hostile_echo", &Value::Null, ctx(&port)));
    send(&plugin.plan("hostile_echo", &Value::Null, ctx(&port)));
    let plan = ikmcp_host::contract::Plan {
        summary: String::new(),
        changes: Vec::new(),
        snapshot: Value::Null,
        effects: Vec::new(),
    };
    send(&plugin.apply("hostile_echo", &Value::Null, &plan, ctx(&port)));
}

#[tokio::test]
async fn a_calls_secret_arguments_never_reach_the_host_log() {
    let logs = LogBuf::default();
    let _guard = logs.install();
    let port = FakePort::new(Phase::Read);
    let schema =
        json!({"type": "object", "properties": {"text": {"type": "string", "writeOnly": true}}});
    let args = json!({"text": "hunter2-secret-value"});
    hostile()
        .invoke(
            "hostile_echo",
            &args,
            CallContext {
                upstream: Box::new(port.clone()),
                progress: None,
                secrets: ikmcp_host::secret_args::SecretArgs::collect(&schema, &args),
            },
        )
        .await
        .unwrap();
    let text = logs.text();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains(r#"echo called with {"text":"«secret: text»"}"#),
        "{text}"
    );
}

#[tokio::test]
async fn echo_delivers_progress_and_log() {
    let logs = LogBuf::default();
    let _guard = logs.install();
    let port = FakePort::new(Phase::Read);
    let progress = Arc::new(Progress::default());
    let out = hostile()
        .invoke(
            "hostile_echo",
            &json!({"text": "hi"}),
            CallContext {
                upstream: Box::new(port.clone()),
                progress: Some(progress.clone()),
                secrets: Default::default(),
            },
        )
        .await
        .unwrap();
    assert_eq!(out, json!({"echo": {"text": "hi"}}));
    assert_eq!(
        *progress.0.lock().unwrap(),
        vec![
            (1, Some(2), Some("half way".to_string())),
            (2, Some(2), None)
        ]
    );
    let text = logs.text();
    assert!(text.contains(r#"echo called with {"text":"hi"}"#), "{text}");
    assert!(text.contains("plugin=\"hostile\""), "{text}");
    assert!(port.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn infinite_loop_is_stopped_at_the_deadline() {
    let (err, elapsed) = invoke_err("hostile_spin").await;
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Sandbox, "plugin_timeout"),
        "{err}"
    );
    assert!(err.hint.is_some());
    assert!(elapsed >= TIMEOUT, "stopped too early: {elapsed:?}");
    // The loop never ends by itself, so any bound proves the deadline stopped it. The
    // bound is loose on purpose: this is not a timing test, and a loaded 2-core machine
    // (other builds running) delays the epoch ticker by seconds.
    assert!(elapsed < TIMEOUT * 15, "not stopped: {elapsed:?}");
    echo_still_works().await;
}

/// An upstream that never answers.
struct Hanging;

impl UpstreamPort for Hanging {
    fn send(
        &mut self,
        _: UpstreamRequest,
    ) -> BoxFuture<'_, Result<UpstreamResponse, UpstreamError>> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_upstream_cannot_hang_the_call() {
    let plugin = hostile();
    let started = Instant::now();
    let err = plugin
        .invoke(
            "hostile_auth_header",
            &json!({}),
            CallContext {
                upstream: Box::new(Hanging),
                progress: None,
                secrets: Default::default(),
            },
        )
        .await
        .expect_err("the call must be cut off");
    let elapsed = started.elapsed();
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Sandbox, "plugin_timeout"),
        "{err}"
    );
    assert!(elapsed >= WALL_TIMEOUT, "{elapsed:?}");
    assert!(
        elapsed < WALL_TIMEOUT + Duration::from_millis(1200),
        "{elapsed:?}"
    );
    echo_still_works().await;
}

/// An upstream that answers, but only after longer than the guest-time deadline.
struct Slow;

impl UpstreamPort for Slow {
    fn send(
        &mut self,
        _: UpstreamRequest,
    ) -> BoxFuture<'_, Result<UpstreamResponse, UpstreamError>> {
        Box::pin(async {
            tokio::time::sleep(TIMEOUT + Duration::from_millis(500)).await;
            Ok(UpstreamResponse {
                status: 200,
                headers: vec![],
                body: r#"{"result":"success","data":true}"#.into(),
            })
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_upstream_does_not_count_against_the_deadline() {
    let started = Instant::now();
    let out = hostile()
        .invoke(
            "hostile_auth_header",
            &json!({}),
            CallContext {
                upstream: Box::new(Slow),
                progress: None,
                secrets: Default::default(),
            },
        )
        .await
        .expect("a slow upstream is not the plugin's fault");
    assert!(
        started.elapsed() > TIMEOUT,
        "the wait really was longer than the deadline"
    );
    assert!(out.to_string().contains("200"), "{out}");
}

/// The instance pool has 4 slots here (`limits()`): calls beyond them wait for a slot
/// instead of failing, and a slot whose call trapped is given back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_beyond_the_pool_wait_for_a_slot_and_trapped_slots_come_back() {
    let sandbox = Sandbox::new(limits(), None).expect("sandbox");
    let plugin = Arc::new(sandbox.load(&hostile_path(), None).expect("loads"));
    for _ in 0..2 * limits().instances {
        let port = FakePort::new(Phase::Read);
        let err = plugin
            .invoke("hostile_panic", &json!({}), ctx(&port))
            .await
            .expect_err("the panic traps");
        assert_eq!(err.kind, ErrorKind::Sandbox, "{err}");
    }
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..3 * limits().instances {
        let plugin = plugin.clone();
        calls.spawn(async move {
            let port = FakePort::new(Phase::Read);
            let text = format!("call {i}");
            let out = plugin
                .invoke("hostile_echo", &json!({ "text": text }), ctx(&port))
                .await;
            (i, out)
        });
    }
    while let Some(joined) = calls.join_next().await {
        let (i, out) = joined.expect("no panic");
        assert_eq!(
            out.expect("every call gets a slot"),
            json!({"echo": {"text": format!("call {i}")}})
        );
    }
}

#[tokio::test]
async fn memory_bomb_hits_the_memory_limit() {
    let (err, _) = invoke_err("hostile_memory_bomb").await;
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Sandbox, "plugin_memory_limit"),
        "{err}"
    );
    assert!(err.message.contains("128 MiB"), "{err}");
    echo_still_works().await;
}

#[tokio::test]
async fn huge_output_is_refused() {
    // What is under test is the output cap, not the clock: 4 MiB is four times the cap,
    // and a generous CPU budget keeps a loaded machine from turning this into a timeout
    // (it once did with 64 MiB under a 1 s budget).
    let mut patient = limits();
    patient.timeout = Duration::from_secs(60);
    patient.wall_timeout = Duration::from_secs(120);
    let plugin = Sandbox::new(patient, None)
        .unwrap()
        .load(&hostile_path(), None)
        .unwrap();
    let port = FakePort::new(Phase::Read);
    let err = plugin
        .invoke("hostile_huge_output", &json!({"mib": 4}), ctx(&port))
        .await
        .expect_err("4 MiB is over the 1 MiB cap");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Sandbox, "plugin_output_too_large"),
        "{err}"
    );
    assert!(err.message.contains("1048576-byte limit"), "{err}");
    echo_still_works().await;
}

#[tokio::test]
async fn output_just_under_the_cap_passes() {
    let mut small = limits();
    small.max_output_bytes = 3 << 20;
    let plugin = Sandbox::new(small, None)
        .unwrap()
        .load(&hostile_path(), None)
        .unwrap();
    let port = FakePort::new(Phase::Read);
    let out = plugin
        .invoke("hostile_huge_output", &json!({"mib": 2}), ctx(&port))
        .await
        .expect("2 MiB fits under a 3 MiB cap");
    assert_eq!(out["junk"].as_str().unwrap().len(), 2 << 20);
}

#[tokio::test]
async fn panic_is_a_crash_and_its_message_goes_to_the_log() {
    let logs = LogBuf::default();
    let _guard = logs.install();
    let (err, _) = invoke_err("hostile_panic").await;
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Sandbox, "plugin_crashed"),
        "{err}"
    );
    assert!(err.message.contains("hostile_panic"), "{err}");
    let text = logs.text();
    assert!(
        text.contains("hostile plugin panicked on purpose"),
        "{text}"
    );
    echo_still_works().await;
}

fn result_error(v: &Value) -> &str {
    v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an upstream error in {v}"))
}

#[tokio::test]
async fn write_during_read_reaches_the_port_and_its_denial_reaches_the_plugin() {
    let port = FakePort::new(Phase::Read);
    let out = hostile()
        .invoke("hostile_write_during_read", &json!({}), ctx(&port))
        .await
        .unwrap();
    assert!(
        result_error(&out["post"]).starts_with("denied: POST /2/zones/example.com/records"),
        "{out}"
    );
    let seen = port.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, HttpMethod::Post);
    assert_eq!(seen[0].role, "infomaniak-api");
    assert_eq!(seen[0].path, "/2/zones/example.com/records");
    assert_eq!(
        seen[0].body.as_deref(),
        Some(r#"{"type":"A","source":"evil","target":"6.6.6.6"}"#)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_outside_plan_plans_one_delete_and_extra_writes_are_denied() {
    let plugin = hostile();
    let port = FakePort::new(Phase::Read);
    let outcome = plugin
        .plan("hostile_write_outside_plan", &json!({}), ctx(&port))
        .await
        .unwrap();
    let PlanOutcome::NeedsConfirmation(plan) = outcome else {
        panic!("expected a plan, got {outcome:?}");
    };
    assert_eq!(plan.effects.len(), 1);
    assert_eq!(plan.effects[0].method, HttpMethod::Delete);
    assert_eq!(
        plan.effects[0].path_pattern,
        "/2/zones/example.com/records/1"
    );
    assert_eq!(
        plan.snapshot["status"], 200,
        "the snapshot is the answer without its headers"
    );
    assert_eq!(plan.changes[0].action, "delete");
    assert!(plan.changes[0].after.is_none());
    assert_eq!(port.requests()[0].method, HttpMethod::Get);

    let port = FakePort::new(Phase::Apply);
    let out = plugin
        .apply("hostile_write_outside_plan", &json!({}), &plan, ctx(&port))
        .await
        .unwrap();
    assert_eq!(out["confirmed_effects"], 1, "the plan reached apply intact");
    assert_eq!(out["declared_delete"]["ok"]["status"], 200, "{out}");
    assert!(
        result_error(&out["extra_delete"]).starts_with("denied:"),
        "{out}"
    );
    assert!(
        result_error(&out["extra_post"]).starts_with("denied:"),
        "{out}"
    );
    let seen: Vec<_> = port
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                HttpMethod::Delete,
                "/2/zones/example.com/records/1".to_string()
            ),
            (
                HttpMethod::Delete,
                "/2/zones/example.com/records/2".to_string()
            ),
            (HttpMethod::Post, "/2/zones/example.com/records".to_string()),
        ]
    );
}

#[tokio::test]
async fn credential_headers_never_reach_the_port() {
    let port = FakePort::new(Phase::Read);
    let out = hostile()
        .invoke("hostile_auth_header", &json!({}), ctx(&port))
        .await
        .unwrap();
    assert_eq!(out["get"]["ok"]["status"], 200, "{out}");
    assert_eq!(
        out["get"]["ok"]["headers"],
        json!([["content-type", "application/json"]])
    );
    let seen = port.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].headers,
        vec![("accept".to_string(), "application/json".to_string())]
    );
}

#[tokio::test]
async fn foreign_role_request_is_passed_on_and_the_denial_returned() {
    let port = FakePort::new(Phase::Read);
    let out = hostile()
        .invoke("hostile_foreign_role", &json!({}), ctx(&port))
        .await
        .unwrap();
    assert_eq!(
        result_error(&out["get"]),
        "denied: role kchat not granted",
        "{out}"
    );
    assert_eq!(port.requests()[0].role, "kchat");
}

#[tokio::test]
async fn unknown_tools_and_wrong_phases_are_refused_before_the_plugin_runs() {
    let port = FakePort::new(Phase::Read);
    let plugin = hostile();
    let err = plugin
        .invoke("nope", &json!({}), ctx(&port))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::NotFound, "unknown_tool")
    );
    let err = plugin
        .invoke("hostile_write_outside_plan", &json!({}), ctx(&port))
        .await
        .unwrap_err();
    assert_eq!(err.code, "wrong_phase");
    let err = plugin
        .plan("hostile_echo", &json!({}), ctx(&port))
        .await
        .unwrap_err();
    assert_eq!(err.code, "wrong_phase");
    assert!(port.requests().is_empty());
}

#[test]
fn forbidden_import_is_refused_and_named() {
    let sandbox = Sandbox::new(limits(), None).unwrap();
    let path = component("ikmcp_test_plugin_forbidden_import");
    let err = match sandbox.load(&path, None) {
        Err(e) => e,
        Ok(_) => panic!("a plugin importing wasi:filesystem must be refused"),
    };
    let LoadError::ForbiddenImport { import, .. } = &err else {
        panic!("expected ForbiddenImport, got {err}");
    };
    assert!(import.contains("wasi:filesystem/"), "{import}");
    assert!(err.to_string().contains("wasi:filesystem/"), "{err}");
}

#[test]
fn pin_is_checked() {
    let sandbox = Sandbox::new(limits(), None).unwrap();
    let path = hostile_path();
    let wrong = "00".repeat(32);
    match sandbox.load(&path, Some(&wrong)) {
        Err(LoadError::PinMismatch {
            expected, actual, ..
        }) => {
            assert_eq!(expected, wrong);
            assert_eq!(actual, hostile().sha256());
        }
        Err(e) => panic!("expected PinMismatch, got {e}"),
        Ok(_) => panic!("a wrong pin must refuse the plugin"),
    }
    let right = hostile().sha256().to_uppercase();
    let plugin = sandbox.load(&path, Some(&right)).expect("right pin loads");
    assert_eq!(plugin.manifest().id, "hostile");
}

#[test]
fn oversized_manifest_is_refused() {
    let mut tiny = limits();
    tiny.max_output_bytes = 1024;
    let sandbox = Sandbox::new(tiny, None).unwrap();
    match sandbox.load(&hostile_path(), None) {
        Err(LoadError::Invalid { reason, .. }) => {
            assert!(
                reason.contains("more than the 1024-byte output limit"),
                "{reason}"
            )
        }
        Err(e) => panic!("expected Invalid, got {e}"),
        Ok(_) => panic!("a manifest over the output cap must be refused"),
    }
}

#[test]
fn unreadable_and_invalid_files_are_refused() {
    let sandbox = Sandbox::new(limits(), None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.wasm");
    assert!(matches!(
        sandbox.load(&missing, None),
        Err(LoadError::Io { .. })
    ));
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, b"definitely not wasm").unwrap();
    match sandbox.load(&junk, None) {
        Err(LoadError::Invalid { reason, .. }) => {
            assert!(reason.contains("not a WebAssembly component"), "{reason}")
        }
        Err(e) => panic!("expected Invalid, got {e}"),
        Ok(_) => panic!("junk must be refused"),
    }
}

fn cwasm_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .collect()
}

#[test]
fn precompile_cache_is_reused_and_corrupt_entries_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let path = hostile_path();
    let load = || {
        let sandbox = Sandbox::new(limits(), Some(cache.clone())).unwrap();
        let started = Instant::now();
        let plugin = sandbox.load(&path, None).expect("loads");
        (plugin, started.elapsed())
    };

    let (plugin, cold) = load();
    let entries = cwasm_files(&cache);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert!(
        entry
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(plugin.sha256())
    );
    let written = std::fs::metadata(entry).unwrap().modified().unwrap();

    let (_, warm) = load();
    assert_eq!(
        std::fs::metadata(entry).unwrap().modified().unwrap(),
        written,
        "no recompile"
    );
    assert!(
        warm < cold,
        "cached load ({warm:?}) should beat compiling ({cold:?})"
    );
    eprintln!("hostile load: cold {cold:?}, cached {warm:?}");

    std::fs::write(entry, b"corrupt").unwrap();
    let (plugin, _) = load();
    assert_eq!(plugin.manifest().id, "hostile");
    assert!(
        std::fs::metadata(entry).unwrap().len() > 1000,
        "entry rewritten"
    );
    assert_eq!(cwasm_files(&cache).len(), 1);
}

/// A greedy component (built from WAT at test time) written to a file.
fn greedy_file(dir: &Path, name: &str, bytes: anyhow::Result<Vec<u8>>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes.expect("the greedy component builds")).unwrap();
    path
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Finding 4: no limit on table elements. One `table.grow` of 2^27 entries took about
/// 1 GiB of host memory under a 128 MiB memory cap, in one instruction the CPU deadline
/// cannot interrupt.
#[tokio::test]
async fn a_table_grown_by_2_27_entries_is_refused_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = greedy_file(
        dir.path(),
        "greedy.wasm",
        ikmcp_test_plugin_greedy::table_and_progress(),
    );
    let plugin = Sandbox::new(limits(), None)
        .unwrap()
        .load(&path, None)
        .expect("the greedy plugin loads");
    let port = FakePort::new(Phase::Read);
    let before = rss_kib();
    let err = plugin
        .invoke("greedy_table", &json!({}), ctx(&port))
        .await
        .expect_err("the table growth must be refused");
    let grown_kib = rss_kib().saturating_sub(before);
    assert_eq!(err.kind, ErrorKind::Sandbox);
    assert_eq!(err.code, "plugin_table_limit", "{err:?}");
    assert!(err.message.contains("table"), "{}", err.message);
    assert!(
        grown_kib < 256 * 1024,
        "the host grew by {grown_kib} KiB for one refused table.grow"
    );
    let ok = plugin
        .invoke("greedy_ok", &json!({}), ctx(&port))
        .await
        .expect("the next call runs");
    assert_eq!(ok, json!({"ok": true}));
}

/// Finding 4: `memories(4)` made the per-memory cap four times the instance's memory. A
/// component declaring four memories is refused when it is instantiated (at load).
#[test]
fn a_component_with_four_memories_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = greedy_file(
        dir.path(),
        "greedy-memories.wasm",
        ikmcp_test_plugin_greedy::many_memories(),
    );
    match Sandbox::new(limits(), None).unwrap().load(&path, None) {
        Err(LoadError::Invalid { reason, .. }) => {
            assert!(reason.contains("memor"), "{reason}");
        }
        Err(other) => panic!("expected an invalid plugin, got {other}"),
        Ok(p) => panic!("{} loaded with four memories", p.manifest().id),
    }
}

/// The cache entry of the component file at `path`.
fn entry_of(cache: &Path, path: &Path) -> PathBuf {
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()));
    cwasm_files(cache)
        .into_iter()
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&sha))
        .unwrap_or_else(|| panic!("no cache entry for {}", path.display()))
}

/// Finding 3: the cache ran whatever native code sat under a component's name. A
/// precompiled hostile plugin copied over the forbidden-import plugin's entry would have
/// run as that plugin, its import check passed on the swapped-in code.
#[test]
fn a_cwasm_swapped_under_another_plugins_name_is_refused_and_recompiled() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let forbidden = component("ikmcp_test_plugin_forbidden_import");
    let sandbox = Sandbox::new(limits(), Some(cache.clone())).unwrap();
    sandbox.load(&hostile_path(), None).expect("hostile loads");
    let refused = sandbox.load(&forbidden, None);
    assert!(matches!(refused, Err(LoadError::ForbiddenImport { .. })));
    let (hostile_entry, forbidden_entry) = (
        entry_of(&cache, &hostile_path()),
        entry_of(&cache, &forbidden),
    );
    let hostile_code = std::fs::read(&hostile_entry).unwrap();
    std::fs::write(&forbidden_entry, &hostile_code).unwrap();

    let sandbox = Sandbox::new(limits(), Some(cache.clone())).unwrap();
    match sandbox.load(&forbidden, None) {
        Err(LoadError::ForbiddenImport { .. }) => {}
        Err(other) => panic!("expected the import check on the real code, got {other}"),
        Ok(p) => panic!("swapped-in code ran as {}", p.manifest().id),
    }
    assert_ne!(
        std::fs::read(&forbidden_entry).unwrap(),
        hostile_code,
        "the swapped entry was replaced by a fresh compilation"
    );
    assert_eq!(
        sandbox.load(&hostile_path(), None).unwrap().manifest().id,
        "hostile"
    );
}

#[cfg(unix)]
#[test]
fn a_cache_dir_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = Sandbox::new(limits(), Some(cache.clone()))
        .err()
        .expect("a world-writable cache is refused")
        .to_string();
    assert!(err.contains(&cache.display().to_string()), "{err}");
    assert!(err.contains("chmod 700"), "{err}");
    assert!(cwasm_files(&cache).is_empty());
}

#[tokio::test]
async fn fresh_instance_per_call_overhead() {
    let port = FakePort::new(Phase::Read);
    let plugin = hostile();
    plugin
        .invoke("hostile_echo", &json!({}), ctx(&port))
        .await
        .unwrap();
    let n = 50;
    let started = Instant::now();
    for _ in 0..n {
        plugin
            .invoke("hostile_echo", &json!({"text": "x"}), ctx(&port))
            .await
            .unwrap();
    }
    let mean = started.elapsed() / n;
    eprintln!("hostile_echo with a fresh instance: mean {mean:?} per call");
    assert!(mean < Duration::from_millis(100), "{mean:?}");
}

/// Env var that turns [`stdout_child`] into the real probe.
const CHILD_ENV: &str = "IKMCP_SANDBOX_STDOUT_CHILD";

/// Runs only inside the child process started by
/// [`guest_stdout_never_reaches_process_stdout`]; a no-op otherwise.
#[tokio::test]
async fn stdout_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let port = FakePort::new(Phase::Read);
    let out = hostile()
        .invoke("hostile_stdio", &json!({}), ctx(&port))
        .await
        .unwrap();
    assert_eq!(out, json!({"wrote": true}));
    let mut stdout = std::io::stdout();
    writeln!(stdout, "CHILD-DONE").unwrap();
    stdout.flush().unwrap();
}

#[test]
fn guest_stdout_never_reaches_process_stdout() {
    let exe = std::env::current_exe().unwrap();
    let output = Command::new(exe)
        .args(["stdout_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("CHILD-DONE"),
        "the probe did not run:\n{stdout}"
    );
    assert!(
        !stdout.contains("HOSTILE-STDOUT-MARKER"),
        "guest stdout leaked:\n{stdout}"
    );
    assert!(
        !stderr.contains("HOSTILE-STDOUT-MARKER"),
        "guest stdout leaked:\n{stderr}"
    );
    assert!(
        !stdout.contains("HOSTILE-STDERR-MARKER"),
        "guest stderr on stdout:\n{stdout}"
    );
    assert!(
        stderr.contains("HOSTILE-STDERR-MARKER"),
        "guest stderr not logged:\n{stderr}"
    );
}
