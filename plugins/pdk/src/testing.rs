//! What every plugin's native unit tests need: a [`Host`] with canned upstream answers and a
//! record of every request, log line and progress report ([`MockHost`]); calls through the
//! registry and the Infomaniak answer envelopes ([`calls`]); and the manifest checks,
//! surface budget included ([`manifest`]). Enabled with the `testing` feature
//! (dev-dependency).

pub mod calls;
pub mod manifest;

pub use calls::{api_error, apply, expect_no_change, expect_plan, invoke, ok, paged, parse, plan};
pub use manifest::{check_manifest, check_manifest_within, surface_tokens};

use std::cell::RefCell;
use std::collections::VecDeque;

use serde_json::Value;

use crate::host::Host;
use crate::{HttpMethod, Level, Request, Response, UpstreamError};

/// One progress report: `done`, `total`, `message`.
pub type ProgressReport = (u32, Option<u32>, Option<String>);

/// A canned answer to `method path` (optionally only for one `page` query value).
struct Route {
    method: HttpMethod,
    path: String,
    page: Option<String>,
    answer: Result<Response, UpstreamError>,
}

/// The test host. Routes answer by method and path (and page); requests that match no
/// route take the next queued answer; with neither, the request fails with a network error
/// naming it, so a test never passes by accident.
#[derive(Default)]
pub struct MockHost {
    routes: RefCell<Vec<Route>>,
    queue: RefCell<VecDeque<Result<Response, UpstreamError>>>,
    requests: RefCell<Vec<Request>>,
    logs: RefCell<Vec<(Level, String)>>,
    progress: RefCell<Vec<ProgressReport>>,
}

fn response(status: u16, body: String) -> Response {
    Response {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body,
    }
}

impl MockHost {
    /// An empty host: every request fails until answers are added.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a JSON answer for the next unrouted request.
    pub fn push_ok(&self, status: u16, body: Value) {
        self.queue
            .borrow_mut()
            .push_back(Ok(response(status, body.to_string())));
    }

    /// Queues a raw (possibly non-JSON) answer for the next unrouted request.
    pub fn push_raw(&self, status: u16, body: &str) {
        self.queue
            .borrow_mut()
            .push_back(Ok(response(status, body.to_string())));
    }

    /// Queues a transport failure for the next unrouted request.
    pub fn push_error(&self, error: UpstreamError) {
        self.queue.borrow_mut().push_back(Err(error));
    }

    /// Answers every `method path` request (any query) with `status` and `body`.
    pub fn route(&self, method: HttpMethod, path: &str, status: u16, body: Value) {
        self.add_route(method, path, None, Ok(response(status, body.to_string())));
    }

    /// Answers `method path` requests whose `page` query is `page`.
    pub fn route_page(&self, method: HttpMethod, path: &str, page: u32, status: u16, body: Value) {
        self.add_route(
            method,
            path,
            Some(page.to_string()),
            Ok(response(status, body.to_string())),
        );
    }

    /// Answers every `method path` request with a transport failure.
    pub fn route_error(&self, method: HttpMethod, path: &str, error: UpstreamError) {
        self.add_route(method, path, None, Err(error));
    }

    fn add_route(
        &self,
        method: HttpMethod,
        path: &str,
        page: Option<String>,
        answer: Result<Response, UpstreamError>,
    ) {
        self.routes.borrow_mut().push(Route {
            method,
            path: path.to_string(),
            page,
            answer,
        });
    }

    /// Every request sent so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.borrow().clone()
    }

    /// The requests sent so far that were not GET (the writes).
    pub fn writes(&self) -> Vec<Request> {
        self.requests
            .borrow()
            .iter()
            .filter(|r| r.method != HttpMethod::Get)
            .cloned()
            .collect()
    }

    /// Every log line so far.
    pub fn logs(&self) -> Vec<(Level, String)> {
        self.logs.borrow().clone()
    }

    /// Every progress report so far.
    pub fn progress_reports(&self) -> Vec<ProgressReport> {
        self.progress.borrow().clone()
    }
}

impl Host for MockHost {
    fn send(&self, request: &Request) -> Result<Response, UpstreamError> {
        self.requests.borrow_mut().push(request.clone());
        let page = request
            .query
            .iter()
            .find(|(k, _)| k == "page")
            .map(|(_, v)| v.clone());
        let routes = self.routes.borrow();
        let matching = |exact_page: bool| {
            routes.iter().rev().find(|r| {
                r.method == request.method
                    && r.path == request.path
                    && if exact_page {
                        r.page.is_some() && r.page == page
                    } else {
                        r.page.is_none()
                    }
            })
        };
        if let Some(route) = matching(true).or_else(|| matching(false)) {
            return route.answer.clone();
        }
        self.queue.borrow_mut().pop_front().unwrap_or_else(|| {
            Err(UpstreamError::Network(format!(
                "MockHost has no canned answer for {:?} {} {:?}",
                request.method, request.path, request.query
            )))
        })
    }

    fn log(&self, level: Level, message: &str) {
        self.logs.borrow_mut().push((level, message.to_string()));
    }

    fn progress(&self, done: u32, total: Option<u32>, message: Option<&str>) {
        self.progress
            .borrow_mut()
            .push((done, total, message.map(str::to_string)));
    }
}
