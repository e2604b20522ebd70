//! Read-tool building blocks that account-scoped product APIs share: the list and item
//! results, "no arguments", a not-found hint naming the list tool that finds the id, and
//! the walk over every account of the token for routes that require `account_id`
//! (Public Cloud, Swiss Backup: infomaniak-api.md §6).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ToolError;
use crate::api::{Api, decode};
use crate::error::ToolErrorExt;

/// A list answer: every item (all pages) and how many.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput {
    /// Number of items (all pages).
    pub count: usize,
    /// The items, as the API returns them.
    pub items: Vec<Value>,
}

impl ListOutput {
    /// A list of `items`.
    pub fn of(items: Vec<Value>) -> Self {
        ListOutput {
            count: items.len(),
            items,
        }
    }

    /// A list from an API `data` that must be an array.
    pub fn from_value(data: Value) -> Result<Self, ToolError> {
        Ok(Self::of(decode(data, "the list")?))
    }
}

/// One object, as the API returns it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ItemOutput {
    /// The object.
    pub item: Value,
}

/// A tool without arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Replaces a not-found error's hint with where the id comes from (usually a list tool).
pub fn not_found_hint(e: ToolError, source: &str) -> ToolError {
    if e.is_not_found() {
        e.with_hint(format!("no such id for this token: find it with {source}"))
    } else {
        e
    }
}

/// The accounts to read: the one given, or every account of the token (`GET /1/accounts`,
/// core.json; it takes no paging).
pub fn accounts(api: &Api, account_id: Option<u64>) -> Result<Vec<u64>, ToolError> {
    if let Some(a) = account_id {
        return Ok(vec![a]);
    }
    let list = api.get("/1/accounts", &[])?;
    Ok(list
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|a| a.get("id").and_then(Value::as_u64))
                .collect()
        })
        .unwrap_or_default())
}

/// Every page of `path` for each account of [`accounts`], `account_id` first in the query
/// of every request, then `extra`.
pub fn per_account(
    api: &Api,
    path: &str,
    account_id: Option<u64>,
    extra: &[(&str, &str)],
) -> Result<Vec<Value>, ToolError> {
    let mut items = Vec::new();
    for account in accounts(api, account_id)? {
        let account = account.to_string();
        let mut query = vec![("account_id", account.as_str())];
        query.extend_from_slice(extra);
        items.extend(api.list_all(path, &query)?);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockHost, api_error, ok, paged};
    use crate::{HttpMethod, INFOMANIAK_API};
    use serde_json::json;

    #[test]
    fn walks_every_account_and_every_page() {
        let host = MockHost::new();
        host.route(
            HttpMethod::Get,
            "/1/accounts",
            200,
            ok(json!([{"id": 1}, {"id": 2}])),
        );
        host.push_ok(200, paged(json!([1]), 1, 2, 2));
        host.push_ok(200, paged(json!([2]), 2, 2, 2));
        host.push_ok(200, paged(json!([3]), 1, 1, 1));
        let api = Api::new(&host, INFOMANIAK_API);
        let items = per_account(&api, "/x", None, &[("f", "v")]).unwrap();
        assert_eq!(items, vec![json!(1), json!(2), json!(3)]);
        let q: Vec<Vec<(String, String)>> = host
            .requests()
            .iter()
            .skip(1)
            .map(|r| r.query.clone())
            .collect();
        assert_eq!(q[0][0], ("account_id".into(), "1".into()));
        assert_eq!(q[0][1], ("f".into(), "v".into()));
        assert_eq!(q[2][0], ("account_id".into(), "2".into()));
        assert_eq!(accounts(&api, Some(9)).unwrap(), vec![9]);
    }

    #[test]
    fn lists_and_hints() {
        assert_eq!(ListOutput::from_value(json!([1, 2])).unwrap().count, 2);
        assert!(ListOutput::from_value(json!({"a": 1})).is_err());
        let host = MockHost::new();
        host.push_ok(404, api_error("object_not_found", "gone"));
        let e = Api::new(&host, INFOMANIAK_API).get("/x", &[]).unwrap_err();
        let e = not_found_hint(e, "list_things");
        assert!(format!("{e:?}").contains("list_things"));
        let other = not_found_hint(crate::error::conflict("c", "h"), "list_things");
        assert!(!format!("{other:?}").contains("list_things"));
    }
}
