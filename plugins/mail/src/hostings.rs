//! Service-level reads: mail hostings, preferences, redirections, mailing lists and the
//! service's auto-reply and filter models.

use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::common::{get, hosting_path, list_mailboxes};

/// A list, whole.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Items {
    /// Number of items (all pages).
    pub count: usize,
    /// The items as the API returns them.
    pub items: Vec<Value>,
}

impl Items {
    /// Wraps a JSON list (anything else is one item).
    pub fn of(v: Value) -> Items {
        let items = match v {
            Value::Array(a) => a,
            Value::Null => vec![],
            other => vec![other],
        };
        Items {
            count: items.len(),
            items,
        }
    }
}

/// No arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// A mail hosting.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostingArgs {
    pub mail_hosting_id: u64,
}

/// Every mail hosting (`email_hosting` products, infomaniak-api.md §7.3: no plain list
/// route exists), all pages.
pub fn list_hostings(ctx: &Ctx) -> Result<Vec<Value>, ToolError> {
    ctx.api()
        .list_all("/1/products", &[("service_name", "email_hosting")])
}

/// `infomaniak_list_mail_hostings`.
pub fn list_mail_hostings(ctx: &Ctx, _: NoArgs) -> Result<Items, ToolError> {
    let items = list_hostings(ctx)?
        .into_iter()
        .map(|p| {
            json!({"mail_hosting_id": p["id"], "domain": p["customer_name"], "account_id": p["account_id"],
                "expired_at": p["expired_at"]})
        })
        .collect();
    Ok(Items::of(Value::Array(items)))
}

/// `infomaniak_get_mail_hosting_full`: the hosting as the documented routes show it
/// (preferences, mailbox count, redirections, mailing lists). The peers read the
/// manager-private `/proxy/1/mail_hostings/{id}?with[]=*`; `with=*` is refused by the API on
/// mail routes (infomaniak-api.md Q16) and public routes cover the same ground.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HostingFull {
    pub mail_hosting_id: u64,
    /// The product (domain, account, expiry).
    pub product: Value,
    pub preferences: Value,
    pub mailbox_count: usize,
    pub redirections: Vec<Value>,
    pub mailing_lists: Value,
}

/// `infomaniak_get_mail_hosting_full`.
pub fn get_mail_hosting_full(ctx: &Ctx, a: HostingArgs) -> Result<HostingFull, ToolError> {
    let api = ctx.api();
    let base = hosting_path(a.mail_hosting_id);
    let preferences = get(&api, &format!("{base}/preferences"), &[])?;
    let product = list_hostings(ctx)?
        .into_iter()
        .find(|p| p["id"] == a.mail_hosting_id)
        .unwrap_or(Value::Null);
    Ok(HostingFull {
        mail_hosting_id: a.mail_hosting_id,
        product,
        preferences,
        mailbox_count: list_mailboxes(&api, a.mail_hosting_id, None)?.len(),
        redirections: Items::of(get(&api, &format!("{base}/redirections"), &[])?).items,
        mailing_lists: get(&api, &format!("{base}/mailing_lists"), &[])?,
    })
}

/// A service-level GET returning the list or object at `suffix` of the hosting.
fn service_get(ctx: &Ctx, id: u64, suffix: &str) -> Result<Value, ToolError> {
    get(&ctx.api(), &format!("{}/{suffix}", hosting_path(id)), &[])
}

/// `infomaniak_get_mail_preferences` (`GET /preferences`, mail.json).
pub fn get_mail_preferences(ctx: &Ctx, a: HostingArgs) -> Result<Map<String, Value>, ToolError> {
    Ok(crate::common::object(service_get(
        ctx,
        a.mail_hosting_id,
        "preferences",
    )?))
}

/// `infomaniak_list_mailing_lists` (`GET /mailing_lists`, mail.json).
pub fn list_mailing_lists(ctx: &Ctx, a: HostingArgs) -> Result<Items, ToolError> {
    Ok(Items::of(service_get(
        ctx,
        a.mail_hosting_id,
        "mailing_lists",
    )?))
}

/// `infomaniak_list_service_auto_replies` (`GET /auto_replies`, mail.json).
pub fn list_service_auto_replies(ctx: &Ctx, a: HostingArgs) -> Result<Items, ToolError> {
    Ok(Items::of(service_get(
        ctx,
        a.mail_hosting_id,
        "auto_replies",
    )?))
}

/// `infomaniak_list_service_filter_models` (`GET /filters`, mail.json).
pub fn list_service_filter_models(ctx: &Ctx, a: HostingArgs) -> Result<Items, ToolError> {
    Ok(Items::of(service_get(ctx, a.mail_hosting_id, "filters")?))
}

/// Every redirection of a hosting (`GET /redirections`, mail.json; ids are strings, Q10).
pub fn redirections(ctx: &Ctx, id: u64) -> Result<Vec<Value>, ToolError> {
    Ok(Items::of(service_get(ctx, id, "redirections")?).items)
}

/// `infomaniak_list_redirections`.
pub fn list_redirections(ctx: &Ctx, a: HostingArgs) -> Result<Items, ToolError> {
    Ok(Items::of(Value::Array(redirections(
        ctx,
        a.mail_hosting_id,
    )?)))
}
