//! A mailbox's spam policy and sender lists (`PATCH /mailboxes/{name}` with only what
//! changes: infomaniak-api.md §7.3, [M: HENRI]; not in mail.json), its folders and the
//! spam/trash purges (mail.json `auth/folders`).

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::common::{Outcome, addresses, get, mailbox_name, mailbox_path, unchanged};
use crate::mailboxes::{MailboxArgs, mailbox};

/// The security fields of a mailbox (what the peers' `get_mailbox_security` shows).
pub const FIELDS: &[&str] = &[
    "authorized_senders",
    "blocked_senders",
    "has_move_spam",
    "has_mail_filtering",
    "mail_filtering_folder_commercials",
    "mail_filtering_folder_social_networks",
    "note",
];

/// The security view of a mailbox: sender lists as plain strings.
pub fn security_of(mb: &Value) -> Map<String, Value> {
    FIELDS
        .iter()
        .map(|f| {
            let v = match *f {
                "authorized_senders" | "blocked_senders" => json!(addresses(&mb[*f])),
                _ => mb.get(*f).cloned().unwrap_or(Value::Null),
            };
            (f.to_string(), v)
        })
        .collect()
}

/// `infomaniak_get_mailbox_security`.
pub fn get_security(ctx: &Ctx, a: MailboxArgs) -> Result<Map<String, Value>, ToolError> {
    Ok(security_of(&mailbox(
        ctx,
        a.mail_hosting_id,
        &a.mailbox_name,
        "",
    )?))
}

/// Plans a PATCH of the fields of `after` that differ from `before`.
fn plan_patch(
    ctx: &Ctx,
    id: u64,
    name: &str,
    before: Map<String, Value>,
    after: Map<String, Value>,
    summary: String,
) -> Result<Planned<Outcome>, ToolError> {
    let body: Map<String, Value> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if body.is_empty() {
        return unchanged(Value::Object(before));
    }
    let shown: Map<String, Value> = body
        .keys()
        .map(|k| (k.clone(), before[k].clone()))
        .collect();
    PlanBuilder::new(ctx.role(), summary)
        .change(
            format!("mailbox {name}"),
            "update",
            Some(&shown),
            Some(&body),
        )
        .snapshot(&before)
        .effect(
            HttpMethod::Patch,
            mailbox_path(id, name),
            Some(&Value::Object(body)),
        )
        .confirm()
}

/// A sender list entry: an address, or a domain as `@example.com` / `example.com`.
fn sender(s: &str) -> Result<String, ToolError> {
    let t = s.trim().to_ascii_lowercase();
    let domain = t.trim_start_matches('@');
    let is_domain = !domain.contains('@')
        && domain.contains('.')
        && domain
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if is_domain || crate::common::email(&t, "sender").is_ok() {
        Ok(t)
    } else {
        Err(invalid_args(
            format!("sender {s:?} is neither an address nor a domain"),
            "give name@example.com, or @example.com for a whole domain",
        ))
    }
}

/// Arguments of the four sender tools.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SenderArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    /// Address, or @domain.
    pub sender: String,
}

/// Which list the sender goes to or leaves.
#[derive(Clone, Copy)]
enum SenderOp {
    Block,
    Unblock,
    Authorize,
    Unauthorize,
}

fn plan_sender(ctx: &Ctx, a: SenderArgs, op: SenderOp) -> Result<Planned<Outcome>, ToolError> {
    let s = sender(&a.sender)?;
    let name = mailbox_name(&a.mailbox_name)?;
    let before = security_of(&mailbox(ctx, a.mail_hosting_id, &name, "")?);
    let list = |k: &str| addresses(&before[k]);
    let (mut blocked, mut authorized) = (list("blocked_senders"), list("authorized_senders"));
    let (add_to, remove_from, verb) = match op {
        SenderOp::Block => (Some(&mut blocked), Some(&mut authorized), "Block"),
        SenderOp::Authorize => (Some(&mut authorized), Some(&mut blocked), "Authorize"),
        SenderOp::Unblock => (None, Some(&mut blocked), "Unblock"),
        SenderOp::Unauthorize => (None, Some(&mut authorized), "Stop authorizing"),
    };
    if let Some(l) = remove_from {
        l.retain(|x| !x.eq_ignore_ascii_case(&s));
    }
    if let Some(l) = add_to
        && !l.iter().any(|x| x.eq_ignore_ascii_case(&s))
    {
        l.push(s.clone());
    }
    let mut after = Map::new();
    after.insert("blocked_senders".into(), json!(blocked));
    after.insert("authorized_senders".into(), json!(authorized));
    let lists: Map<String, Value> = ["blocked_senders", "authorized_senders"]
        .iter()
        .map(|k| (k.to_string(), before[*k].clone()))
        .collect();
    plan_patch(
        ctx,
        a.mail_hosting_id,
        &name,
        lists,
        after,
        format!("{verb} sender {s} on mailbox {name}."),
    )
}

/// Plans `infomaniak_block_sender`.
pub fn plan_block(ctx: &Ctx, a: SenderArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_sender(ctx, a, SenderOp::Block)
}
/// Plans `infomaniak_unblock_sender`.
pub fn plan_unblock(ctx: &Ctx, a: SenderArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_sender(ctx, a, SenderOp::Unblock)
}
/// Plans `infomaniak_authorize_sender`.
pub fn plan_authorize(ctx: &Ctx, a: SenderArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_sender(ctx, a, SenderOp::Authorize)
}
/// Plans `infomaniak_unauthorize_sender`.
pub fn plan_unauthorize(ctx: &Ctx, a: SenderArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_sender(ctx, a, SenderOp::Unauthorize)
}

/// Arguments of `infomaniak_set_mailbox_spam_policy`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpamArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub has_move_spam: Option<bool>,
    pub has_mail_filtering: Option<bool>,
    pub mail_filtering_folder_commercials: Option<String>,
    pub mail_filtering_folder_social_networks: Option<String>,
    /// ≤ 80 chars.
    pub note: Option<String>,
}

fn policy_plan(ctx: &Ctx, a: SpamArgs, summary: &str) -> Result<Planned<Outcome>, ToolError> {
    if a.note.as_ref().is_some_and(|n| n.chars().count() > 80) {
        return Err(invalid_args(
            "note is longer than 80 characters",
            "shorten it",
        ));
    }
    let mut after = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            after.insert(k.to_string(), v);
        }
    };
    put("has_move_spam", a.has_move_spam.map(Value::Bool));
    put("has_mail_filtering", a.has_mail_filtering.map(Value::Bool));
    put(
        "mail_filtering_folder_commercials",
        a.mail_filtering_folder_commercials.map(Value::String),
    );
    put(
        "mail_filtering_folder_social_networks",
        a.mail_filtering_folder_social_networks.map(Value::String),
    );
    put("note", a.note.map(Value::String));
    if after.is_empty() {
        return Err(invalid_args(
            "nothing to change",
            "give at least one of has_move_spam, has_mail_filtering, the two folders or note",
        ));
    }
    let name = mailbox_name(&a.mailbox_name)?;
    let before = security_of(&mailbox(ctx, a.mail_hosting_id, &name, "")?);
    plan_patch(
        ctx,
        a.mail_hosting_id,
        &name,
        before,
        after,
        format!("{summary} of mailbox {name}."),
    )
}

/// Plans `infomaniak_set_mailbox_spam_policy`: only changed fields are sent.
pub fn plan_spam(ctx: &Ctx, a: SpamArgs) -> Result<Planned<Outcome>, ToolError> {
    policy_plan(ctx, a, "Change the spam policy")
}

/// Arguments of `infomaniak_harden_mailbox_security`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HardenArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub mail_filtering_folder_commercials: Option<String>,
    pub mail_filtering_folder_social_networks: Option<String>,
}

/// Plans `infomaniak_harden_mailbox_security`: spam moved to its folder and commercial/
/// social filtering on.
pub fn plan_harden(ctx: &Ctx, a: HardenArgs) -> Result<Planned<Outcome>, ToolError> {
    policy_plan(
        ctx,
        SpamArgs {
            mail_hosting_id: a.mail_hosting_id,
            mailbox_name: a.mailbox_name,
            has_move_spam: Some(true),
            has_mail_filtering: Some(true),
            mail_filtering_folder_commercials: a.mail_filtering_folder_commercials,
            mail_filtering_folder_social_networks: a.mail_filtering_folder_social_networks,
            note: None,
        },
        "Harden the spam protection",
    )
}

/// Arguments of `infomaniak_update_mailbox_folders`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FoldersArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub archives_folder: Option<String>,
    pub draft_folder: Option<String>,
    pub sent_folder: Option<String>,
    pub trash_folder: Option<String>,
    pub spam_folder: Option<String>,
    pub commercials_folder: Option<String>,
    pub social_networks_folder: Option<String>,
}

/// The folder keys `PUT auth/folders` takes (mail.json; the first four are required).
const FOLDER_KEYS: &[&str] = &[
    "archives_folder",
    "draft_folder",
    "sent_folder",
    "trash_folder",
    "spam_folder",
    "commercials_folder",
    "social_networks_folder",
];

/// Plans `infomaniak_update_mailbox_folders`: the whole mapping is sent (the four required
/// folders kept from the current one), the plan shows the folders that change.
pub fn plan_folders(ctx: &Ctx, a: FoldersArgs) -> Result<Planned<Outcome>, ToolError> {
    let given = [
        &a.archives_folder,
        &a.draft_folder,
        &a.sent_folder,
        &a.trash_folder,
        &a.spam_folder,
        &a.commercials_folder,
        &a.social_networks_folder,
    ];
    if given.iter().all(|g| g.is_none()) {
        return Err(invalid_args(
            "nothing to change",
            "give at least one folder",
        ));
    }
    if given
        .iter()
        .any(|g| g.as_deref().is_some_and(|f| f.trim().is_empty()))
    {
        return Err(invalid_args(
            "a folder name is empty",
            "give folder names such as Archives",
        ));
    }
    let name = mailbox_name(&a.mailbox_name)?;
    let path = format!("{}/auth/folders", mailbox_path(a.mail_hosting_id, &name));
    let current = get(&ctx.api(), &path, &[])?;
    let mut body = Map::new();
    let (mut before, mut after) = (Map::new(), Map::new());
    for (k, g) in FOLDER_KEYS.iter().zip(given) {
        let now = current.get(*k).cloned().unwrap_or(Value::Null);
        let want = g.clone().map(Value::String).unwrap_or(now.clone());
        if now != want {
            before.insert(k.to_string(), now);
            after.insert(k.to_string(), want.clone());
        }
        if !want.is_null() {
            body.insert(k.to_string(), want);
        }
    }
    if after.is_empty() {
        return unchanged(current);
    }
    let body = Value::Object(body);
    PlanBuilder::new(
        ctx.role(),
        format!("Change the special folders of mailbox {name}."),
    )
    .change(
        format!("mailbox {name}: folders"),
        "update",
        Some(&before),
        Some(&after),
    )
    .snapshot(&current)
    .effect(HttpMethod::Put, path, Some(&body))
    .confirm()
}

/// Plans a purge of the spam or trash folder (`DELETE auth/folders/{spam|trash}`).
fn plan_purge(ctx: &Ctx, a: MailboxArgs, folder: &str) -> Result<Planned<Outcome>, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    let mb = mailbox(ctx, a.mail_hosting_id, &name, "")?;
    let address = mb["mailbox"].as_str().unwrap_or(&name).to_string();
    PlanBuilder::new(
        ctx.role(),
        format!("Permanently delete every message in the {folder} folder of {address}."),
    )
    .change(
        format!("{address}: {folder} folder"),
        "purge",
        Some(&json!("messages")),
        Some(&json!("empty")),
    )
    .snapshot(&json!({"mailbox": address}))
    .effect(
        HttpMethod::Delete,
        format!(
            "{}/auth/folders/{folder}",
            mailbox_path(a.mail_hosting_id, &name)
        ),
        None,
    )
    .confirm()
}

/// Plans `infomaniak_purge_spam_folder`.
pub fn plan_purge_spam(ctx: &Ctx, a: MailboxArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_purge(ctx, a, "spam")
}

/// Plans `infomaniak_empty_mailbox_trash`.
pub fn plan_empty_trash(ctx: &Ctx, a: MailboxArgs) -> Result<Planned<Outcome>, ToolError> {
    plan_purge(ctx, a, "trash")
}
