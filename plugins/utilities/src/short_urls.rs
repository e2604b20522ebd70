//! URL shortener (url-shortener.json, §7.9): the v2 routes, which use the envelope and
//! paginate (the v1 list is a raw Laravel paginator and is not used).

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::listing::{ItemOutput, ListOutput, NoArgs};
use ikmcp_pdk::single_write::{self, Op, WriteOutput};
use ikmcp_pdk::{Ctx, HttpMethod, Plan, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{LIST_SHORT_URLS, QUOTA};

/// `GET /2/url-shortener`, all pages.
pub fn fetch_all(ctx: &Ctx) -> Result<Vec<Value>, ToolError> {
    ctx.api().list_all("/2/url-shortener", &[])
}

/// `infomaniak_list_short_urls`.
pub fn list(ctx: &Ctx, _: NoArgs) -> Result<ListOutput, ToolError> {
    Ok(ListOutput::of(fetch_all(ctx)?))
}

/// `GET /2/url-shortener/quota` → `{quota, limit}`.
pub fn quota(ctx: &Ctx, _: NoArgs) -> Result<ItemOutput, ToolError> {
    Ok(ItemOutput {
        item: ctx.api().get("/2/url-shortener/quota", &[])?,
    })
}

/// Arguments of `infomaniak_create_short_url`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// http(s) URL to shorten.
    pub url: String,
    /// Unix seconds, in the future.
    pub expiration_date: Option<i64>,
}

fn checked_url(raw: &str) -> Result<String, ToolError> {
    let url = raw.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or("");
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || !host.contains('.') || url.chars().any(char::is_whitespace) {
        return Err(invalid_args(
            format!("{raw:?} is not an http(s) URL"),
            "give a full URL such as https://example.com/page",
        ));
    }
    Ok(url.to_string())
}

/// Plans `POST /2/url-shortener` `{url, expiration_date?}`; refused up front when the
/// quota is used up.
pub fn plan_create(ctx: &Ctx, a: CreateArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let url = checked_url(&a.url)?;
    let mut body = json!({"url": url});
    if let Some(at) = a.expiration_date {
        if at <= 0 {
            return Err(invalid_args(
                "expiration_date must be unix seconds in the future",
                "leave it out for a link that does not expire",
            ));
        }
        body["expiration_date"] = json!(at);
    }
    let q = ctx.api().get("/2/url-shortener/quota", &[])?;
    let (used, limit) = (
        q.get("quota").and_then(Value::as_u64),
        q.get("limit").and_then(Value::as_u64),
    );
    if let (Some(used), Some(limit)) = (used, limit)
        && used >= limit
    {
        return Err(ikmcp_pdk::error::conflict(
            format!("the short URL quota is used up ({used} of {limit})"),
            format!(
                "short URLs cannot be deleted through the API; check {QUOTA} and raise the limit in the Infomaniak manager"
            ),
        ));
    }
    Op {
        target: "new short URL".into(),
        action: "create",
        summary: format!(
            "Create a short URL to {url} ({} of {} used).",
            used.unwrap_or(0),
            limit.map_or("?".into(), |l| l.to_string())
        ),
        before: None,
        after: Some(body.clone()),
        lost: vec![],
        method: HttpMethod::Post,
        path: "/2/url-shortener".into(),
        body: Some(body),
        follow_up: LIST_SHORT_URLS.into(),
    }
    .plan(ctx)
}

/// Performs the confirmed creation.
pub fn apply_create(ctx: &Ctx, _: CreateArgs, confirmed: &Plan) -> Result<WriteOutput, ToolError> {
    single_write::apply(ctx, confirmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert_eq!(
            checked_url(" https://a.ch/x?y ").unwrap(),
            "https://a.ch/x?y"
        );
        for bad in [
            "ftp://a.ch",
            "https://",
            "https://localhost",
            "a.ch",
            "https://a.ch/x y",
            "javascript:alert(1)",
        ] {
            assert!(checked_url(bad).is_err(), "{bad}");
        }
    }
}
