//! The upstream gateway against a loopback stub server: credentials, hygiene, phases,
//! redirects, retries, caps, rate limits, and secrecy.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use ikmcp_host::contract::{
    HttpMethod, PlannedEffect, UpstreamError, UpstreamRequest, UpstreamResponse,
};
use ikmcp_host::secret::Secret;
use ikmcp_host::upstream::{
    Auth, BaseUrl, CallSession, Gateway, GatewayConfig, Phase, RATE_WINDOW, RequestOutcome,
    RoleConfig, SessionSpec,
};
use serde_json::json;

const API_TOKEN: &str = "tok-SECRET-api-0123456789";
const OTHER_TOKEN: &str = "tok-SECRET-other-9876543210";
const SESSION: &str = "sess-SECRET-abcdef";
const XSRF: &str = "xsrf-SECRET-123456";
const ALL_SECRETS: [&str; 4] = [API_TOKEN, OTHER_TOKEN, SESSION, XSRF];

/// One request as the stub saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

type SeenLog = Arc<Mutex<Vec<Seen>>>;

/// A loopback server answering by path (see `answer`).
struct Stub {
    base: url::Url,
    seen: SeenLog,
}

impl Stub {
    async fn start() -> Stub {
        let seen: SeenLog = Arc::default();
        let app = Router::new().fallback(answer).with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Stub {
            base: url::Url::parse(&format!("http://{addr}")).unwrap(),
            seen,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn hits(&self, path: &str) -> usize {
        self.seen().iter().filter(|s| s.path == path).count()
    }
}

async fn answer(
    State(seen): State<SeenLog>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = uri.path().to_owned();
    let hits = {
        let mut seen = seen.lock().unwrap();
        seen.push(Seen {
            method: method.to_string(),
            path: path.clone(),
            query: uri.query().map(str::to_owned),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_owned()))
                .collect(),
            body,
        });
        seen.iter().filter(|s| s.path == path).count()
    };
    match path.as_str() {
        "/flaky429" if hits == 1 => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            r#"{"result":"error"}"#,
        )
            .into_response(),
        "/always429" => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            r#"{"result":"error"}"#,
        )
            .into_response(),
        "/flaky500" if hits == 1 => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        "/always500" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            "late".into_response()
        }
        "/huge" => "x".repeat(1 << 20).into_response(),
        p if p.ends_with("/reset_password") => StatusCode::BAD_GATEWAY.into_response(),
        "/redirect-same" => (StatusCode::FOUND, [("location", "/ok")]).into_response(),
        "/redirect-307" => {
            (StatusCode::TEMPORARY_REDIRECT, [("location", "/elsewhere")]).into_response()
        }
        "/redirect-308" => {
            (StatusCode::PERMANENT_REDIRECT, [("location", "/elsewhere")]).into_response()
        }
        "/redirect-loop" => (StatusCode::FOUND, [("location", "/redirect-loop")]).into_response(),
        "/redirect-cross" => {
            let to = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
                .find(|(key, _)| key == "to")
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default();
            (StatusCode::FOUND, [("location", to)]).into_response()
        }
        _ => (
            [
                ("set-cookie", "SASESSION=rotated; Path=/"),
                ("X-Custom-Resp", "yes"),
                ("content-type", "application/json"),
            ],
            r#"{"ok":true}"#,
        )
            .into_response(),
    }
}

fn role(base: &url::Url, auth: Option<Auth>) -> RoleConfig {
    RoleConfig {
        base_url: BaseUrl::from(base.clone()),
        auth,
        methods: None,
        requests_per_minute: 0,
        advice: Default::default(),
        allowed_headers: vec!["x-debug".to_owned()],
    }
}

fn bearer(token: &str) -> Option<Auth> {
    Some(Auth::Bearer(Secret::new(token)))
}

/// Roles: `infomaniak-api` and `shared` (same token), `other` (another token),
/// `infomaniak-manager` (session), `infomaniak-kchat` (no credential).
fn config(base: &url::Url) -> GatewayConfig {
    let mut roles = BTreeMap::new();
    roles.insert("infomaniak-api".to_owned(), role(base, bearer(API_TOKEN)));
    roles.insert("shared".to_owned(), role(base, bearer(API_TOKEN)));
    roles.insert("other".to_owned(), role(base, bearer(OTHER_TOKEN)));
    roles.insert(
        "infomaniak-manager".to_owned(),
        role(
            base,
            Some(Auth::ManagerSession {
                session: Secret::new(SESSION),
                xsrf: Secret::new(XSRF),
            }),
        ),
    );
    roles.insert("infomaniak-kchat".to_owned(), role(base, None));
    GatewayConfig {
        roles,
        rate_window: RATE_WINDOW,
        secrets: Default::default(),
        request_timeout: Duration::from_secs(5),
        max_retries: 2,
    }
}

fn spec(phase: Phase) -> SessionSpec {
    SessionSpec {
        plugin_id: "test-plugin".to_owned(),
        granted_roles: [
            "infomaniak-api",
            "shared",
            "other",
            "infomaniak-manager",
            "infomaniak-kchat",
            "unconfigured",
        ]
        .map(str::to_owned)
        .to_vec(),
        phase,
        max_requests: 100,
        max_response_bytes: 4 << 20,
    }
}

fn request(role: &str, method: HttpMethod, path: &str) -> UpstreamRequest {
    UpstreamRequest {
        role: role.to_owned(),
        method,
        path: path.to_owned(),
        query: Vec::new(),
        base_params: Vec::new(),
        headers: Vec::new(),
        body: None,
    }
}

fn get(path: &str) -> UpstreamRequest {
    request("infomaniak-api", HttpMethod::Get, path)
}

fn with_body(mut req: UpstreamRequest, body: serde_json::Value) -> UpstreamRequest {
    req.body = Some(body.to_string());
    req
}

fn effect(method: HttpMethod, pattern: &str, body: Option<serde_json::Value>) -> PlannedEffect {
    PlannedEffect::new("infomaniak-api", method, pattern, body)
}

fn assert_no_secret(text: &str) {
    for secret in ALL_SECRETS {
        assert!(!text.contains(secret), "a secret leaked into: {text}");
    }
}

fn denied(result: Result<UpstreamResponse, UpstreamError>) -> String {
    match result {
        Err(UpstreamError::Denied(message)) => {
            assert_no_secret(&message);
            message
        }
        other => panic!("expected a denial, got {other:?}"),
    }
}

async fn session_on(stub: &Stub, phase: Phase) -> CallSession {
    Gateway::new(config(&stub.base))
        .unwrap()
        .session(spec(phase))
}

#[tokio::test]
async fn credential_injected_plugin_auth_stripped_set_cookie_dropped() {
    let stub = Stub::start().await;
    let mut session = session_on(&stub, Phase::Read).await;
    let mut req = get("/1/profile");
    req.query = vec![
        ("a".to_owned(), "1".to_owned()),
        ("a".to_owned(), "2".to_owned()),
        ("q".to_owned(), "x y&z".to_owned()),
    ];
    req.headers = [
        ("Authorization", "Bearer plugin-token"),
        ("cookie", "SASESSION=plugin"),
        ("X-XSRF-TOKEN", "plugin"),
        ("Proxy-Authorization", "Basic plugin"),
        ("X-Debug", "kept: the role allows it"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let response = session.send(req).await.unwrap();

    let seen = &stub.seen()[0];
    assert_eq!(
        seen.header("authorization"),
        Some(format!("Bearer {API_TOKEN}").as_str())
    );
    assert_eq!(seen.header("cookie"), None);
    assert_eq!(seen.header("x-xsrf-token"), None);
    assert_eq!(seen.header("proxy-authorization"), None);
    assert_eq!(seen.header("x-http-method-override"), None);
    assert_eq!(
        seen.header("host"),
        Some(stub.base.authority()),
        "the host header is the role's"
    );
    assert_eq!(seen.header("x-debug"), Some("kept: the role allows it"));
    assert_eq!(seen.header("accept"), Some("application/json"));
    assert_eq!(
        seen.header("content-type"),
        None,
        "no body, no content type"
    );
    assert_eq!(seen.query.as_deref(), Some("a=1&a=2&q=x+y%26z"));

    assert_eq!(response.status, 200);
    assert_eq!(response.body, r#"{"ok":true}"#);
    assert!(response.headers.iter().all(|(k, _)| k != "set-cookie"));
    assert!(response.headers.iter().all(|(k, _)| *k == k.to_lowercase()));
    assert!(
        response
            .headers
            .contains(&("x-custom-resp".to_owned(), "yes".to_owned()))
    );

    let records = session.records().lock().unwrap().clone();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].path, "/1/profile");
    assert_eq!(
        records[0].query, "a=1&a=2&q=x+y%26z",
        "the record has the query"
    );
    assert_eq!(records[0].method, "GET");
    assert_eq!(records[0].status, Some(200));
    assert_eq!(records[0].attempts, 1);
    assert_eq!(records[0].outcome, RequestOutcome::Sent);
}

#[tokio::test]
async fn manager_session_sends_cookie_and_xsrf_on_writes_only() {
    let stub = Stub::start().await;
    let mut manager_effect = effect(HttpMethod::Patch, "/proxy/1/thing", Some(json!({"a": 1})));
    manager_effect.role = "infomaniak-manager".to_owned();
    let mut session = session_on(&stub, Phase::Apply(vec![manager_effect])).await;
    session
        .send(request(
            "infomaniak-manager",
            HttpMethod::Get,
            "/proxy/1/thing",
        ))
        .await
        .unwrap();
    session
        .send(with_body(
            request("infomaniak-manager", HttpMethod::Patch, "/proxy/1/thing"),
            json!({"a": 1}),
        ))
        .await
        .unwrap();
    let seen = stub.seen();
    let cookie = format!("SASESSION={SESSION}");
    assert_eq!(seen[0].header("cookie"), Some(cookie.as_str()));
    assert_eq!(seen[0].header("x-xsrf-token"), None);
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(seen[1].header("cookie"), Some(cookie.as_str()));
    assert_eq!(seen[1].header("x-xsrf-token"), Some(XSRF));
    assert_eq!(seen[1].header("content-type"), Some("application/json"));
    assert_eq!(seen[1].body, r#"{"a":1}"#);
}

#[tokio::test]
async fn redirects_stay_within_the_origin() {
    let stub = Stub::start().await;
    let elsewhere = Stub::start().await;
    let mut session = session_on(&stub, Phase::Read).await;

    let same = session.send(get("/redirect-same")).await.unwrap();
    assert_eq!(same.status, 200);
    assert_eq!(stub.hits("/ok"), 1, "a same-origin redirect is followed");
    let followed = stub.seen().into_iter().find(|s| s.path == "/ok").unwrap();
    assert_eq!(
        followed.header("authorization"),
        Some(format!("Bearer {API_TOKEN}").as_str()),
        "the credential stays on a same-origin redirect"
    );

    let target = elsewhere.base.join("/ok").unwrap();
    let mut cross = get("/redirect-cross");
    cross.query = vec![("to".to_owned(), target.to_string())];
    let answer = session.send(cross).await.unwrap();
    assert_eq!(
        answer.status, 302,
        "a cross-origin redirect comes back as is"
    );
    assert!(
        answer
            .headers
            .contains(&("location".to_owned(), target.to_string()))
    );
    assert!(
        elsewhere.seen().is_empty(),
        "nothing reached the other origin"
    );

    let looped = session.send(get("/redirect-loop")).await;
    match looped {
        Err(UpstreamError::Network(message)) => assert!(message.contains("redirect")),
        other => panic!("expected a redirect-loop error, got {other:?}"),
    }
}

#[tokio::test]
async fn read_and_plan_phases_deny_every_write() {
    let stub = Stub::start().await;
    for phase in [Phase::Read, Phase::Plan] {
        let mut session = session_on(&stub, phase).await;
        for method in [
            HttpMethod::Post,
            HttpMethod::Put,
            HttpMethod::Patch,
            HttpMethod::Delete,
        ] {
            let req = with_body(request("infomaniak-api", method, "/1/thing"), json!({}));
            let message = denied(session.send(req).await);
            assert!(
                message.contains("writes are only allowed while applying a confirmed plan"),
                "{message}"
            );
        }
        let records = session.records().lock().unwrap().clone();
        assert_eq!(records.len(), 4);
        assert!(
            records
                .iter()
                .all(|r| matches!(r.outcome, RequestOutcome::Denied(_))
                    && r.attempts == 0
                    && r.wait_us == 0),
            "a refused request never waited on the upstream: {records:?}"
        );
    }
    assert!(stub.seen().is_empty(), "no write reached the server");
}

#[tokio::test]
async fn apply_allows_exactly_the_planned_effects_once_each() {
    let stub = Stub::start().await;
    let planned_body = json!({"type": "A", "source": "www", "target": "192.0.2.1"});
    let effects = vec![
        effect(
            HttpMethod::Post,
            "/2/zones/*/records",
            Some(planned_body.clone()),
        ),
        effect(HttpMethod::Delete, "/2/zones/*/records/*", None),
        effect(
            HttpMethod::Patch,
            "/2/zones/*/settings",
            Some(json!({"v": 1})),
        ),
    ];
    let mut session = session_on(&stub, Phase::Apply(effects)).await;

    // Reads pass in apply.
    session.send(get("/2/zones/a.ch/records")).await.unwrap();

    // The planned body, keys reordered, passes once.
    let reordered = r#"{"target":"192.0.2.1","source":"www","type":"A"}"#;
    let mut post = request("infomaniak-api", HttpMethod::Post, "/2/zones/a.ch/records");
    post.body = Some(reordered.to_owned());
    assert_eq!(session.send(post.clone()).await.unwrap().status, 200);
    let again = denied(session.send(post).await);
    assert!(again.contains("already sent"), "{again}");

    // `*` patterns: one DELETE, any record, once.
    let delete = request(
        "infomaniak-api",
        HttpMethod::Delete,
        "/2/zones/a.ch/records/7",
    );
    assert_eq!(session.send(delete).await.unwrap().status, 200);
    let second_delete = request(
        "infomaniak-api",
        HttpMethod::Delete,
        "/2/zones/a.ch/records/8",
    );
    denied(session.send(second_delete).await);

    // A body that differs from the plan is refused; the effect stays unused.
    let patch = with_body(
        request(
            "infomaniak-api",
            HttpMethod::Patch,
            "/2/zones/a.ch/settings",
        ),
        json!({"v": 2}),
    );
    let mismatch = denied(session.send(patch).await);
    assert!(mismatch.contains("body"), "{mismatch}");

    // An undeclared path is refused, naming what was asked and what is allowed.
    let undeclared = denied(
        session
            .send(with_body(
                request("infomaniak-api", HttpMethod::Put, "/2/zones/a.ch"),
                json!({}),
            ))
            .await,
    );
    assert!(undeclared.contains("PUT /2/zones/a.ch"), "{undeclared}");
    assert!(
        undeclared.contains("PATCH /2/zones/*/settings"),
        "{undeclared}"
    );

    // Another role with the same path is not the planned effect either.
    let wrong_role = request("other", HttpMethod::Patch, "/2/zones/a.ch/settings");
    denied(session.send(with_body(wrong_role, json!({"v": 1}))).await);

    let unused = session.unused_effects();
    assert_eq!(unused.len(), 1);
    assert_eq!(unused[0].path_pattern, "/2/zones/*/settings");

    let writes: Vec<(String, String)> = stub
        .seen()
        .iter()
        .filter(|s| s.method != "GET")
        .map(|s| (s.method.clone(), s.path.clone()))
        .collect();
    assert_eq!(
        writes,
        [
            ("POST".to_owned(), "/2/zones/a.ch/records".to_owned()),
            ("DELETE".to_owned(), "/2/zones/a.ch/records/7".to_owned()),
        ]
    );
    let posted: serde_json::Value = serde_json::from_str(&stub.seen()[1].body).unwrap();
    assert_eq!(posted, planned_body);
}

#[tokio::test]
async fn get_is_retried_after_429_honouring_retry_after() {
    let stub = Stub::start().await;
    let mut session = session_on(&stub, Phase::Read).await;
    let started = Instant::now();
    let response = session.send(get("/flaky429")).await.unwrap();
    assert_eq!(response.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert_eq!(stub.hits("/flaky429"), 2);
    let record = session.records().lock().unwrap()[0].clone();
    assert_eq!((record.attempts, record.status), (2, Some(200)));
    assert!(record.ms >= 950, "ms includes the wait: {}", record.ms);
    assert!(
        record.wait_us >= 950_000 && record.wait_us <= (record.ms + 1) * 1000,
        "the upstream wait (retry included) is within the request's time: {record:?}"
    );
}

#[tokio::test]
async fn get_is_retried_after_5xx_within_max_retries() {
    let stub = Stub::start().await;
    let mut session = session_on(&stub, Phase::Read).await;
    assert_eq!(session.send(get("/flaky500")).await.unwrap().status, 200);
    assert_eq!(stub.hits("/flaky500"), 2);

    // Always failing: 1 + max_retries (2) attempts, then the 500 itself is returned.
    assert_eq!(session.send(get("/always500")).await.unwrap().status, 500);
    assert_eq!(stub.hits("/always500"), 3);
    let record = session.records().lock().unwrap()[1].clone();
    assert_eq!((record.attempts, record.status), (3, Some(500)));
}

#[tokio::test]
async fn writes_are_never_retried() {
    let stub = Stub::start().await;
    let effects = vec![
        effect(HttpMethod::Post, "/always500", Some(json!({}))),
        effect(HttpMethod::Post, "/always429", Some(json!({}))),
    ];
    let mut session = session_on(&stub, Phase::Apply(effects)).await;
    let post = |path| with_body(request("infomaniak-api", HttpMethod::Post, path), json!({}));
    let started = Instant::now();
    assert_eq!(session.send(post("/always500")).await.unwrap().status, 500);
    assert_eq!(session.send(post("/always429")).await.unwrap().status, 429);
    assert!(started.elapsed() < Duration::from_millis(900), "no wait");
    assert_eq!(stub.hits("/always500"), 1);
    assert_eq!(stub.hits("/always429"), 1);
}

#[tokio::test]
async fn request_budget_counts_denials_too() {
    let stub = Stub::start().await;
    let mut spec = spec(Phase::Read);
    spec.max_requests = 3;
    let mut session = Gateway::new(config(&stub.base)).unwrap().session(spec);
    denied(
        session
            .send(with_body(
                request("infomaniak-api", HttpMethod::Post, "/x"),
                json!({}),
            ))
            .await,
    );
    session.send(get("/ok")).await.unwrap();
    session.send(get("/ok")).await.unwrap();
    for _ in 0..3 {
        assert_eq!(
            session.send(get("/ok")).await,
            Err(UpstreamError::BudgetExhausted(3))
        );
    }
    assert_eq!(stub.hits("/ok"), 2);
    let records = session.records().lock().unwrap().clone();
    assert_eq!(
        records.len(),
        4,
        "only the first refusal over budget is recorded"
    );
    assert!(matches!(records[3].outcome, RequestOutcome::Denied(_)));
}

#[tokio::test]
async fn response_bytes_are_capped_per_session() {
    let stub = Stub::start().await;
    let mut spec = spec(Phase::Read);
    spec.max_response_bytes = 30;
    let mut session = Gateway::new(config(&stub.base)).unwrap().session(spec);
    assert_eq!(
        session.send(get("/huge")).await,
        Err(UpstreamError::TooLarge(30))
    );
    // `{"ok":true}` is 11 bytes: two fit in 30, the third does not.
    session.send(get("/ok")).await.unwrap();
    session.send(get("/ok")).await.unwrap();
    assert_eq!(
        session.send(get("/ok")).await,
        Err(UpstreamError::TooLarge(30))
    );
    let records = session.records().lock().unwrap().clone();
    assert!(matches!(records[0].outcome, RequestOutcome::Failed(_)));
    assert_eq!(records[0].status, Some(200));
}

#[tokio::test]
async fn an_endless_body_stops_at_the_byte_cap() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A raw server that answers with a chunked body that never ends.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = url::Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        let chunk = format!("{:x}\r\n{}\r\n", 1024, "y".repeat(1024));
        while socket.write_all(chunk.as_bytes()).await.is_ok() {}
    });
    let mut config = config(&base);
    config.request_timeout = Duration::from_secs(10);
    let mut spec = spec(Phase::Read);
    spec.max_response_bytes = 64 * 1024;
    let mut session = Gateway::new(config).unwrap().session(spec);
    let started = Instant::now();
    assert_eq!(
        session.send(get("/endless")).await,
        Err(UpstreamError::TooLarge(64 * 1024))
    );
    assert!(started.elapsed() < Duration::from_secs(5), "stopped early");
}

#[tokio::test]
async fn slow_answers_time_out() {
    let stub = Stub::start().await;
    let mut config = config(&stub.base);
    config.request_timeout = Duration::from_millis(200);
    config.max_retries = 1;
    let mut session = Gateway::new(config).unwrap().session(spec(Phase::Read));
    let started = Instant::now();
    assert_eq!(
        session.send(get("/slow")).await,
        Err(UpstreamError::Timeout)
    );
    assert!(started.elapsed() < Duration::from_millis(1500));
    let record = session.records().lock().unwrap()[0].clone();
    assert_eq!(record.attempts, 2, "a GET timeout is retried once");
    assert!(matches!(record.outcome, RequestOutcome::Failed(_)));
}

/// Gives every role a budget of `budget` per `window`.
fn limited(mut config: GatewayConfig, budget: u32, window: Duration) -> GatewayConfig {
    config.rate_window = window;
    for role in config.roles.values_mut() {
        role.requests_per_minute = budget;
    }
    config
}

#[tokio::test]
async fn rate_limit_never_exceeds_the_budget_in_any_window() {
    let stub = Stub::start().await;
    // 3 per 400 ms, no burst on top: the 4th request waits until the 1st is a window old.
    let window = Duration::from_millis(400);
    let gateway = Gateway::new(limited(config(&stub.base), 3, window)).unwrap();
    let mut session = gateway.session(spec(Phase::Read));
    let started = Instant::now();
    let mut sent_at = Vec::new();
    for _ in 0..7 {
        session.send(get("/ok")).await.unwrap();
        sent_at.push(started.elapsed());
    }
    assert!(sent_at[2] < window, "the first 3 go at once: {sent_at:?}");
    for i in 3..7 {
        assert!(
            sent_at[i] >= sent_at[i - 3] + window,
            "request {i} answered within a window of request {}: {sent_at:?}",
            i - 3
        );
    }
}

#[tokio::test]
async fn roles_sharing_a_token_share_its_budget_and_other_tokens_do_not() {
    let stub = Stub::start().await;
    // One request per 800 ms per credential.
    let window = Duration::from_millis(800);
    let mut session = Gateway::new(limited(config(&stub.base), 1, window))
        .unwrap()
        .session(spec(Phase::Read));
    session.send(get("/ok")).await.unwrap();

    // `other` has its own token: no wait.
    let started = Instant::now();
    session
        .send(request("other", HttpMethod::Get, "/ok"))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "another credential waited {:?}",
        started.elapsed()
    );

    // `shared` uses the token `infomaniak-api` just spent: it waits its turn.
    let started = Instant::now();
    session
        .send(request("shared", HttpMethod::Get, "/ok"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "the shared token did not wait: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn ungranted_and_unknown_roles_are_denied() {
    let stub = Stub::start().await;
    let gateway = Gateway::new(config(&stub.base)).unwrap();
    let mut spec = spec(Phase::Read);
    spec.granted_roles = vec!["infomaniak-api".to_owned(), "unconfigured".to_owned()];
    let mut session = gateway.session(spec);
    let message = denied(
        session
            .send(request("infomaniak-manager", HttpMethod::Get, "/ok"))
            .await,
    );
    assert!(
        message.contains("role infomaniak-manager was not granted"),
        "{message}"
    );
    let message = denied(
        session
            .send(request("unconfigured", HttpMethod::Get, "/ok"))
            .await,
    );
    assert!(
        message.contains("role unconfigured was not granted"),
        "{message}"
    );
    assert!(stub.seen().is_empty());
}

#[tokio::test]
async fn missing_credential_names_the_setting() {
    let stub = Stub::start().await;
    let mut config = config(&stub.base);
    config
        .roles
        .insert("infomaniak-api".to_owned(), role(&stub.base, None));
    let mut session = Gateway::new(config).unwrap().session(spec(Phase::Read));
    let message = denied(session.send(get("/ok")).await);
    assert!(message.contains("roles.infomaniak-api.auth"), "{message}");
    let message = denied(
        session
            .send(request("infomaniak-kchat", HttpMethod::Get, "/ok"))
            .await,
    );
    assert!(message.contains("roles.infomaniak-kchat.auth"), "{message}");
    assert!(stub.seen().is_empty());
}

#[tokio::test]
async fn malformed_requests_never_reach_the_server() {
    let stub = Stub::start().await;
    let mut session = session_on(&stub, Phase::Apply(vec![])).await;
    let mut with_override = get("/ok");
    with_override.query = vec![("_method".to_owned(), "DELETE".to_owned())];
    let cases = [
        get("/a/../ok"),
        get("ok"),
        get("//evil.example/ok"),
        get("/ok?x=1"),
        with_body(get("/ok"), json!({})),
        with_override,
    ];
    for req in cases {
        match session.send(req.clone()).await {
            Err(UpstreamError::InvalidRequest(_)) => {}
            other => panic!("{req:?} gave {other:?}"),
        }
    }
    assert!(stub.seen().is_empty());
}

#[tokio::test]
async fn no_error_or_record_ever_contains_a_secret() {
    let stub = Stub::start().await;
    let unreachable = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = url::Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        drop(listener);
        url
    };
    let mut config = config(&stub.base);
    config
        .roles
        .insert("down".to_owned(), role(&unreachable, bearer(API_TOKEN)));
    config.max_retries = 0;
    let gateway = Gateway::new(config).unwrap();
    let mut spec = spec(Phase::Read);
    spec.granted_roles.push("down".to_owned());
    let mut session = gateway.session(spec);

    let mut errors = Vec::new();
    let attempts = [
        request("down", HttpMethod::Get, "/ok"),
        get(&format!("/ok?{API_TOKEN}")),
        get(&format!("/{SESSION}/../x")),
        with_body(
            request("infomaniak-manager", HttpMethod::Post, "/x"),
            json!({}),
        ),
        request("not-granted", HttpMethod::Get, "/ok"),
        request("infomaniak-kchat", HttpMethod::Get, "/ok"),
    ];
    for req in attempts {
        errors.push(session.send(req).await.unwrap_err());
    }
    assert!(matches!(errors[0], UpstreamError::Network(_)), "{errors:?}");
    for err in &errors {
        assert_no_secret(&err.to_string());
        assert_no_secret(&format!("{err:?}"));
    }
    let records = session.records().lock().unwrap().clone();
    assert_eq!(records.len(), errors.len());
    assert_no_secret(&serde_json::to_string(&records).unwrap());
    assert_no_secret(&format!("{:?}", gateway.secrets()));
    assert_no_secret(&format!("{gateway:?}"));

    let mut values: Vec<String> = gateway
        .secrets()
        .iter()
        .map(|s| s.expose().to_owned())
        .collect();
    values.sort();
    let mut expected = ALL_SECRETS.map(str::to_owned).to_vec();
    expected.sort();
    assert_eq!(values, expected, "every credential, once");
}

#[test]
fn bad_settings_are_refused_at_start() {
    let mut config = config(&url::Url::parse("http://127.0.0.1:1").unwrap());
    config.roles.insert(
        "bad".to_owned(),
        role(&url::Url::parse("file:///etc").unwrap(), None),
    );
    let err = Gateway::new(config.clone()).expect_err("a file URL is refused");
    assert!(err.to_string().contains("bad"), "{err}");
    config.roles.remove("bad");
    config.request_timeout = Duration::ZERO;
    let err = Gateway::new(config).expect_err("a zero timeout is refused");
    assert!(err.to_string().contains("timeout"), "{err}");
}

/// Finding 2: request headers from a plugin are an allow-list, and method or URL
/// overrides never pass, whatever the phase.
#[tokio::test]
async fn plugin_headers_are_an_allow_list_and_overrides_never_pass() {
    let stub = Stub::start().await;
    let mut session = session_on(&stub, Phase::Read).await;
    for (name, value) in [
        ("X-HTTP-Method-Override", "DELETE"),
        ("X-HTTP-Method", "DELETE"),
        ("X-Method-Override", "DELETE"),
        ("X-Original-URL", "/2/zones/other.ch/records/1"),
        ("X-Rewrite-URL", "/admin"),
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-For", "127.0.0.1"),
        ("Forwarded", "for=127.0.0.1;host=evil.example"),
        ("Host", "evil.example"),
        ("X-Plugin", "not on the role's list"),
    ] {
        let mut req = get("/1/profile");
        req.headers = vec![(name.to_owned(), value.to_owned())];
        match session.send(req).await {
            Err(UpstreamError::InvalidRequest(why)) => {
                assert!(why.contains("may not be sent"), "{name}: {why}");
                assert!(
                    why.contains("allowed: accept, content-type, x-debug"),
                    "{why}"
                );
            }
            other => panic!("{name} must be refused, got {other:?}"),
        }
    }
    for key in ["_method", ".method", "X-HTTP-Method-Override"] {
        let mut req = get("/1/profile");
        req.query = vec![(key.to_owned(), "DELETE".to_owned())];
        assert!(
            matches!(
                session.send(req).await,
                Err(UpstreamError::InvalidRequest(_))
            ),
            "{key}"
        );
    }
    assert!(stub.seen().is_empty(), "nothing reached the upstream");
    let records = session.records().lock().unwrap().clone();
    assert!(
        records
            .iter()
            .all(|r| matches!(r.outcome, RequestOutcome::Denied(_))),
        "every refusal is recorded: {records:?}"
    );
}

/// Finding 2: a planned write carries exactly its planned query; the record of every
/// request has method, path, query and status.
#[tokio::test]
async fn a_write_carries_exactly_the_planned_query() {
    let stub = Stub::start().await;
    let mut with_query = effect(HttpMethod::Delete, "/2/zones/a.ch/records/1", None);
    with_query.query = vec![("force".to_owned(), "1".to_owned())];
    let effects = vec![
        effect(HttpMethod::Delete, "/2/zones/a.ch/records/2", None),
        with_query,
    ];
    let mut session = session_on(&stub, Phase::Apply(effects)).await;
    let delete = |path: &str, query: &[(&str, &str)]| {
        let mut req = request("infomaniak-api", HttpMethod::Delete, path);
        req.query = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        req
    };
    // The effect without a query admits no query at all.
    for query in [&[("force", "1")][..], &[("purge", "all")], &[("a", "")]] {
        let why = denied(session.send(delete("/2/zones/a.ch/records/2", query)).await);
        assert!(why.contains("not among"), "{query:?}: {why}");
    }
    // The effect with a query admits exactly it.
    denied(session.send(delete("/2/zones/a.ch/records/1", &[])).await);
    denied(
        session
            .send(delete(
                "/2/zones/a.ch/records/1",
                &[("force", "1"), ("cascade", "1")],
            ))
            .await,
    );
    assert!(
        stub.seen().is_empty(),
        "no refused write reached the upstream"
    );
    session
        .send(delete("/2/zones/a.ch/records/1", &[("force", "1")]))
        .await
        .unwrap();
    session
        .send(delete("/2/zones/a.ch/records/2", &[]))
        .await
        .unwrap();
    let seen = stub.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].query.as_deref(), Some("force=1"));
    assert_eq!(seen[1].query, None);
    let records = session.records().lock().unwrap().clone();
    let sent: Vec<(&str, &str, &str, Option<u16>)> = records
        .iter()
        .filter(|r| r.outcome == RequestOutcome::Sent)
        .map(|r| {
            (
                r.method.as_str(),
                r.path.as_str(),
                r.query.as_str(),
                r.status,
            )
        })
        .collect();
    assert_eq!(
        sent,
        [
            ("DELETE", "/2/zones/a.ch/records/1", "force=1", Some(200)),
            ("DELETE", "/2/zones/a.ch/records/2", "", Some(200)),
        ]
    );
    let refused = records.iter().find(|r| r.query == "purge=all").unwrap();
    assert!(matches!(refused.outcome, RequestOutcome::Denied(_)));
}

/// Finding 8: a write is never redirected, not even within the origin; the 3xx is an
/// error the plugin sees and the record keeps.
#[tokio::test]
async fn writes_never_follow_redirects() {
    let stub = Stub::start().await;
    let effects = vec![
        effect(HttpMethod::Post, "/redirect-307", Some(json!({"a": 1}))),
        effect(HttpMethod::Put, "/redirect-308", Some(json!({"a": 1}))),
        effect(HttpMethod::Delete, "/redirect-same", None),
    ];
    let mut session = session_on(&stub, Phase::Apply(effects)).await;
    for (method, path, status) in [
        (HttpMethod::Post, "/redirect-307", 307),
        (HttpMethod::Put, "/redirect-308", 308),
        (HttpMethod::Delete, "/redirect-same", 302),
    ] {
        let mut req = request("infomaniak-api", method, path);
        if method != HttpMethod::Delete {
            req = with_body(req, json!({"a": 1}));
        }
        match session.send(req).await {
            Err(UpstreamError::Network(why)) => {
                assert!(why.contains(&format!("answered {status}")), "{why}");
                assert!(why.contains("never follows redirects on writes"), "{why}");
            }
            other => panic!("{path}: expected an error, got {other:?}"),
        }
    }
    assert_eq!(
        stub.hits("/elsewhere"),
        0,
        "the 307/308 targets were never hit"
    );
    assert_eq!(stub.hits("/ok"), 0, "the 302 target was never hit");
    let records = session.records().lock().unwrap().clone();
    assert_eq!(
        records.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(307), Some(308), Some(302)]
    );
    assert!(
        records
            .iter()
            .all(|r| matches!(r.outcome, RequestOutcome::Failed(_)))
    );
    // Reads still follow a same-origin redirect.
    let mut reader = session_on(&stub, Phase::Read).await;
    assert_eq!(
        reader.send(get("/redirect-same")).await.unwrap().status,
        200
    );
    assert_eq!(stub.hits("/ok"), 1);
}

/// Finding 9: the body compared with the plan is the body sent. A plugin's text with
/// duplicate keys parses (last key wins) to the planned body, but the upstream must not
/// receive the text, where a first-key-wins parser would read the other value.
#[tokio::test]
async fn the_body_sent_is_the_body_compared() {
    let stub = Stub::start().await;
    let planned = json!({"type": "TXT", "source": "@", "target": "approved"});
    let effects = vec![effect(
        HttpMethod::Post,
        "/2/zones/a.ch/records",
        Some(planned.clone()),
    )];
    let mut session = session_on(&stub, Phase::Apply(effects)).await;
    let mut post = request("infomaniak-api", HttpMethod::Post, "/2/zones/a.ch/records");
    post.body =
        Some(r#"{"type":"TXT","source":"@","target":"evil" , "target":"approved"}"#.to_owned());
    session.send(post).await.unwrap();
    let seen = stub.seen();
    assert_eq!(seen.len(), 1);
    assert!(!seen[0].body.contains("evil"), "sent: {}", seen[0].body);
    assert_eq!(seen[0].body, planned.to_string());
}

/// The one documented side-effecting GET (the stub answers it 502, which a read retries).
const RESET: &str = "/1/public_clouds/3/projects/7/dbaas/9/reset_password";

#[tokio::test]
async fn a_side_effecting_get_is_gated_like_a_write_and_never_retried() {
    let stub = Stub::start().await;
    let spellings = [
        RESET,
        "/1/public_clouds/3/projects/7/dbaas/9/reset_password/",
        "/1/public_clouds/3/projects/7/dbaas/9/Reset%5FPassword",
    ];
    for phase in [Phase::Read, Phase::Plan, Phase::Apply(Vec::new())] {
        let mut session = session_on(&stub, phase).await;
        for path in spellings {
            let message = denied(session.send(get(path)).await);
            assert!(message.contains("root password"), "{path}: {message}");
        }
        denied(
            session
                .send(request("infomaniak-api", HttpMethod::Head, RESET))
                .await,
        );
    }
    assert!(stub.seen().is_empty(), "nothing left the host");

    // Pinned by an effect: sent once, its 502 returned as is; then never again.
    let effects = vec![effect(HttpMethod::Get, RESET, None)];
    let mut session = session_on(&stub, Phase::Apply(effects)).await;
    assert_eq!(session.send(get(RESET)).await.unwrap().status, 502);
    assert_eq!(stub.hits(RESET), 1, "a side-effecting GET is never retried");
    let record = session.records().lock().unwrap()[0].clone();
    assert_eq!((record.attempts, record.effect), (1, Some(1)));
    assert!(denied(session.send(get(RESET)).await).contains("already sent"));
    denied(
        session
            .send(request("infomaniak-api", HttpMethod::Head, RESET))
            .await,
    );
    assert_eq!(stub.hits(RESET), 1);
    // Plain reads keep passing (and retrying) in every phase.
    assert_eq!(session.send(get("/ok")).await.unwrap().status, 200);
}
