//! Swiss Backup: products (every account, all pages), one product, its Acronis figures, its
//! slots, pricing, and the slot and administrator writes (swiss-backup.json, §7.8).
//! `is_demo` comes as the string `"false"` (Q10): reads turn it into a boolean.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::listing::{ItemOutput, ListOutput, not_found_hint, per_account};
use ikmcp_pdk::payload::{self, Kind, opt, req};
use ikmcp_pdk::single_write::{self, Op, WriteOutput};
use ikmcp_pdk::{Api, Ctx, HttpMethod, Plan, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::{GET_BACKUP, LIST_BACKUPS, LIST_SLOTS};

/// Q10: `is_demo` as a boolean, whatever the API sent.
pub fn clean(mut item: Value) -> Value {
    if let Some(demo) = item.get_mut("is_demo") {
        let flag = match &*demo {
            Value::String(s) => Some(s == "true" || s == "1"),
            Value::Number(n) => Some(n.as_u64() == Some(1)),
            _ => None,
        };
        if let Some(flag) = flag {
            *demo = json!(flag);
        }
    }
    item
}

/// Arguments naming an account, or none for every account.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountArgs {
    /// Default: every account.
    pub account_id: Option<u64>,
}

/// Every Swiss Backup product: `GET /1/swiss_backups?account_id=` (required), all pages.
pub fn fetch_all(api: &Api, account_id: Option<u64>) -> Result<Vec<Value>, ToolError> {
    Ok(per_account(api, "/1/swiss_backups", account_id, &[])?
        .into_iter()
        .map(clean)
        .collect())
}

/// `infomaniak_list_swiss_backups`.
pub fn list(ctx: &Ctx, a: AccountArgs) -> Result<ListOutput, ToolError> {
    Ok(ListOutput::of(fetch_all(&ctx.api(), a.account_id)?))
}

/// Arguments naming a Swiss Backup product.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupArgs {
    pub swiss_backup_id: u64,
}

fn backup_path(id: u64) -> String {
    format!("/1/swiss_backups/{id}")
}

fn fetch(api: &Api, id: u64) -> Result<Value, ToolError> {
    api.get(&backup_path(id), &[])
        .map(clean)
        .map_err(|e| not_found_hint(e, LIST_BACKUPS))
}

/// `GET /1/swiss_backups/{id}` (swiss-backup.json).
pub fn get(ctx: &Ctx, a: BackupArgs) -> Result<ItemOutput, ToolError> {
    Ok(ItemOutput {
        item: fetch(&ctx.api(), a.swiss_backup_id)?,
    })
}

/// `GET /1/swiss_backups/{id}/acronis_informations` (swiss-backup.json).
pub fn acronis(ctx: &Ctx, a: BackupArgs) -> Result<ItemOutput, ToolError> {
    let path = format!("{}/acronis_informations", backup_path(a.swiss_backup_id));
    let item = ctx
        .api()
        .get(&path, &[])
        .map_err(|e| not_found_hint(e, LIST_BACKUPS))?;
    Ok(ItemOutput { item })
}

/// The slots of a product: `GET /1/swiss_backups/{id}/slots` (swiss-backup.json documents
/// no paging on it).
pub fn fetch_slots(api: &Api, id: u64) -> Result<Vec<Value>, ToolError> {
    let data = api
        .get(&format!("{}/slots", backup_path(id)), &[])
        .map_err(|e| not_found_hint(e, LIST_BACKUPS))?;
    Ok(ListOutput::from_value(data)?.items)
}

/// `infomaniak_list_swiss_backup_slots`.
pub fn slots(ctx: &Ctx, a: BackupArgs) -> Result<ListOutput, ToolError> {
    Ok(ListOutput::of(fetch_slots(&ctx.api(), a.swiss_backup_id)?))
}

/// Arguments naming a slot.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotArgs {
    pub swiss_backup_id: u64,
    pub slot_id: u64,
}

fn slot_path(backup: u64, slot: u64) -> String {
    format!("{}/slots/{slot}", backup_path(backup))
}

fn fetch_slot(api: &Api, backup: u64, slot: u64) -> Result<Value, ToolError> {
    api.get(&slot_path(backup, slot), &[])
        .map_err(|e| not_found_hint(e, LIST_SLOTS))
}

/// `GET /1/swiss_backups/{id}/slots/{slot}` (swiss-backup.json).
pub fn slot(ctx: &Ctx, a: SlotArgs) -> Result<ItemOutput, ToolError> {
    Ok(ItemOutput {
        item: fetch_slot(&ctx.api(), a.swiss_backup_id, a.slot_id)?,
    })
}

/// Arguments of `infomaniak_get_swiss_backup_pricing`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PricingArgs {
    /// Price a configuration (/calculate) instead of the price list.
    pub calculate: Option<bool>,
    /// Price list: account, product.
    pub account_id: Option<u64>,
    pub swiss_backup_id: Option<u64>,
    /// calculate: total bytes (required) and slot counts.
    pub size: Option<u64>,
    pub slot: Option<u64>,
    pub slot_server: Option<u64>,
    pub slot_virtual: Option<u64>,
    pub slot_workstation: Option<u64>,
    pub slot_mobile: Option<u64>,
}

/// `GET /1/swiss_backups/pricing` or `/calculate` (swiss-backup.json), with the documented
/// query parameters of each.
pub fn pricing(ctx: &Ctx, a: PricingArgs) -> Result<ItemOutput, ToolError> {
    let mut query: Vec<(&str, String)> = Vec::new();
    let path = if a.calculate == Some(true) {
        let size = a.size.ok_or_else(|| {
            invalid_args(
                "calculate needs size (bytes)",
                "give size, e.g. 1000000000000 for 1 TB",
            )
        })?;
        query.push(("size", size.to_string()));
        for (k, v) in [
            ("slot", a.slot),
            ("slot_server", a.slot_server),
            ("slot_virtual", a.slot_virtual),
            ("slot_workstation", a.slot_workstation),
            ("slot_mobile", a.slot_mobile),
        ] {
            if let Some(v) = v {
                query.push((k, v.to_string()));
            }
        }
        "/1/swiss_backups/calculate"
    } else {
        if a.size.is_some() || a.slot.is_some() {
            return Err(invalid_args(
                "size and slot counts are for calculate",
                "add calculate: true",
            ));
        }
        if let Some(acc) = a.account_id {
            query.push(("account_id", acc.to_string()));
        }
        if let Some(id) = a.swiss_backup_id {
            query.push(("swiss_backup_id", id.to_string()));
        }
        "/1/swiss_backups/pricing"
    };
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(ItemOutput {
        item: ctx.api().get(path, &query)?,
    })
}

// Slot actions (no doc comment: the values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlotAction {
    Create,
    Update,
    Delete,
    Enable,
    Disable,
}

/// Arguments of `infomaniak_manage_swiss_backup_slot`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageSlotArgs {
    pub swiss_backup_id: u64,
    pub action: SlotAction,
    /// All but create.
    pub slot_id: Option<u64>,
    /// create: customer_name, email, size (bytes), type, connection_type, lang, firstname, lastname; update: customer_name, email, size, lang, activate_notifications, send_mail.
    pub payload: Option<Map<String, Value>>,
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / 1e9)
}

/// Plans a slot write. A deletion shows the data stored in the slot, which goes with it.
pub fn plan_slot(ctx: &Ctx, a: ManageSlotArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let api = ctx.api();
    let backup = a.swiss_backup_id;
    let follow_up = format!("{LIST_SLOTS} {{swiss_backup_id: {backup}}}");
    let slot_id = |action: &str| {
        a.slot_id.ok_or_else(|| {
            invalid_args(
                format!("{action} needs slot_id"),
                format!("find it with {LIST_SLOTS}"),
            )
        })
    };
    let op = match a.action {
        SlotAction::Create => {
            // POST /1/swiss_backups/{id}/slots (swiss-backup.json, 201).
            let body = payload::body(
                "create",
                a.payload.as_ref(),
                &[
                    req("customer_name", Kind::Text),
                    req("email", Kind::Text),
                    req("size", Kind::Int),
                    req("type", Kind::Text),
                    opt("connection_type", Kind::Text),
                    opt("lang", Kind::Int),
                    opt("firstname", Kind::Text),
                    opt("lastname", Kind::Text),
                ],
            )?;
            let product = fetch(&api, backup)?;
            // Unallocated = the product's size less what its slots already reserve.
            let num = |k: &str| product.get(k).and_then(Value::as_u64);
            let free = num("size")
                .zip(num("storage_reserved"))
                .map(|(s, r)| s.saturating_sub(r));
            let size = body["size"].as_u64().unwrap_or(0);
            if free.is_some_and(|f| size > f) {
                return Err(invalid_args(
                    format!(
                        "the slot asks for {} but product {backup} has {} unallocated",
                        gib(size),
                        gib(free.unwrap_or(0))
                    ),
                    "give a smaller size, or enlarge the product in the Infomaniak manager",
                ));
            }
            Op {
                target: format!("Swiss Backup {backup}: new slot {}", body["customer_name"]),
                action: "create",
                summary: format!(
                    "Create backup slot {} of {} in Swiss Backup {backup}; access details go to {}.",
                    body["customer_name"],
                    gib(size),
                    body["email"]
                ),
                before: None,
                after: Some(body.clone()),
                lost: vec![],
                method: HttpMethod::Post,
                path: format!("{}/slots", backup_path(backup)),
                body: Some(body),
                follow_up,
            }
        }
        SlotAction::Update => {
            // PUT /1/swiss_backups/{id}/slots/{slot} (swiss-backup.json).
            let id = slot_id("update")?;
            let body = payload::body(
                "update",
                a.payload.as_ref(),
                &[
                    opt("customer_name", Kind::Text),
                    opt("email", Kind::Text),
                    opt("size", Kind::Int),
                    opt("lang", Kind::Int),
                    opt("activate_notifications", Kind::Bool),
                    opt("send_mail", Kind::Bool),
                ],
            )?;
            let current = fetch_slot(&api, backup, id)?;
            let used = current
                .get("storage_used")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if body
                .get("size")
                .and_then(Value::as_u64)
                .is_some_and(|s| s < used)
            {
                return Err(invalid_args(
                    format!(
                        "slot {id} already stores {}; it cannot shrink below that",
                        gib(used)
                    ),
                    "give a size at least as large as storage_used",
                ));
            }
            Op {
                target: format!("slot {id} of Swiss Backup {backup}"),
                action: "update",
                summary: format!("Change backup slot {id} of Swiss Backup {backup}."),
                before: Some(single_write::before_of(&current, &body)),
                after: Some(body.clone()),
                lost: vec![],
                method: HttpMethod::Put,
                path: slot_path(backup, id),
                body: Some(body),
                follow_up,
            }
        }
        SlotAction::Delete => {
            // DELETE /1/swiss_backups/{id}/slots/{slot} (swiss-backup.json).
            let id = slot_id("delete")?;
            no_payload(&a.payload, "delete")?;
            let current = fetch_slot(&api, backup, id)?;
            let used = current
                .get("storage_used")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            Op {
                target: format!("slot {id} of Swiss Backup {backup}"),
                action: "delete",
                summary: format!(
                    "Delete backup slot {id} ({}) of Swiss Backup {backup} and the {} of backups stored in it. This cannot be undone.",
                    current
                        .get("customer_name")
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                    gib(used)
                ),
                before: Some(current.clone()),
                after: None,
                lost: vec![(
                    format!("{} of backup data in slot {id}", gib(used)),
                    json!({"storage_used": used}),
                )],
                method: HttpMethod::Delete,
                path: slot_path(backup, id),
                body: None,
                follow_up,
            }
        }
        SlotAction::Enable | SlotAction::Disable => {
            // POST /1/swiss_backups/{id}/slots/{slot}/{enable|disable} (swiss-backup.json).
            let enable = a.action == SlotAction::Enable;
            let verb = if enable { "enable" } else { "disable" };
            let id = slot_id(verb)?;
            no_payload(&a.payload, verb)?;
            let current = fetch_slot(&api, backup, id)?;
            let locked = current
                .get("locked")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            Op {
                target: format!("slot {id} of Swiss Backup {backup}"),
                action: verb,
                summary: if enable {
                    format!(
                        "Enable backup slot {id} of Swiss Backup {backup}: backups to it resume."
                    )
                } else {
                    format!(
                        "Disable backup slot {id} of Swiss Backup {backup}: backups to it stop until it is enabled again; stored data is kept."
                    )
                },
                before: Some(json!({"locked": locked})),
                after: Some(json!({"locked": !enable})),
                lost: vec![],
                method: HttpMethod::Post,
                path: format!("{}/{verb}", slot_path(backup, id)),
                // No documented body; every non-GET carries JSON (§1), so an empty object.
                body: Some(json!({})),
                follow_up,
            }
        }
    };
    op.plan(ctx)
}

fn no_payload(p: &Option<Map<String, Value>>, action: &str) -> Result<(), ToolError> {
    match p {
        Some(p) if !p.is_empty() => Err(invalid_args(
            format!("{action} takes no payload"),
            "call again without payload",
        )),
        _ => Ok(()),
    }
}

/// Performs the confirmed slot write.
pub fn apply_slot(
    ctx: &Ctx,
    _: ManageSlotArgs,
    confirmed: &Plan,
) -> Result<WriteOutput, ToolError> {
    single_write::apply(ctx, confirmed)
}

// Administrator actions (no doc comment: the values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdminAction {
    Create,
    Update,
}

/// Arguments of `infomaniak_manage_swiss_backup_administrator`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageAdminArgs {
    pub swiss_backup_id: u64,
    pub action: AdminAction,
    /// email.
    pub payload: Option<Map<String, Value>>,
}

/// Plans the administrator write: `POST` (create) or `PUT` (update)
/// `/1/swiss_backups/{id}/admin` `{email}` (swiss-backup.json).
pub fn plan_admin(ctx: &Ctx, a: ManageAdminArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let backup = a.swiss_backup_id;
    let body = payload::body("admin", a.payload.as_ref(), &[req("email", Kind::Text)])?;
    let current = fetch(&ctx.api(), backup)?;
    let admin = current.get("admin").cloned().unwrap_or(Value::Null);
    let create = a.action == AdminAction::Create;
    Op {
        target: format!("administrator of Swiss Backup {backup}"),
        action: if create { "create" } else { "update" },
        summary: format!(
            "{} the administrator of Swiss Backup {backup}: {} receives the administration access by e-mail.",
            if create { "Create" } else { "Change" },
            body["email"]
        ),
        before: if create { None } else { Some(json!({"email": admin})) },
        after: Some(body.clone()),
        lost: vec![],
        method: if create { HttpMethod::Post } else { HttpMethod::Put },
        path: format!("{}/admin", backup_path(backup)),
        body: Some(body),
        follow_up: format!("{GET_BACKUP} {{swiss_backup_id: {backup}}}"),
    }
    .plan(ctx)
}

/// Performs the confirmed administrator write.
pub fn apply_admin(
    ctx: &Ctx,
    _: ManageAdminArgs,
    confirmed: &Plan,
) -> Result<WriteOutput, ToolError> {
    single_write::apply(ctx, confirmed)
}
