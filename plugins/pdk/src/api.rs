//! The Infomaniak API client over the host's `upstream` import: JSON in and out, the
//! `{result, data}` envelope unwrapped, the error envelope mapped to a typed [`ToolError`],
//! and list endpoints followed to their last page.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error;
use crate::host::Host;
use crate::{HttpMethod, PlannedEffect, Request, Response, ToolError, UpstreamError};

/// The upstream role of the public Infomaniak API (`https://api.infomaniak.com`).
pub const INFOMANIAK_API: &str = "infomaniak-api";

/// Page size the list helper asks for. The API documents no maximum: `per_page` is an
/// integer of minimum 1 in the OpenAPI documents. Clients are seen using 100 to 500 on
/// `/1/products` (500 works, MOGA) and 1000 on kDrive (the desktop client); kChat, a
/// different API, caps at 200 (infomaniak-api.md §4). 100 is a size no client has seen
/// refused on any route; larger pages would save requests where the API allows them.
pub const PER_PAGE: u32 = 100;

/// Upper bound on pages followed by [`Api::list_all`]; beyond it the API is misbehaving.
pub const MAX_PAGES: u32 = 1000;

/// A client for one upstream role. Cheap to create; borrow it from [`crate::Ctx::api`].
pub struct Api<'a> {
    host: &'a dyn Host,
    role: &'a str,
}

/// A successful answer: the unwrapped `data` plus the whole JSON body (for pagination keys).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The envelope's `data` (the whole body for envelope-less answers).
    pub data: Value,
    /// The complete JSON body.
    pub body: Value,
}

impl<'a> Api<'a> {
    /// A client sending through `host` with upstream `role`.
    pub fn new(host: &'a dyn Host, role: &'a str) -> Self {
        Api { host, role }
    }

    /// GET `path` with `query`; returns the envelope's `data`.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ToolError> {
        let request = self.request(HttpMethod::Get, path, query, None);
        let response = self.answer(&request)?;
        match typed(&response) {
            Some((data, _pages)) => Ok(data),
            None => Ok(untyped(&response, &request)?.0),
        }
    }

    /// GET `path` and deserialize `data` into `T`.
    pub fn get_as<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ToolError> {
        let request = self.request(HttpMethod::Get, path, query, None);
        let (data, _pages) = self.exchange_as(&request)?;
        Ok(data)
    }

    /// GET `path` whose successful answer is not JSON (CSV exports): the body text of a
    /// 2xx answer. An error answer (any non-2xx) is mapped like every other call's.
    pub fn get_text(&self, path: &str, query: &[(&str, &str)]) -> Result<String, ToolError> {
        let request = self.request(HttpMethod::Get, path, query, None);
        let what = format!("GET {path}");
        let response = self
            .host
            .send(&request)
            .map_err(|e| map_transport_error(e, &what))?;
        if (200..300).contains(&response.status) {
            return Ok(response.body);
        }
        parse_response(response.status, &response.body, &what).map(|a| a.body.to_string())
    }

    /// POST `body` to `path`; returns `data`.
    pub fn post(&self, path: &str, body: &Value) -> Result<Value, ToolError> {
        Ok(self.send(HttpMethod::Post, path, &[], Some(body))?.data)
    }

    /// PUT `body` to `path`; returns `data`.
    pub fn put(&self, path: &str, body: &Value) -> Result<Value, ToolError> {
        Ok(self.send(HttpMethod::Put, path, &[], Some(body))?.data)
    }

    /// DELETE `path` (no body); returns `data`.
    pub fn delete(&self, path: &str) -> Result<Value, ToolError> {
        Ok(self.send(HttpMethod::Delete, path, &[], None)?.data)
    }

    /// Performs one confirmed planned effect exactly: its method, path, query, base params
    /// and body. Used by `apply` so that what is sent is what the human approved. The path
    /// must be concrete (no `*` segment); returns `data`.
    pub fn perform(&self, effect: &PlannedEffect) -> Result<Value, ToolError> {
        if effect.path_pattern.split('/').any(|s| s == "*") {
            return Err(error::internal(format!(
                "planned effect {} has a wildcard segment; it cannot be performed as is",
                effect.path_pattern
            )));
        }
        let body =
            match &effect.body {
                Some(text) => Some(serde_json::from_str::<Value>(text).map_err(|e| {
                    error::internal(format!("planned effect body is not JSON: {e}"))
                })?),
                None => None,
            };
        let request = Request {
            query: effect.query.clone(),
            base_params: effect.base_params.clone(),
            ..self.request(effect.method, &effect.path_pattern, &[], body.as_ref())
        };
        Ok(self.exchange(&request)?.data)
    }

    /// GETs every page of a list endpoint and returns all items. Always sends
    /// `page`/`per_page`, reads the `pages` count from the answer and stops at the last
    /// page; an answer without `pages` is the whole list. A list tool built on this never
    /// returns page 1 of 3.
    pub fn list_all(&self, path: &str, query: &[(&str, &str)]) -> Result<Vec<Value>, ToolError> {
        self.list_all_as(path, query)
    }

    /// [`Api::list_all`] with each item deserialized into `T` as its page is read, straight
    /// from the answer's text (no `Value` tree in between). A page whose items do not fit
    /// `T` fails the call with the same error [`decode`] gives, without reading further pages.
    pub fn list_all_as<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<T>, ToolError> {
        let mut items = Vec::new();
        let mut page: u32 = 1;
        loop {
            let response = self.page(path, query, page)?;
            let (batch, pages) = match typed::<Vec<T>>(&response) {
                Some(found) => found,
                None => {
                    let (batch, pages) = untyped_page(&response, path, page)?;
                    (decode(Value::Array(batch), path)?, pages)
                }
            };
            let got = batch.len();
            items.extend(batch);
            if !more_pages(path, page, pages, got)? {
                return Ok(items);
            }
            page += 1;
        }
    }

    /// GETs page `page` of the list at `path` (`query` plus `page`/`per_page`).
    #[inline(never)]
    fn page(&self, path: &str, query: &[(&str, &str)], page: u32) -> Result<Response, ToolError> {
        let page = page.to_string();
        let per_page = PER_PAGE.to_string();
        let mut q: Vec<(&str, &str)> = Vec::with_capacity(query.len() + 2);
        q.extend_from_slice(query);
        q.push(("page", &page));
        q.push(("per_page", &per_page));
        self.answer(&self.request(HttpMethod::Get, path, &q, None))
    }

    /// Sends one request and maps the answer: 2xx with a success envelope gives [`Answer`];
    /// anything else becomes a typed [`ToolError`].
    pub fn send(
        &self,
        method: HttpMethod,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Answer, ToolError> {
        self.exchange(&self.request(method, path, query, body))
    }

    /// The request for `method path?query` with `body`, on this client's role (no base
    /// params).
    fn request(
        &self,
        method: HttpMethod,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Request {
        let mut headers = vec![("accept".to_string(), "application/json".to_string())];
        if body.is_some() {
            headers.push(("content-type".to_string(), "application/json".to_string()));
        }
        Request {
            role: self.role.to_string(),
            method,
            path: path.to_string(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            base_params: Vec::new(),
            headers,
            body: body.map(Value::to_string),
        }
    }

    /// Sends `request` and maps the answer (see [`Api::send`]).
    fn exchange(&self, request: &Request) -> Result<Answer, ToolError> {
        let response = self.answer(request)?;
        parse_response(response.status, &response.body, &what(request))
    }

    /// Sends `request` and decodes the envelope's `data` into `T`: straight from the
    /// answer's text when it is a plain success envelope, else through [`parse_response`]
    /// and [`decode`], so any other answer ends exactly as it does there. Also returns the
    /// body's `pages`.
    fn exchange_as<T: DeserializeOwned>(
        &self,
        request: &Request,
    ) -> Result<(T, Option<u64>), ToolError> {
        let response = self.answer(request)?;
        if let Some(found) = typed(&response) {
            return Ok(found);
        }
        let (data, pages) = untyped(&response, request)?;
        Ok((decode(data, &request.path)?, pages))
    }

    /// Sends `request`; a refusal or failure of the host becomes a [`ToolError`].
    #[inline(never)]
    fn answer(&self, request: &Request) -> Result<Response, ToolError> {
        self.host
            .send(request)
            .map_err(|e| map_transport_error(e, &what(request)))
    }
}

/// The `Value` path of an answer the typed one did not take: [`parse_response`]'s `data`
/// and the body's `pages`.
#[cold]
#[inline(never)]
fn untyped(response: &Response, request: &Request) -> Result<(Value, Option<u64>), ToolError> {
    let answer = parse_response(response.status, &response.body, &what(request))?;
    let pages = answer.body.get("pages").and_then(Value::as_u64);
    Ok((answer.data, pages))
}

/// [`untyped`] for page `page` of a list: its items, or an error if `data` is not a list.
#[cold]
#[inline(never)]
fn untyped_page(
    response: &Response,
    path: &str,
    page: u32,
) -> Result<(Vec<Value>, Option<u64>), ToolError> {
    let answer = parse_response(response.status, &response.body, &format!("GET {path}"))?;
    let pages = answer.body.get("pages").and_then(Value::as_u64);
    let Value::Array(items) = answer.data else {
        return Err(error::upstream(
            200,
            "unexpected_response",
            format!("GET {path} did not return a list (page {page})"),
            Some("the endpoint is not a list endpoint, or the API changed".into()),
        ));
    };
    Ok((items, pages))
}

/// Whether a list goes on after page `page` (of `pages`, with `got` items): not past the
/// last page nor after an empty one; an error past [`MAX_PAGES`].
fn more_pages(path: &str, page: u32, pages: Option<u64>, got: usize) -> Result<bool, ToolError> {
    match pages {
        Some(pages) if u64::from(page) < pages && got > 0 => {}
        _ => return Ok(false),
    }
    if page >= MAX_PAGES {
        return Err(error::upstream(
            200,
            "pagination_runaway",
            format!("GET {path} still reports more pages after {MAX_PAGES} pages"),
            Some("narrow the request with filters".into()),
        ));
    }
    Ok(true)
}

/// "GET /path", how messages name a request.
fn what(request: &Request) -> String {
    format!("{} {}", method_name(request.method), request.path)
}

/// A success envelope read straight into its typed `data` (`pages` kept for pagination).
/// Unknown keys are skipped; a duplicate key, a missing or ill-typed `data` or `result`
/// fails it, and the caller falls back to the [`Value`] path.
#[derive(Deserialize)]
struct Envelope<'a, T> {
    #[serde(borrow)]
    result: &'a str,
    data: T,
    #[serde(default)]
    pages: Option<Value>,
}

/// The fast path of a 2xx answer whose body is `{"result": "<not error>", "data": …}` and
/// whose `data` fits `T`: what [`parse_response`] and [`decode`] would give, without
/// building (and cloning) the answer's `Value` tree first. `None` for anything else (an
/// error status, an error envelope, an envelope-less or non-JSON body, a `data` that does
/// not fit `T`): the caller then takes the `Value` path, which maps it as it always has.
/// Not inlined: one copy per `T`, not one per call site.
#[inline(never)]
fn typed<T: DeserializeOwned>(response: &Response) -> Option<(T, Option<u64>)> {
    if !(200..300).contains(&response.status) {
        return None;
    }
    let envelope: Envelope<T> = serde_json::from_str(&response.body).ok()?;
    if envelope.result == "error" {
        return None;
    }
    let pages = envelope.pages.as_ref().and_then(Value::as_u64);
    Some((envelope.data, pages))
}

/// Deserializes an API `data` value into `T`, as an upstream error if its shape is wrong.
pub fn decode<T: DeserializeOwned>(data: Value, path: &str) -> Result<T, ToolError> {
    serde_json::from_value(data).map_err(|e| unexpected_shape(&e, path))
}

/// The error of an answer `data` that does not fit the caller's type.
#[cold]
#[inline(never)]
fn unexpected_shape(e: &serde_json::Error, path: &str) -> ToolError {
    error::upstream(
        200,
        "unexpected_response",
        format!("the answer of {path} has an unexpected shape: {e}"),
        Some("the API changed or the resource is of another kind".into()),
    )
}

/// The upper-case name of a method, for messages.
pub fn method_name(method: HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Head => "HEAD",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Delete => "DELETE",
    }
}

/// Maps a refusal or failure of the host's `upstream.send` to a [`ToolError`] with a hint.
pub fn map_transport_error(e: UpstreamError, what: &str) -> ToolError {
    match e {
        UpstreamError::Denied(reason) => error::denied(
            format!("the host refused {what}: {reason}"),
            Some("writes only happen while applying a confirmed plan; call the tool again to get a plan".into()),
        ),
        UpstreamError::BudgetExhausted(n) => error::denied(
            format!("the per-call upstream request budget ({n} requests) is used up at {what}"),
            Some("narrow the request (filters, fewer items) or raise the operator's per-call budget".into()),
        ),
        UpstreamError::TooLarge(n) => error::denied(
            format!("the answer of {what} exceeded the host's size cap ({n} bytes)"),
            Some("narrow the request with filters".into()),
        ),
        UpstreamError::Timeout => error::upstream(
            0,
            "timeout",
            format!("{what} timed out"),
            Some("the API is slow or unreachable; retry in a moment".into()),
        ),
        UpstreamError::Network(reason) => error::upstream(
            0,
            "network_error",
            format!("{what} could not reach the API: {reason}"),
            Some("check connectivity and the configured API URL".into()),
        ),
        UpstreamError::InvalidRequest(reason) => {
            error::internal(format!("the host rejected {what} as malformed: {reason}"))
        }
    }
}

/// Maps one HTTP answer to `data` or a typed error. Public for plugins with special routes.
pub fn parse_response(status: u16, body: &str, what: &str) -> Result<Answer, ToolError> {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let Some(json) = parsed else {
        let looks_html = body.trim_start().starts_with('<');
        let kind = if looks_html {
            "an HTML page (a login or error page?)"
        } else {
            "a non-JSON body"
        };
        return Err(error::upstream(
            status,
            "invalid_response",
            format!("{what} answered HTTP {status} with {kind} instead of JSON"),
            Some(if looks_html {
                "the API URL may point at a web page or the session expired; check the configured API URL and token".into()
            } else {
                "the API is misbehaving; retry later".into()
            }),
        ));
    };
    let is_error = !(200..300).contains(&status)
        || json.get("result").and_then(Value::as_str) == Some("error");
    if is_error {
        return Err(map_error(status, &json, what));
    }
    let data = match json.get("result") {
        Some(_) => json.get("data").cloned().unwrap_or(Value::Null),
        None => json.clone(),
    };
    Ok(Answer { data, body: json })
}

/// Maps an error envelope `{result:"error", error:{code, description, errors[]}}` and its
/// HTTP status to a [`ToolError`] that says what to do next.
pub fn map_error(status: u16, body: &Value, what: &str) -> ToolError {
    let err = body.get("error").unwrap_or(&Value::Null);
    let code = err
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let description = err
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {status}"));
    let message = if code.is_empty() {
        format!("{what}: {description}")
    } else {
        format!("{what}: {description} ({code})")
    };
    if status == 404 {
        return error::not_found(
            message,
            "the resource does not exist or this token cannot see it; check the name or id with the matching list tool",
        );
    }
    if status == 409 || code.ends_with("_already_exists") || code.ends_with("_already_exist") {
        return error::conflict(
            message,
            "it already exists: list the current state and update it instead of creating it",
        );
    }
    if status == 422 || code == "validation_failed" {
        let items = validation_items(err);
        let attributes: Vec<&str> = items.iter().filter_map(|(a, _)| a.as_deref()).collect();
        let details: Vec<String> = items
            .iter()
            .map(|(a, d)| match a {
                Some(a) => format!("{a}: {d}"),
                None => d.clone(),
            })
            .collect();
        let message = if details.is_empty() {
            message
        } else {
            format!("{message}: {}", details.join("; "))
        };
        let hint = if attributes.is_empty() {
            "fix the arguments and call the tool again".to_string()
        } else {
            format!(
                "fix these attributes and call the tool again: {}",
                attributes.join(", ")
            )
        };
        return error::invalid_args(message, hint);
    }
    let hint = match status {
        401 => Some("the API token was refused: check that INFOMANIAK_API_TOKEN is set to a valid, unexpired token".to_string()),
        403 => Some(
            "the token lacks the scope for this product (e.g. dns, domain) or access to this account: create a token with that scope"
                .to_string(),
        ),
        429 => Some("the API rate limit (60 requests per minute) was hit: wait a minute and retry".to_string()),
        s if s >= 500 => Some("Infomaniak failed to handle the request; retry later".to_string()),
        _ => Some("the API refused the request; read the message and change the arguments".to_string()),
    };
    error::upstream(status, &code, message, hint)
}

/// `(attribute, description)` of every item of a validation error, recursively.
fn validation_items(err: &Value) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    if let Some(items) = err.get("errors").and_then(Value::as_array) {
        for item in items {
            let attribute = item
                .get("context")
                .and_then(|c| c.get("attribute"))
                .and_then(Value::as_str)
                .map(str::to_string);
            let description = item
                .get("description")
                .and_then(Value::as_str)
                .or_else(|| item.get("code").and_then(Value::as_str))
                .unwrap_or("invalid")
                .to_string();
            out.push((attribute, description));
            out.extend(validation_items(item));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::MockHost;
    use serde_json::json;

    fn what() -> &'static str {
        "GET /x"
    }

    #[test]
    fn unwraps_the_success_envelope() {
        let a = parse_response(200, r#"{"result":"success","data":{"id":1}}"#, what()).unwrap();
        assert_eq!(a.data, json!({"id": 1}));
        let a = parse_response(200, r#"{"result":"success","data":true}"#, what()).unwrap();
        assert_eq!(a.data, json!(true));
        let a = parse_response(200, r#"{"result":"success"}"#, what()).unwrap();
        assert_eq!(a.data, Value::Null);
    }

    #[test]
    fn error_envelope_with_2xx_status_is_an_error() {
        let e = parse_response(
            200,
            r#"{"result":"error","error":{"code":"boom","description":"Boom"}}"#,
            what(),
        )
        .unwrap_err();
        assert!(matches!(e, ToolError::Upstream(u) if u.code == "boom"));
    }

    #[test]
    fn html_body_is_a_clear_upstream_error() {
        let e = parse_response(200, "<!DOCTYPE html><html>login</html>", what()).unwrap_err();
        match e {
            ToolError::Upstream(u) => {
                assert_eq!(u.code, "invalid_response");
                assert!(u.message.contains("HTML"), "{}", u.message);
                assert!(u.hint.unwrap().contains("API URL"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let e = parse_response(502, "bad gateway", what()).unwrap_err();
        assert!(
            matches!(e, ToolError::Upstream(u) if u.status == 502 && u.message.contains("non-JSON"))
        );
    }

    #[test]
    fn maps_404_to_not_found() {
        let e = map_error(
            404,
            &json!({"result":"error","error":{"code":"zone_does_not_exists","description":"Zone does not exist"}}),
            what(),
        );
        match e {
            ToolError::NotFound(d) => {
                assert!(d.message.contains("zone_does_not_exists"));
                assert!(d.hint.is_some());
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn maps_409_and_already_exists_to_conflict() {
        assert!(matches!(
            map_error(
                409,
                &json!({"error":{"code":"object_already_exists"}}),
                what()
            ),
            ToolError::Conflict(_)
        ));
        assert!(matches!(
            map_error(
                400,
                &json!({"error":{"code":"dns_record_already_exists","description":"exists"}}),
                what()
            ),
            ToolError::Conflict(_)
        ));
    }

    #[test]
    fn maps_422_to_invalid_args_listing_attributes() {
        let body = json!({"result":"error","error":{"code":"validation_failed","description":"Validation failed","errors":[
            {"code":"attribute_required","description":"The name attribute is required","context":{"attribute":"name"}},
            {"code":"attribute_min_value","description":"too small","context":{"attribute":"age","min_value":18}}
        ]}});
        match map_error(422, &body, what()) {
            ToolError::InvalidArgs(d) => {
                assert!(
                    d.message.contains("name: The name attribute is required"),
                    "{}",
                    d.message
                );
                assert_eq!(
                    d.hint.as_deref(),
                    Some("fix these attributes and call the tool again: name, age")
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn maps_auth_rate_and_server_errors_to_upstream_with_hints() {
        for (status, needle) in [
            (401, "INFOMANIAK_API_TOKEN"),
            (403, "scope"),
            (429, "rate limit"),
            (503, "retry later"),
        ] {
            match map_error(
                status,
                &json!({"result":"error","error":{"code":"c","description":"d"}}),
                what(),
            ) {
                ToolError::Upstream(u) => {
                    assert_eq!(u.status, status);
                    assert_eq!(u.code, "c");
                    assert!(u.hint.unwrap().contains(needle), "status {status}");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn transport_errors_are_typed() {
        let host = MockHost::new();
        host.push_error(UpstreamError::BudgetExhausted(20));
        host.push_error(UpstreamError::Timeout);
        host.push_error(UpstreamError::Denied("write outside a plan".into()));
        let api = Api::new(&host, INFOMANIAK_API);
        assert!(
            matches!(api.get("/a", &[]), Err(ToolError::Denied(d)) if d.message.contains("20 requests"))
        );
        assert!(matches!(api.get("/a", &[]), Err(ToolError::Upstream(u)) if u.code == "timeout"));
        assert!(
            matches!(api.get("/a", &[]), Err(ToolError::Denied(d)) if d.message.contains("write outside a plan"))
        );
    }

    #[test]
    fn sends_json_body_with_headers_and_role() {
        let host = MockHost::new();
        host.push_ok(200, json!({"result":"success","data":{"id":7}}));
        let api = Api::new(&host, INFOMANIAK_API);
        let data = api
            .post("/2/zones/a.ch/records", &json!({"type":"A"}))
            .unwrap();
        assert_eq!(data, json!({"id": 7}));
        let sent = host.requests();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].role, INFOMANIAK_API);
        assert_eq!(sent[0].method, HttpMethod::Post);
        assert_eq!(sent[0].body.as_deref(), Some(r#"{"type":"A"}"#));
        assert!(
            sent[0]
                .headers
                .iter()
                .any(|(k, v)| k == "content-type" && v == "application/json")
        );
    }

    fn page(items: Value, page: u32, pages: u32) -> Value {
        json!({"result":"success","data":items,"total":7,"page":page,"pages":pages,"items_per_page":100})
    }

    #[test]
    fn list_all_follows_every_page_and_stops() {
        let host = MockHost::new();
        host.push_ok(200, page(json!([1, 2, 3]), 1, 3));
        host.push_ok(200, page(json!([4, 5, 6]), 2, 3));
        host.push_ok(200, page(json!([7]), 3, 3));
        host.push_ok(200, page(json!([99]), 4, 3));
        let api = Api::new(&host, INFOMANIAK_API);
        let items = api
            .list_all("/1/products", &[("service_name", "domain")])
            .unwrap();
        assert_eq!(
            items,
            vec![
                json!(1),
                json!(2),
                json!(3),
                json!(4),
                json!(5),
                json!(6),
                json!(7)
            ]
        );
        let sent = host.requests();
        assert_eq!(sent.len(), 3, "must stop at page == pages");
        for (i, r) in sent.iter().enumerate() {
            let q: Vec<(&str, &str)> = r
                .query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let page = (i + 1).to_string();
            assert_eq!(
                q,
                vec![
                    ("service_name", "domain"),
                    ("page", page.as_str()),
                    ("per_page", "100")
                ]
            );
        }
    }

    #[test]
    fn list_all_without_pagination_keys_is_one_page() {
        let host = MockHost::new();
        host.push_ok(200, json!({"result":"success","data":[1,2]}));
        let api = Api::new(&host, INFOMANIAK_API);
        assert_eq!(api.list_all("/l", &[]).unwrap().len(), 2);
        assert_eq!(host.requests().len(), 1);
    }

    #[test]
    fn list_all_stops_on_an_empty_page_and_fails_on_a_non_list() {
        let host = MockHost::new();
        host.push_ok(200, page(json!([1]), 1, 5));
        host.push_ok(200, page(json!([]), 2, 5));
        let api = Api::new(&host, INFOMANIAK_API);
        assert_eq!(api.list_all("/l", &[]).unwrap(), vec![json!(1)]);
        assert_eq!(host.requests().len(), 2);

        host.push_ok(200, json!({"result":"success","data":{"not":"a list"}}));
        assert!(
            matches!(api.list_all("/l", &[]), Err(ToolError::Upstream(u)) if u.code == "unexpected_response")
        );
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Rec {
        id: i64,
    }

    /// Answers the typed fast path takes, falls back on, or must refuse: each must end as
    /// the `Value` path (`parse_response` then `decode`) ends.
    const ANSWERS: &[(u16, &str)] = &[
        (200, r#"{"result":"success","data":{"id":1},"pages":1}"#),
        (
            200,
            r#"{"result":"success","data":{"id":1},"data":{"id":2}}"#,
        ),
        (200, r#"{"result":"success"}"#),
        (200, r#"{"result":null,"data":{"id":3}}"#),
        (200, r#"{"result":"succ\u0065ss","data":{"id":4}}"#),
        (
            200,
            r#"{"result":"error","error":{"code":"boom","description":"Boom"}}"#,
        ),
        (200, r#"{"result":"success","data":{"id":"seven"}}"#),
        (
            200,
            r#"{"result":"success","data":{"id":5},"extra":[1,{"a":null}]}"#,
        ),
        (200, r#"{"id":6}"#),
        (200, r#"[{"id":7}]"#),
        (200, "<html>login</html>"),
        (200, r#"{"result":"success","data":{"id":8}} trailing"#),
        (201, r#"{"result":"success","data":{"id":9}}"#),
        (404, r#"{"result":"success","data":{"id":10}}"#),
        (
            422,
            r#"{"result":"error","error":{"code":"validation_failed","errors":[{"description":"bad","context":{"attribute":"ttl"}}]}}"#,
        ),
    ];

    #[test]
    fn typed_reads_end_as_the_value_path_does() {
        for &(status, body) in ANSWERS {
            let host = MockHost::new();
            host.push_raw(status, body);
            host.push_raw(status, body);
            let api = Api::new(&host, INFOMANIAK_API);
            let by_value = parse_response(status, body, "GET /x").map(|a| a.data);
            assert_eq!(api.get("/x", &[]), by_value, "get of {status} {body}");
            let typed = by_value.and_then(|data| decode::<Rec>(data, "/x"));
            assert_eq!(
                api.get_as::<Rec>("/x", &[]),
                typed,
                "get_as of {status} {body}"
            );
        }
    }

    #[test]
    fn only_a_plain_success_envelope_takes_the_fast_path() {
        let answer = |status: u16, body: &str| Response {
            status,
            headers: vec![],
            body: body.into(),
        };
        let fast = typed::<Rec>(&answer(200, ANSWERS[0].1));
        assert_eq!(fast, Some((Rec { id: 1 }, Some(1))));
        for &(status, body) in &ANSWERS[1..] {
            if (status, body) == ANSWERS[7] || (status, body) == ANSWERS[12] {
                assert!(typed::<Rec>(&answer(status, body)).is_some(), "{body}");
            } else {
                assert_eq!(typed::<Rec>(&answer(status, body)), None, "{status} {body}");
            }
        }
    }

    #[test]
    fn typed_lists_end_as_the_value_path_does() {
        let pages: &[&str] = &[
            r#"{"result":"success","data":[{"id":1},{"id":2}],"pages":2}"#,
            r#"{"result":"success","data":[{"id":3}],"data":[{"id":4}],"pages":2}"#,
        ];
        let host = MockHost::new();
        for body in pages.iter().chain(pages) {
            host.push_raw(200, body);
        }
        let api = Api::new(&host, INFOMANIAK_API);
        let values = api.list_all("/l", &[]).unwrap();
        assert_eq!(
            values,
            vec![json!({"id":1}), json!({"id":2}), json!({"id":4})]
        );
        let typed: Vec<Rec> = api.list_all_as("/l", &[]).unwrap();
        assert_eq!(
            typed,
            decode::<Vec<Rec>>(Value::Array(values), "/l").unwrap()
        );
        assert_eq!(host.requests().len(), 4);
    }

    #[test]
    fn a_page_whose_items_do_not_fit_fails_with_the_decode_error() {
        let host = MockHost::new();
        host.push_ok(200, page(json!([{"id": 1}, {"id": "two"}]), 1, 2));
        host.push_ok(200, page(json!([{"id": 3}]), 2, 2));
        let api = Api::new(&host, INFOMANIAK_API);
        let expected = decode::<Vec<Rec>>(json!([{"id": 1}, {"id": "two"}]), "/l").unwrap_err();
        assert_eq!(api.list_all_as::<Rec>("/l", &[]), Err(expected));
        assert_eq!(
            host.requests().len(),
            1,
            "no page is read after one that does not fit"
        );

        host.push_ok(200, json!({"result":"success","data":{"id":1}}));
        assert!(
            matches!(api.list_all_as::<Rec>("/l", &[]), Err(ToolError::Upstream(u)) if u.message.contains("did not return a list"))
        );
    }

    #[test]
    fn list_all_propagates_a_failing_page() {
        let host = MockHost::new();
        host.push_ok(200, page(json!([1]), 1, 2));
        host.push_ok(
            500,
            json!({"result":"error","error":{"code":"unexpected_error","description":"oops"}}),
        );
        let api = Api::new(&host, INFOMANIAK_API);
        assert!(matches!(api.list_all("/l", &[]), Err(ToolError::Upstream(u)) if u.status == 500));
    }

    #[test]
    fn get_text_returns_a_csv_body_and_maps_errors() {
        let host = MockHost::new();
        host.push_raw(200, "id,name\n1,a\n");
        host.push_ok(
            404,
            json!({"result":"error","error":{"code":"not_found_error","description":"no"}}),
        );
        let api = Api::new(&host, INFOMANIAK_API);
        assert_eq!(api.get_text("/x.csv", &[]).unwrap(), "id,name\n1,a\n");
        assert!(matches!(
            api.get_text("/x.csv", &[]),
            Err(ToolError::NotFound(_))
        ));
    }

    #[test]
    fn perform_sends_exactly_the_planned_effect() {
        let host = MockHost::new();
        host.push_ok(200, json!({"result":"success","data":true}));
        let api = Api::new(&host, INFOMANIAK_API);
        let effect = PlannedEffect {
            role: INFOMANIAK_API.into(),
            method: HttpMethod::Put,
            path_pattern: "/2/domains/a.ch/nameservers".into(),
            query: vec![("force".into(), "1".into())],
            base_params: vec![("team".into(), "acme".into())],
            body: Some(r#"{"use_infomaniak_ns":true}"#.into()),
            unpinned_body: None,
            lock: None,
        };
        assert_eq!(api.perform(&effect).unwrap(), json!(true));
        let sent = host.requests();
        assert_eq!(sent[0].method, HttpMethod::Put);
        assert_eq!(sent[0].path, "/2/domains/a.ch/nameservers");
        assert_eq!(sent[0].query, vec![("force".into(), "1".into())]);
        assert_eq!(sent[0].base_params, vec![("team".into(), "acme".into())]);
        assert_eq!(
            sent[0].body.as_deref(),
            Some(r#"{"use_infomaniak_ns":true}"#)
        );

        let wild = PlannedEffect {
            path_pattern: "/2/zones/a.ch/records/*".into(),
            ..effect
        };
        assert!(matches!(api.perform(&wild), Err(ToolError::Internal(_))));
    }
}
