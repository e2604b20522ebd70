//! Listeners, the per-request guard (faults, auth, rate limit, recording) and the accept loop.
//!
//! Connections are served by our own accept loop (hyper http1) rather than `axum::serve`, so a
//! fault can close one connection without any response, as a broken network would.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

use crate::auth::{self, Caller, Credentials};
use crate::envelope::{ApiError, json_response};
use crate::faults::FaultState;
use crate::ratelimit::{Decision, RateLimiter};
use crate::recorder::{RecordedRequest, Recorder};
use crate::seed::{self, Scale};
use crate::state::State as World;

/// Largest request body accepted.
const MAX_BODY: usize = 4 << 20;

/// Everything the handlers share. Locks are std mutexes held only for short, non-async work.
#[derive(Debug)]
pub struct Shared {
    /// Seed the world was generated from.
    pub seed: u64,
    /// Scale the world was generated at.
    pub scale: Scale,
    /// The mutable tenant.
    pub world: Mutex<World>,
    /// Tokens and manager session.
    pub creds: Credentials,
    /// Rate limiter; `None` when disabled.
    pub limiter: Option<Mutex<RateLimiter>>,
    /// Fault injection state.
    pub faults: Mutex<FaultState>,
    /// Request log.
    pub recorder: Mutex<Recorder>,
}

/// Locks a mutex, recovering from poisoning (a panicked handler must not wedge the sim).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// Regenerates the world from the seed, forgets rate buckets and clears faults.
    pub fn reset(&self) {
        *lock(&self.world) = seed::generate(self.seed, self.scale);
        if let Some(l) = &self.limiter {
            lock(l).clear();
        }
        let mut f = lock(&self.faults);
        f.set(Default::default());
    }
}

/// Which listener a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream {
    /// The public API (`https://api.infomaniak.com`).
    Api,
    /// The manager (`https://manager.infomaniak.com`), cookie-authenticated.
    Manager,
    /// kChat (`https://{team}.kchat.infomaniak.com`): API tokens or the kChat bot token.
    Kchat,
}

impl Upstream {
    fn name(self) -> &'static str {
        match self {
            Upstream::Api => "api",
            Upstream::Manager => "manager",
            Upstream::Kchat => "kchat",
        }
    }
}

/// Per-connection handle a guard uses to close the connection without answering.
#[derive(Clone)]
struct ConnKill(Arc<Notify>);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The manager's login page, served with status 200 when the session has expired.
pub const LOGIN_PAGE: &str = "<!DOCTYPE html><html><head><title>Infomaniak - Login</title></head>\
<body><form action=\"https://login.infomaniak.com/\" method=\"post\">\
<input name=\"login\"><input name=\"password\" type=\"password\"></form></body></html>";

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Resolves the caller, or the error to answer. Returns the credential fingerprint as well.
fn authenticate(
    sh: &Shared,
    upstream: Upstream,
    headers: &HeaderMap,
    method: &str,
    path: &str,
) -> (Option<String>, Result<Caller, Response>) {
    match upstream {
        Upstream::Kchat => {
            let secret = auth::bearer(
                headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok()),
            );
            let fp = secret.map(auth::fingerprint);
            let refuse = |status: StatusCode, id: &str, message: &str| {
                crate::routes::kchat::app_error_response(status, id, message)
            };
            if secret == Some(sh.creds.kchat_bot.as_str()) {
                let caller = Caller {
                    label: "kchat-bot".into(),
                    scopes: vec![auth::ALL_SCOPES.into()],
                    accounts: None,
                };
                return (fp, Ok(caller));
            }
            let Some(spec) = secret.and_then(|s| sh.creds.by_secret(s)) else {
                let why = "Invalid or expired session, please login again.";
                return (
                    fp,
                    Err(refuse(
                        StatusCode::UNAUTHORIZED,
                        "api.context.session_expired.app_error",
                        why,
                    )),
                );
            };
            if !spec.has_scope("kchat") {
                let why =
                    "This token lacks the kchat scope; create a token with it in the manager.";
                return (
                    fp,
                    Err(refuse(
                        StatusCode::FORBIDDEN,
                        "api.context.permissions.app_error",
                        why,
                    )),
                );
            }
            let caller = Caller {
                label: spec.label.to_string(),
                scopes: spec.scopes.clone(),
                accounts: spec.accounts.clone(),
            };
            (fp, Ok(caller))
        }
        Upstream::Api => {
            let secret = auth::bearer(
                headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok()),
            );
            let fp = secret.map(auth::fingerprint);
            let Some(spec) = secret.and_then(|s| sh.creds.by_secret(s)) else {
                return (fp, Err(ApiError::unauthorized().into_response()));
            };
            if let Some(scope) = auth::required_scope(method, path)
                && !spec.has_scope(scope)
            {
                let err = ApiError::access_denied(format!(
                    "This token lacks the {scope:?} scope needed for {method} {path}; create a token with it in the manager"
                ));
                return (fp, Err(err.into_response()));
            }
            let caller = Caller {
                label: spec.label.to_string(),
                scopes: spec.scopes.clone(),
                accounts: spec.accounts.clone(),
            };
            (fp, Ok(caller))
        }
        Upstream::Manager => {
            let session = cookie(headers, "SASESSION");
            let fp = session.as_deref().map(auth::fingerprint);
            if lock(&sh.faults).faults.manager_session_expired {
                let mut resp = (StatusCode::OK, LOGIN_PAGE).into_response();
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=UTF-8"),
                );
                return (fp, Err(resp));
            }
            if session.as_deref() != Some(sh.creds.sasession.as_str()) {
                return (fp, Err(ApiError::unauthorized().into_response()));
            }
            if method != "GET" && method != "HEAD" {
                let xsrf = headers.get("x-xsrf-token").and_then(|v| v.to_str().ok());
                if xsrf != Some(sh.creds.xsrf.as_str()) {
                    let err = ApiError::new(
                        StatusCode::from_u16(419).unwrap_or(StatusCode::FORBIDDEN),
                        "token_mismatch",
                        "CSRF token mismatch. Send X-XSRF-TOKEN with the value of the MANAGER-XSRF-TOKEN cookie",
                    );
                    return (fp, Err(err.into_response()));
                }
            }
            if path.starts_with("/proxy/private") {
                let err = ApiError::access_denied("Not allowed to proxy this route as secured");
                return (fp, Err(err.into_response()));
            }
            let caller = Caller {
                label: "manager".into(),
                scopes: vec![auth::ALL_SCOPES.into()],
                accounts: None,
            };
            (fp, Ok(caller))
        }
    }
}

fn too_many(retry_after: Duration, limit: u32) -> Response {
    let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let mut resp = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        format!("Too many requests: the limit is {limit} per minute; retry after {secs} s"),
    )
    .into_response();
    let h = resp.headers_mut();
    let reset = now_ms() / 1000 + secs;
    h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(0u32));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
    resp
}

/// The guard in front of every API and manager route.
async fn guard(sh: Arc<Shared>, upstream: Upstream, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(String::from);
    let latency = lock(&sh.faults).faults.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let (fp, caller) = authenticate(&sh, upstream, &parts.headers, &method, &path);
    // kChat is logged as `kchat:<team>` with the API path, however the team was given.
    let (logged_upstream, path) = match upstream {
        Upstream::Kchat => crate::routes::kchat::logged(&parts.headers, &path),
        _ => (upstream.name().to_string(), path),
    };
    let record = |status: u16| {
        let body = (!bytes.is_empty()).then(|| {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
            })
        });
        lock(&sh.recorder).push(RecordedRequest {
            seq: 0,
            upstream: logged_upstream.clone(),
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            body,
            token: fp.clone(),
            status,
            ts: now_ms(),
        });
    };

    if lock(&sh.faults).take_drop() {
        record(0);
        if let Some(kill) = parts.extensions.get::<ConnKill>() {
            kill.0.notify_one();
        }
        std::future::pending::<()>().await;
    }

    let limit = sh.limiter.as_ref().map(|l| lock(l).limit()).unwrap_or(0);
    let storm = lock(&sh.faults).take_storm();
    let mut resp = if storm {
        too_many(Duration::from_secs(1), limit.max(1))
    } else {
        match caller {
            Err(resp) => resp,
            Ok(caller) => {
                let decision = sh
                    .limiter
                    .as_ref()
                    .map(|l| lock(l).check(&caller.label, Instant::now()));
                match decision {
                    Some(Decision::Deny { retry_after }) => too_many(retry_after, limit),
                    _ if lock(&sh.faults).roll_error() => ApiError::unexpected().into_response(),
                    _ => {
                        parts.extensions.insert(caller);
                        let mut resp = next
                            .run(Request::from_parts(parts, Body::from(bytes.clone())))
                            .await;
                        if let Some(Decision::Allow { remaining }) = decision {
                            resp.headers_mut()
                                .insert("x-ratelimit-limit", HeaderValue::from(limit));
                            resp.headers_mut()
                                .insert("x-ratelimit-remaining", HeaderValue::from(remaining));
                        }
                        resp
                    }
                }
            }
        }
    };

    if lock(&sh.faults).take_malformed() {
        let (mut rparts, rbody) = resp.into_parts();
        let full = axum::body::to_bytes(rbody, usize::MAX)
            .await
            .unwrap_or_default();
        let cut = Bytes::copy_from_slice(&full[..full.len() / 2]);
        rparts.headers.remove(header::CONTENT_LENGTH);
        resp = Response::from_parts(rparts, Body::from(cut));
    }
    record(resp.status().as_u16());
    resp
}

/// Middleware entry for the public API listener.
pub async fn api_guard(State(sh): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    guard(sh, Upstream::Api, req, next).await
}

/// Middleware entry for the kChat listener.
pub async fn kchat_guard(State(sh): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    guard(sh, Upstream::Kchat, req, next).await
}

/// Middleware entry for the manager listener.
pub async fn manager_guard(State(sh): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    guard(sh, Upstream::Manager, req, next).await
}

/// Fallback for unknown routes and methods: 404 `method_not_found`.
pub async fn no_route(req: Request) -> Response {
    ApiError::no_route(req.method().as_str(), req.uri().path()).into_response()
}

/// A JSON body for control-plane answers.
pub fn control_json(status: StatusCode, v: serde_json::Value) -> Response {
    json_response(status, &v)
}

/// Serves `router` on `listener` until `shutdown` flips to true.
pub async fn serve(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let router = router.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let handle = ConnKill(kill.clone());
            let svc = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(handle.clone());
                    let router = router.clone();
                    async move {
                        Ok::<_, Infallible>(
                            router
                                .oneshot(req.map(Body::new))
                                .await
                                .unwrap_or_else(|e| match e {}),
                        )
                    }
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                r = conn => if let Err(e) = r { tracing::debug!("connection ended: {e}") },
                _ = kill.notified() => tracing::debug!("connection dropped by fault"),
                _ = stop.changed() => {},
            }
        });
    }
}
