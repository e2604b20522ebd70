//! A client for envelope-less JSON APIs (Mattermost/kChat, OpenAI-compatible routes…):
//! the body is the answer, errors are whatever JSON the API sends with a non-2xx status
//! (Mattermost's `AppError {id, message, status_code}` is read), lists are 0-based
//! `page`/`per_page` pages without totals, followed until a short page.
//!
//! Every request can carry base params (the `{team}` of `https://{team}.kchat…`), so a
//! plugin picks the host label per call and its planned writes pin it:
//!
//! ```ignore
//! let api = PlainApi::new(ctx.host(), "kchat").with_base_param("team", "acme");
//! let channels = api.list_pages("/api/v4/teams/x/channels", &[], 200)?;
//! let plan = api.pin(PlanBuilder::new("kchat", "Archive").effect(...).build());
//! ```

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::{decode, map_transport_error, method_name};
use crate::error;
use crate::host::Host;
use crate::{HttpMethod, Plan, PlannedEffect, Request, ToolError};

/// Upper bound on pages followed by [`PlainApi::list_pages`].
pub const MAX_PAGES: u32 = 1000;

/// A client for one envelope-less upstream role.
pub struct PlainApi<'a> {
    host: &'a dyn Host,
    role: String,
    base_params: Vec<(String, String)>,
    /// Said in the hint of a 401/403 (e.g. "a kChat token with the kchat scope").
    credential: String,
}

impl<'a> PlainApi<'a> {
    /// A client sending through `host` with upstream `role` and no base params.
    pub fn new(host: &'a dyn Host, role: &str) -> Self {
        PlainApi {
            host,
            role: role.to_string(),
            base_params: Vec::new(),
            credential: format!("the credential of role {role}"),
        }
    }

    /// Adds a base-URL param every request (and every pinned effect) carries.
    pub fn with_base_param(mut self, name: &str, value: &str) -> Self {
        self.base_params.push((name.to_string(), value.to_string()));
        self
    }

    /// Names the credential in 401/403 hints ("INFOMANIAK_KCHAT_TOKEN or an API token with
    /// the kchat scope").
    pub fn credential(mut self, what: &str) -> Self {
        self.credential = what.to_string();
        self
    }

    /// The base params this client sends.
    pub fn base_params(&self) -> &[(String, String)] {
        &self.base_params
    }

    /// GET `path?query`; the JSON body.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ToolError> {
        self.send(HttpMethod::Get, path, query, None)
    }

    /// GET and deserialize into `T`.
    pub fn get_as<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ToolError> {
        decode(self.get(path, query)?, path)
    }

    /// Every item of a 0-based paged list: `page=0,1,…` with `per_page`, until a page holds
    /// fewer than `per_page` items (the API sends no totals). A list tool built on this never
    /// returns page 1 of 3.
    pub fn list_pages(
        &self,
        path: &str,
        query: &[(&str, &str)],
        per_page: u32,
    ) -> Result<Vec<Value>, ToolError> {
        let per_page_text = per_page.to_string();
        let mut items = Vec::new();
        for page in 0..MAX_PAGES {
            let page_text = page.to_string();
            let mut q = query.to_vec();
            q.push(("page", &page_text));
            q.push(("per_page", &per_page_text));
            let Value::Array(batch) = self.get(path, &q)? else {
                return Err(error::upstream(
                    200,
                    "unexpected_response",
                    format!("GET {path} did not return a list (page {page})"),
                    Some("the endpoint is not a list endpoint, or the API changed".into()),
                ));
            };
            let got = batch.len();
            items.extend(batch);
            if got < per_page as usize {
                return Ok(items);
            }
        }
        Err(error::upstream(
            200,
            "pagination_runaway",
            format!("GET {path} still returns full pages after {MAX_PAGES} pages"),
            Some("narrow the request with filters".into()),
        ))
    }

    /// Sets this client's base params on every effect of `plan` (its writes then go, and
    /// are shown to go, where its reads went).
    pub fn pin(&self, mut plan: Plan) -> Plan {
        for effect in &mut plan.effects {
            effect.base_params = self.base_params.clone();
        }
        plan
    }

    /// Performs one confirmed planned effect exactly (method, path, query, base params,
    /// body); the path must be concrete. Returns the JSON body (`null` when empty).
    pub fn perform(&self, effect: &PlannedEffect) -> Result<Value, ToolError> {
        if effect.path_pattern.split('/').any(|s| s == "*") {
            return Err(error::internal(format!(
                "planned effect {} has a wildcard segment; it cannot be performed as is",
                effect.path_pattern
            )));
        }
        let request = Request {
            role: effect.role.clone(),
            method: effect.method,
            path: effect.path_pattern.clone(),
            query: effect.query.clone(),
            base_params: effect.base_params.clone(),
            headers: headers(effect.body.is_some()),
            body: effect.body.clone(),
        };
        self.exchange(&request)
    }

    /// Sends one request with this client's base params; the JSON body or a typed error.
    pub fn send(
        &self,
        method: HttpMethod,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value, ToolError> {
        let request = Request {
            role: self.role.clone(),
            method,
            path: path.to_string(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            base_params: self.base_params.clone(),
            headers: headers(body.is_some()),
            body: body.map(Value::to_string),
        };
        self.exchange(&request)
    }

    fn exchange(&self, request: &Request) -> Result<Value, ToolError> {
        let what = format!("{} {}", method_name(request.method), request.path);
        let response = self.host.send(request).map_err(|e| match e {
            // The role's base URL has a placeholder neither the call nor the operator filled.
            crate::UpstreamError::InvalidRequest(reason) if reason.contains("needs the base param") => {
                error::invalid_args(
                    format!("{what} cannot be sent: {reason}"),
                    "pass it as an argument (e.g. team), or have the operator configure a default for the role",
                )
            }
            e => map_transport_error(e, &what),
        })?;
        parse_plain(response.status, &response.body, &what, &self.credential)
    }
}

fn headers(with_body: bool) -> Vec<(String, String)> {
    let mut headers = vec![("accept".to_string(), "application/json".to_string())];
    if with_body {
        headers.push(("content-type".to_string(), "application/json".to_string()));
    }
    headers
}

/// Maps one envelope-less answer: a 2xx JSON body (or an empty one, as `null`) is the
/// answer; anything else is a typed error naming the API's own error id and message.
pub fn parse_plain(
    status: u16,
    body: &str,
    what: &str,
    credential: &str,
) -> Result<Value, ToolError> {
    let json = if body.trim().is_empty() {
        Some(Value::Null)
    } else {
        serde_json::from_str::<Value>(body).ok()
    };
    let Some(json) = json else {
        let kind = if body.trim_start().starts_with('<') {
            "an HTML page (a login or error page?)"
        } else {
            "a non-JSON body"
        };
        return Err(error::upstream(
            status,
            "invalid_response",
            format!("{what} answered HTTP {status} with {kind} instead of JSON"),
            Some("check the configured base URL of this API (and the team name, if any)".into()),
        ));
    };
    if (200..300).contains(&status) {
        return Ok(json);
    }
    Err(app_error(status, &json, what, credential))
}

/// Maps a non-2xx answer whose body is Mattermost's `AppError {id, message, status_code}`
/// (or any JSON) to a [`ToolError`] that says what to do next.
pub fn app_error(status: u16, body: &Value, what: &str, credential: &str) -> ToolError {
    let id = body
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let text = body
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {status}"));
    let message = if id.is_empty() {
        format!("{what}: {text}")
    } else {
        format!("{what}: {text} ({id})")
    };
    match status {
        404 => error::not_found(
            message,
            "it does not exist on this team (or the token cannot see it): check the id with the matching list tool, and the team",
        ),
        409 => error::conflict(
            message,
            "it already exists: list the current state and change that instead",
        ),
        400 | 422 => error::invalid_args(
            message,
            "the API refused these values: read its message, fix the arguments and call the tool again",
        ),
        401 => error::upstream(
            status,
            &id,
            message,
            Some(format!(
                "the token was refused: set {credential} to a valid token"
            )),
        ),
        403 => error::upstream(
            status,
            &id,
            message,
            Some(format!(
                "not allowed: {credential} lacks the permission (a team or system admin is needed for most admin routes)"
            )),
        ),
        429 => error::upstream(
            status,
            &id,
            message,
            Some("rate limited: wait a minute and retry".into()),
        ),
        s if s >= 500 => error::upstream(
            status,
            &id,
            message,
            Some("the service failed; retry later".into()),
        ),
        _ => error::upstream(
            status,
            &id,
            message,
            Some("the API refused the request; read its message and change the arguments".into()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UpstreamError;
    use crate::testing::MockHost;
    use serde_json::json;

    fn app(id: &str, status: u16) -> Value {
        json!({"id": id, "message": "Nope.", "request_id": "r1", "status_code": status})
    }

    #[test]
    fn bodies_are_the_answer_and_app_errors_are_typed() {
        assert_eq!(
            parse_plain(200, r#"{"id":"c1"}"#, "GET /x", "t").unwrap(),
            json!({"id": "c1"})
        );
        assert_eq!(parse_plain(200, "", "GET /x", "t").unwrap(), Value::Null);
        // A body that happens to have `result` is not unwrapped: there is no envelope.
        assert_eq!(
            parse_plain(200, r#"{"result":"success","data":1}"#, "GET /x", "t").unwrap(),
            json!({"result": "success", "data": 1})
        );
        let e = parse_plain(
            404,
            &app("app.channel.missing", 404).to_string(),
            "GET /c",
            "t",
        )
        .unwrap_err();
        assert!(
            matches!(&e, ToolError::NotFound(d) if d.message.contains("Nope.") && d.message.contains("app.channel.missing")),
            "{e:?}"
        );
        assert!(matches!(
            parse_plain(400, &app("bad", 400).to_string(), "w", "t"),
            Err(ToolError::InvalidArgs(_))
        ));
        match parse_plain(403, &app("perm", 403).to_string(), "w", "MY_TOKEN").unwrap_err() {
            ToolError::Upstream(u) => {
                assert_eq!((u.status, u.code.as_str()), (403, "perm"));
                assert!(u.hint.unwrap().contains("MY_TOKEN"));
            }
            other => panic!("{other:?}"),
        }
        match parse_plain(502, "<html>bad gateway</html>", "GET /x", "t").unwrap_err() {
            ToolError::Upstream(u) => {
                assert_eq!(u.code, "invalid_response");
                assert!(u.message.contains("HTML"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lists_follow_zero_based_pages_until_a_short_one() {
        let host = MockHost::new();
        host.push_ok(200, json!([1, 2]));
        host.push_ok(200, json!([3, 4]));
        host.push_ok(200, json!([5]));
        host.push_ok(200, json!([99]));
        let api = PlainApi::new(&host, "kchat").with_base_param("team", "acme");
        let items = api.list_pages("/api/v4/bots", &[("a", "b")], 2).unwrap();
        assert_eq!(
            items,
            vec![json!(1), json!(2), json!(3), json!(4), json!(5)]
        );
        let sent = host.requests();
        assert_eq!(sent.len(), 3, "stops after the short page");
        for (i, r) in sent.iter().enumerate() {
            assert_eq!(r.role, "kchat");
            assert_eq!(r.base_params, vec![("team".into(), "acme".into())]);
            assert_eq!(
                r.query,
                vec![
                    ("a".into(), "b".into()),
                    ("page".into(), i.to_string()),
                    ("per_page".into(), "2".into())
                ]
            );
        }
    }

    #[test]
    fn an_exactly_full_last_page_costs_one_empty_page_and_a_non_list_fails() {
        let host = MockHost::new();
        host.push_ok(200, json!([1, 2]));
        host.push_ok(200, json!([]));
        let api = PlainApi::new(&host, "kchat");
        assert_eq!(api.list_pages("/l", &[], 2).unwrap().len(), 2);
        assert_eq!(host.requests().len(), 2);
        host.push_ok(200, json!({"not": "a list"}));
        assert!(matches!(
            api.list_pages("/l", &[], 2),
            Err(ToolError::Upstream(u)) if u.code == "unexpected_response"
        ));
    }

    #[test]
    fn pinned_effects_carry_the_base_params_and_perform_sends_them_exactly() {
        let host = MockHost::new();
        host.push_ok(200, json!({"status": "OK"}));
        let api = PlainApi::new(&host, "kchat").with_base_param("team", "acme");
        let plan = api.pin(
            crate::PlanBuilder::new("kchat", "archive")
                .effect(HttpMethod::Delete, "/api/v4/channels/c1", None)
                .build(),
        );
        let effect = &plan.effects[0];
        assert_eq!(effect.base_params, vec![("team".into(), "acme".into())]);
        assert_eq!(api.perform(effect).unwrap(), json!({"status": "OK"}));
        let sent = host.requests();
        assert_eq!(sent[0].method, HttpMethod::Delete);
        assert_eq!(sent[0].path, "/api/v4/channels/c1");
        assert_eq!(sent[0].base_params, effect.base_params);
        assert_eq!(sent[0].body, None);
        let wild = PlannedEffect {
            path_pattern: "/api/v4/channels/*".into(),
            ..effect.clone()
        };
        assert!(matches!(api.perform(&wild), Err(ToolError::Internal(_))));
    }

    #[test]
    fn host_refusals_keep_their_meaning() {
        let host = MockHost::new();
        host.push_error(UpstreamError::Denied("write outside a plan".into()));
        host.push_error(UpstreamError::InvalidRequest(
            "the base URL https://{team}.x needs the base param team".into(),
        ));
        let api = PlainApi::new(&host, "kchat");
        assert!(matches!(api.get("/a", &[]), Err(ToolError::Denied(_))));
        assert!(matches!(
            api.get("/a", &[]),
            Err(ToolError::InvalidArgs(d)) if d.hint.as_deref().unwrap_or_default().contains("team")
        ));
    }
}
