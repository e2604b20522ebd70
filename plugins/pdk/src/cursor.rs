//! Cursor lists (kDrive v3, infomaniak-api.md §4.4): `cursor` + `limit` in,
//! `{data, cursor, has_more}` out. [`list_all_cursor`] follows a list to its end, and fails
//! rather than return part of it: an answer that says there is more but gives no cursor, a
//! cursor that does not move, a page that fails (an expired cursor included) or a runaway
//! list are errors that say so, never a shorter list.
//!
//! ```ignore
//! let files = ikmcp_pdk::cursor::list_all_cursor(&ctx.api(), "/3/drive/7/files/1/files", &[])?;
//! ```

use serde_json::Value;

use crate::api::Api;
use crate::error::{self, ToolErrorExt};
use crate::{HttpMethod, ToolError};

/// Items asked per page. The API accepts 5 to 1000 (default 10); 200 keeps answers small
/// while a list of a few thousand items still takes few requests.
pub const CURSOR_LIMIT: u32 = 200;

/// Upper bound on pages followed; beyond it the API is misbehaving.
pub const MAX_CURSOR_PAGES: u32 = 1000;

/// A whole cursor list and when the API generated it.
#[derive(Debug, Clone, PartialEq)]
pub struct CursorList {
    /// Every item, in the API's order.
    pub items: Vec<Value>,
    /// `response_at` of the last page: the API's clock (unix seconds), for plugins that
    /// have none and must judge ages ("pending for months").
    pub response_at: Option<i64>,
}

/// Every item of the cursor list at `path` (with `query`), in the API's order.
pub fn list_all_cursor(
    api: &Api,
    path: &str,
    query: &[(&str, &str)],
) -> Result<Vec<Value>, ToolError> {
    walk(api, path, query).map(|l| l.items)
}

/// [`list_all_cursor`] with the API's `response_at`.
pub fn walk(api: &Api, path: &str, query: &[(&str, &str)]) -> Result<CursorList, ToolError> {
    let limit = CURSOR_LIMIT.to_string();
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 1..=MAX_CURSOR_PAGES {
        let mut q: Vec<(&str, &str)> = query.to_vec();
        q.push(("limit", &limit));
        if let Some(c) = &cursor {
            q.push(("cursor", c));
        }
        let answer = api
            .send(HttpMethod::Get, path, &q, None)
            .map_err(|e| incomplete(e, path, page, items.len()))?;
        let Value::Array(batch) = answer.data else {
            return Err(broken(path, page, "did not return a list"));
        };
        items.extend(batch);
        let has_more = match answer.body.get("has_more") {
            Some(Value::Bool(b)) => *b,
            _ => {
                return Err(broken(
                    path,
                    page,
                    "has no has_more flag, so its end is unknown",
                ));
            }
        };
        if !has_more {
            let response_at = answer.body.get("response_at").and_then(Value::as_i64);
            return Ok(CursorList { items, response_at });
        }
        let next = answer
            .body
            .get("cursor")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| broken(path, page, "says there is more but gives no cursor"))?;
        if cursor.as_deref() == Some(next) {
            return Err(broken(path, page, "gave the same cursor twice"));
        }
        cursor = Some(next.to_string());
    }
    Err(error::upstream(
        200,
        "pagination_runaway",
        format!("GET {path} still has more after {MAX_CURSOR_PAGES} pages"),
        Some("narrow the request with filters".into()),
    ))
}

fn broken(path: &str, page: u32, what: &str) -> ToolError {
    error::upstream(
        200,
        "incomplete_list",
        format!("GET {path} page {page} {what}; the list would be incomplete"),
        Some("the API answered unexpectedly; retry, and report it if it persists".into()),
    )
}

/// A page after the first failed: the items read so far are not returned.
fn incomplete(e: ToolError, path: &str, page: u32, read: usize) -> ToolError {
    if page == 1 {
        return e;
    }
    let hint = format!(
        "page {page} of GET {path} failed after {read} items were read, so no partial list is returned; call the tool again (a cursor that expired mid-way is fixed by starting over)"
    );
    e.with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::INFOMANIAK_API;
    use crate::testing::MockHost;
    use serde_json::json;

    fn page(items: Value, cursor: Option<&str>, has_more: bool) -> Value {
        json!({"result": "success", "data": items, "cursor": cursor, "has_more": has_more, "response_at": 1})
    }

    #[test]
    fn follows_cursors_to_the_end_sending_limit_and_cursor() {
        let host = MockHost::new();
        host.push_ok(200, page(json!([1, 2]), Some("c1"), true));
        host.push_ok(200, page(json!([3]), Some("c2"), true));
        host.push_ok(200, page(json!([4]), Some("c3"), false));
        let api = Api::new(&host, INFOMANIAK_API);
        let got = list_all_cursor(&api, "/3/drive/1/trash", &[("order_by", "deleted_at")]).unwrap();
        assert_eq!(got, vec![json!(1), json!(2), json!(3), json!(4)]);
        host.push_ok(200, page(json!([5]), Some("c9"), false));
        let all = walk(&api, "/3/drive/1/trash", &[]).unwrap();
        assert_eq!((all.items, all.response_at), (vec![json!(5)], Some(1)));
        let sent: Vec<Vec<(String, String)>> =
            host.requests().into_iter().map(|r| r.query).collect();
        let q = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(sent[0], q(&[("order_by", "deleted_at"), ("limit", "200")]));
        assert_eq!(
            sent[1],
            q(&[
                ("order_by", "deleted_at"),
                ("limit", "200"),
                ("cursor", "c1")
            ])
        );
        assert_eq!(
            sent[2],
            q(&[
                ("order_by", "deleted_at"),
                ("limit", "200"),
                ("cursor", "c2")
            ])
        );
    }

    #[test]
    fn never_returns_a_partial_list() {
        let api_of = |host: &MockHost| {
            host.push_ok(200, page(json!([1]), Some("c1"), true));
        };
        // More announced, no cursor.
        let host = MockHost::new();
        host.push_ok(200, page(json!([1]), None, true));
        let e = list_all_cursor(&Api::new(&host, INFOMANIAK_API), "/l", &[]).unwrap_err();
        assert!(
            matches!(&e, ToolError::Upstream(u) if u.code == "incomplete_list"),
            "{e:?}"
        );
        // The same cursor twice.
        let host = MockHost::new();
        api_of(&host);
        host.push_ok(200, page(json!([2]), Some("c1"), true));
        let e = list_all_cursor(&Api::new(&host, INFOMANIAK_API), "/l", &[]).unwrap_err();
        assert!(e.message().contains("same cursor"), "{e:?}");
        // No has_more at all.
        let host = MockHost::new();
        host.push_ok(200, json!({"result": "success", "data": [1]}));
        assert!(list_all_cursor(&Api::new(&host, INFOMANIAK_API), "/l", &[]).is_err());
        // Not a list.
        let host = MockHost::new();
        host.push_ok(200, page(json!({"a": 1}), None, false));
        assert!(list_all_cursor(&Api::new(&host, INFOMANIAK_API), "/l", &[]).is_err());
        // The second page fails (an expired cursor): the error says so, no items come back.
        let host = MockHost::new();
        api_of(&host);
        host.push_ok(422, json!({"result": "error", "error": {"code": "validation_failed", "description": "Validation failed",
            "errors": [{"code": "validation_rule_invalid", "description": "The cursor attribute is invalid: it has expired", "context": {"attribute": "cursor"}}]}}));
        match list_all_cursor(&Api::new(&host, INFOMANIAK_API), "/l", &[]).unwrap_err() {
            ToolError::InvalidArgs(d) => {
                assert!(d.message.contains("expired"), "{}", d.message);
                let hint = d.hint.unwrap();
                assert!(
                    hint.contains("page 2")
                        && hint.contains("1 items")
                        && hint.contains("starting over"),
                    "{hint}"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_first_page_error_is_passed_on_unchanged() {
        let host = MockHost::new();
        host.push_ok(503, json!({"result": "error", "error": {"code": "drive_is_in_maintenance_error", "description": "maintenance"}}));
        match list_all_cursor(&Api::new(&host, INFOMANIAK_API), "/l", &[]).unwrap_err() {
            ToolError::Upstream(u) => assert_eq!(
                (u.status, u.code.as_str()),
                (503, "drive_is_in_maintenance_error")
            ),
            other => panic!("unexpected {other:?}"),
        }
    }
}
