//! Newsletters (newsletter.json, `/1/newsletters/{domain}/…`): groups and subscribers. The
//! tools are in their own toolset, `newsletter`. Writes take the API's request body as
//! `payload`, pinned in the plan as given.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::common::{Outcome, advise, object};

/// A domain as the newsletter routes take it.
fn domain(d: &str) -> Result<String, ToolError> {
    let t = d.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = t.contains('.')
        && t.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(t)
    } else {
        Err(invalid_args(
            format!("{d:?} is not a domain"),
            "give the newsletter's domain, e.g. example.com",
        ))
    }
}

fn number(v: &Option<u64>, what: &str) -> Result<u64, ToolError> {
    v.ok_or_else(|| {
        invalid_args(
            format!("this action needs {what}"),
            format!("give {what} (the list actions show the ids)"),
        )
    })
}

// What get_newsletter_admin reads (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewsRead {
    Groups,
    Group,
    GroupSubscribers,
    Subscribers,
    Subscriber,
    CountStatus,
}

/// Arguments of `infomaniak_get_newsletter_admin`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetArgs {
    pub domain: String,
    pub action: NewsRead,
    pub group: Option<u64>,
    pub subscriber: Option<u64>,
}

/// Result of `infomaniak_get_newsletter_admin`: a list (all pages) or one object.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NewsOut {
    pub count: Option<usize>,
    pub items: Option<Vec<Value>>,
    pub item: Option<Map<String, Value>>,
}

/// `infomaniak_get_newsletter_admin`.
pub fn get(ctx: &Ctx, a: GetArgs) -> Result<NewsOut, ToolError> {
    let base = format!("/1/newsletters/{}", domain(&a.domain)?);
    let api = ctx.api();
    let listed = |path: String| -> Result<NewsOut, ToolError> {
        let items = api.list_all(&path, &[]).map_err(advise(&path))?;
        Ok(NewsOut {
            count: Some(items.len()),
            items: Some(items),
            item: None,
        })
    };
    let one = |path: String| -> Result<NewsOut, ToolError> {
        Ok(NewsOut {
            count: None,
            items: None,
            item: Some(object(api.get(&path, &[]).map_err(advise(&path))?)),
        })
    };
    match a.action {
        NewsRead::Groups => listed(format!("{base}/groups")),
        NewsRead::Subscribers => listed(format!("{base}/subscribers")),
        NewsRead::GroupSubscribers => listed(format!(
            "{base}/groups/{}/subscribers",
            number(&a.group, "group")?
        )),
        NewsRead::Group => one(format!("{base}/groups/{}", number(&a.group, "group")?)),
        NewsRead::Subscriber => one(format!(
            "{base}/subscribers/{}",
            number(&a.subscriber, "subscriber")?
        )),
        NewsRead::CountStatus => one(format!("{base}/subscribers/count_status")),
    }
}

// What manage_newsletter_admin does (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewsAction {
    CreateGroup,
    UpdateGroup,
    DeleteGroup,
    CreateSubscriber,
    UpdateSubscriber,
    DeleteSubscriber,
    ForgetSubscriber,
    DeleteSubscribers,
    UnsubscribeSubscribers,
    AssignSubscribers,
    UnassignSubscribers,
    GroupAssignSubscribers,
    GroupUnassignSubscribers,
}

/// Arguments of `infomaniak_manage_newsletter_admin`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageArgs {
    pub domain: String,
    pub action: NewsAction,
    pub group: Option<u64>,
    pub subscriber: Option<u64>,
    pub payload: Option<Map<String, Value>>,
}

/// Plans one newsletter action: the group, subscriber or selection before, the exact write.
pub fn plan(ctx: &Ctx, a: ManageArgs) -> Result<Planned<Outcome>, ToolError> {
    use NewsAction::*;
    let d = domain(&a.domain)?;
    let base = format!("/1/newsletters/{d}");
    let api = ctx.api();
    let body = Value::Object(a.payload.clone().unwrap_or_default());
    let read = |path: &str| api.get(path, &[]).map_err(advise(path));
    let (method, path, before, what): (HttpMethod, String, Value, String) = match a.action {
        CreateGroup => (
            HttpMethod::Post,
            format!("{base}/groups"),
            json!(null),
            "group".into(),
        ),
        UpdateGroup | DeleteGroup => {
            let g = format!("{base}/groups/{}", number(&a.group, "group")?);
            let m = if a.action == UpdateGroup {
                HttpMethod::Put
            } else {
                HttpMethod::Delete
            };
            (
                m,
                g.clone(),
                read(&g)?,
                format!("group {}", a.group.unwrap_or_default()),
            )
        }
        CreateSubscriber => (
            HttpMethod::Post,
            format!("{base}/subscribers"),
            json!(null),
            "subscriber".into(),
        ),
        UpdateSubscriber | DeleteSubscriber | ForgetSubscriber => {
            let s = format!(
                "{base}/subscribers/{}",
                number(&a.subscriber, "subscriber")?
            );
            let (m, p) = match a.action {
                UpdateSubscriber => (HttpMethod::Put, s.clone()),
                DeleteSubscriber => (HttpMethod::Delete, s.clone()),
                _ => (HttpMethod::Delete, format!("{s}/forget")),
            };
            (
                m,
                p,
                read(&s)?,
                format!("subscriber {}", a.subscriber.unwrap_or_default()),
            )
        }
        DeleteSubscribers | UnsubscribeSubscribers | AssignSubscribers | UnassignSubscribers => {
            if body.get("select").is_none() {
                return Err(invalid_args(
                    "bulk actions need payload.select",
                    "give payload {select: {include: [subscriber ids]}} or {select: {all: true, exclude: [...]}}",
                ));
            }
            let (m, p) = match a.action {
                DeleteSubscribers => (HttpMethod::Delete, format!("{base}/subscribers")),
                UnsubscribeSubscribers => {
                    (HttpMethod::Put, format!("{base}/subscribers/unsubscribe"))
                }
                AssignSubscribers => (HttpMethod::Put, format!("{base}/subscribers/assign")),
                _ => (HttpMethod::Put, format!("{base}/subscribers/unassign")),
            };
            let all = crate::common::list_all(&api, &format!("{base}/subscribers"))?;
            (
                m,
                p,
                json!(selected(&all, &body["select"])),
                "subscribers".into(),
            )
        }
        GroupAssignSubscribers | GroupUnassignSubscribers => {
            let g = number(&a.group, "group")?;
            let op = if a.action == GroupAssignSubscribers {
                "assign"
            } else {
                "unassign"
            };
            let members = crate::common::list_all(&api, &format!("{base}/groups/{g}/subscribers"))?;
            (
                HttpMethod::Post,
                format!("{base}/groups/{g}/subscribers/{op}"),
                json!(
                    members
                        .iter()
                        .map(|s| s["email"].clone())
                        .collect::<Vec<_>>()
                ),
                format!("members of group {g}"),
            )
        }
    };
    let verb = format!("{:?}", a.action);
    let after = if method == HttpMethod::Delete {
        None
    } else {
        Some(&body)
    };
    let action = match method {
        HttpMethod::Delete => "delete",
        HttpMethod::Post if before.is_null() => "create",
        _ => "update",
    };
    let pinned = if method == HttpMethod::Delete && body.as_object().is_none_or(|o| o.is_empty()) {
        None
    } else {
        Some(&body)
    };
    PlanBuilder::new(ctx.role(), format!("Newsletter of {d}: {verb} ({what})."))
        .change(
            format!("newsletter {d}: {what}"),
            action,
            Some(&before),
            after,
        )
        .snapshot(&before)
        .effect(method, path, pinned)
        .confirm()
}

/// The e-mails of the subscribers a bulk `select` picks (shown in the plan).
fn selected(all: &[Value], select: &Value) -> Vec<Value> {
    let ids = |k: &str| -> Vec<u64> {
        select[k]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect()
    };
    let (include, exclude) = (ids("include"), ids("exclude"));
    all.iter()
        .filter(|s| {
            let id = s["id"].as_u64().unwrap_or_default();
            if select["all"] == true {
                !exclude.contains(&id)
            } else {
                include.contains(&id)
            }
        })
        .map(|s| s["email"].clone())
        .collect()
}
