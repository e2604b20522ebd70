//! What a pending invitation grants on acceptance: kSuite, kDrive, mailbox and kChat accesses
//! and B2B customers (core.json `/1/accounts/{account}/invitations/{invitation}/...`).

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::accounts::resolve;
use crate::apply::WriteOutput;
use crate::invitations::fetch_invitation;

/// Which access `infomaniak_manage_account_invitation_access` changes.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Ksuite,
    Drive,
    Mailbox,
    Kchat,
}

/// What to do with it.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
    Invite,
}

/// admin or user.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    User,
}

/// A kDrive right.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Right {
    Manage,
    None,
    Read,
    Write,
}

/// The mailbox permissions core.json lists; those named are granted, the others refused.
pub const MAILBOX_PERMISSIONS: [&str; 9] = [
    "can_access_logs",
    "can_change_password",
    "can_configure_mail_folders",
    "can_manage_aliases",
    "can_manage_auto_reply",
    "can_manage_filters",
    "can_manage_redirections",
    "can_manage_security",
    "can_manage_signatures",
];

/// Arguments of `infomaniak_manage_account_invitation_access`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessArgs {
    pub account_id: Option<u64>,
    pub invitation_id: u64,
    pub target: Target,
    pub action: Action,
    pub role: Option<Role>,
    /// ksuite (default: role).
    pub kdrive_role: Option<Role>,
    pub drive_id: Option<u64>,
    pub right: Option<Right>,
    pub mail_id: Option<u64>,
    pub mailbox_name: Option<String>,
    /// can_* granted.
    pub permissions: Option<Vec<String>>,
    /// mailbox invite.
    pub key: Option<String>,
}

fn need<T: Clone>(value: &Option<T>, name: &str, what: &str) -> Result<T, ToolError> {
    value
        .clone()
        .ok_or_else(|| invalid_args(format!("{what} needs {name}"), format!("pass {name}")))
}

fn mailbox_permissions(granted: &Option<Vec<String>>) -> Result<Value, ToolError> {
    let granted = granted.clone().unwrap_or_default();
    if let Some(bad) = granted
        .iter()
        .find(|g| !MAILBOX_PERMISSIONS.contains(&g.as_str()))
    {
        return Err(invalid_args(
            format!("{bad:?} is not a mailbox permission"),
            format!("use some of: {}", MAILBOX_PERMISSIONS.join(", ")),
        ));
    }
    Ok(Value::Object(
        MAILBOX_PERMISSIONS
            .iter()
            .map(|p| (p.to_string(), json!(granted.iter().any(|g| g == p))))
            .collect(),
    ))
}

/// The one request an access change is: method, path below the invitation, body.
fn request(
    args: &AccessArgs,
    invitation: &Value,
) -> Result<(HttpMethod, String, Option<Value>), ToolError> {
    use Action::*;
    use HttpMethod as M;
    use Target::*;
    let what = format!("{:?} {:?}", args.action, args.target).to_lowercase();
    let role = |r: Option<Role>| json!(r.unwrap_or(Role::User));
    Ok(match (args.target, args.action) {
        // POST .../ksuite (core.json "Create a kSuite access")
        (Ksuite, Create) => (
            M::Post,
            "ksuite".into(),
            Some(json!({"ksuite_access": {
            "kchat_role": role(args.role), "kdrive_role": role(args.kdrive_role.or(args.role))}})),
        ),
        // DELETE .../ksuite (core.json "Revoke kSuite access")
        (Ksuite, Delete) => (M::Delete, "ksuite".into(), None),
        // POST .../drive (core.json "Add a drive access")
        (Drive, Create) => (
            M::Post,
            "drive".into(),
            Some(json!({
            "drive_id": need(&args.drive_id, "drive_id", &what)?, "role": role(args.role)})),
        ),
        // PATCH .../drive/{drive_id} (core.json "Update drive access")
        (Drive, Update) => {
            let d = need(&args.drive_id, "drive_id", &what)?;
            let mut body = json!({});
            if let Some(r) = args.role {
                body["role"] = json!(r);
            }
            if let Some(r) = args.right {
                body["right"] = json!(r);
            }
            if body == json!({}) {
                return Err(invalid_args(
                    "update drive needs role or right",
                    "pass role or right",
                ));
            }
            (M::Patch, format!("drive/{d}"), Some(body))
        }
        // DELETE .../drive/{drive_id} (core.json "Revoke a drive access")
        (Drive, Delete) => (
            M::Delete,
            format!("drive/{}", need(&args.drive_id, "drive_id", &what)?),
            None,
        ),
        // POST|PATCH .../mailbox/{mail_id} (core.json; "Update a mailbox access")
        (Mailbox, Create | Update) => {
            let m = need(&args.mail_id, "mail_id", &what)?;
            let body = json!({"mailbox_name": need(&args.mailbox_name, "mailbox_name", &what)?,
                "mailbox_permissions": mailbox_permissions(&args.permissions)?});
            let method = if args.action == Create {
                M::Post
            } else {
                M::Patch
            };
            (method, format!("mailbox/{m}"), Some(body))
        }
        // DELETE .../mailbox/{mail_id} with a JSON body (core.json)
        (Mailbox, Delete) => (
            M::Delete,
            format!("mailbox/{}", need(&args.mail_id, "mail_id", &what)?),
            Some(json!({"mailbox_name": need(&args.mailbox_name, "mailbox_name", &what)?})),
        ),
        // POST .../mailbox/invite (core.json)
        (Mailbox, Invite) => (
            M::Post,
            "mailbox/invite".into(),
            Some(json!({
            "email": invitation["email"], "key": need(&args.key, "key", &what)?,
            "mail_id": need(&args.mail_id, "mail_id", &what)?,
            "mailbox_name": need(&args.mailbox_name, "mailbox_name", &what)?})),
        ),
        // PATCH .../kchat (core.json "Update a kChat access")
        (Kchat, Update) => (
            M::Patch,
            "kchat".into(),
            Some(json!({"role": need(&args.role, "role", &what)?})),
        ),
        _ => {
            return Err(invalid_args(
                format!("{what} is not an invitation access change"),
                "ksuite: create|delete; drive: create|update|delete; mailbox: create|update|delete|invite; kchat: update",
            ));
        }
    })
}

/// Plans one access change of a pending invitation; the plan shows the invitation's current
/// accesses and the exact request.
pub fn plan_access(ctx: &Ctx, args: AccessArgs) -> Result<Planned<WriteOutput>, ToolError> {
    // Shape errors first, before any request.
    request(&args, &json!({"email": ""}))?;
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let id = args.invitation_id;
    let inv = fetch_invitation(&api, a, id)?;
    if inv["status"] != "pending" {
        return Err(ikmcp_pdk::error::conflict(
            format!(
                "invitation {id} is {}; only a pending invitation's accesses change",
                inv["status"]
            ),
            "send a new invitation with infomaniak_create_account_invitation",
        ));
    }
    let (method, sub, body) = request(&args, &inv)?;
    let action = match args.action {
        Action::Delete => "delete",
        Action::Update => "update",
        _ => "create",
    };
    let before = json!({"has_ksuite": inv["has_ksuite"], "accesses": inv["permissions"]});
    PlanBuilder::new(
        ctx.role(),
        format!(
            "{:?} the {:?} access of the invitation of {} (account {a}).",
            args.action, args.target, inv["email"]
        ),
    )
    .change(
        format!("account {a}: invitation {id} {sub}"),
        action,
        Some(&before),
        body.as_ref().or(Some(&Value::Null)),
    )
    .snapshot(&inv)
    .effect(
        method,
        format!("/1/accounts/{a}/invitations/{id}/{sub}"),
        body.as_ref(),
    )
    .confirm()
}

/// assign or unassign.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum B2bAction {
    Assign,
    Unassign,
}

/// Arguments of `infomaniak_manage_account_invitation_b2b`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct B2bArgs {
    pub account_id: Option<u64>,
    pub invitation_id: u64,
    pub action: B2bAction,
    /// assign: customers to add.
    pub partnership_ids: Option<Vec<u64>>,
    /// unassign: the customer to remove.
    pub partnership_id: Option<u64>,
}

/// Plans assigning customers (`POST .../b2b`, core.json "Assign customers") or unassigning
/// one (`DELETE .../b2b/{partnership_id}`, "Unassign customers"), from the current list
/// (`GET .../b2b`, "List customers").
pub fn plan_b2b(ctx: &Ctx, args: B2bArgs) -> Result<Planned<WriteOutput>, ToolError> {
    match (&args.action, &args.partnership_ids, args.partnership_id) {
        (B2bAction::Assign, Some(ids), None) if !ids.is_empty() => {}
        (B2bAction::Unassign, None, Some(_)) => {}
        _ => {
            return Err(invalid_args(
                "assign takes partnership_ids, unassign takes one partnership_id",
                "list the invitation's customers with infomaniak_get_account_resources (list_invitation_b2b)",
            ));
        }
    }
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let id = args.invitation_id;
    let path = format!("/1/accounts/{a}/invitations/{id}/b2b");
    let current: Vec<Value> = api.get_as(&path, &[])?;
    let assigned: Vec<u64> = current.iter().filter_map(|p| p["id"].as_u64()).collect();
    let plan = match args.action {
        B2bAction::Assign => {
            let mut add: Vec<u64> = args.partnership_ids.unwrap_or_default();
            add.sort_unstable();
            add.dedup();
            add.retain(|p| !assigned.contains(p));
            if add.is_empty() {
                return Ok(Planned::NoChange(WriteOutput::unchanged(Value::Array(
                    current,
                ))));
            }
            let body = json!({"partnership_ids": add});
            PlanBuilder::new(
                ctx.role(),
                format!("Give the invitee of invitation {id} access to customer(s) {add:?}."),
            )
            .change(
                format!("account {a}: invitation {id} customers"),
                "update",
                Some(&assigned),
                Some(&body),
            )
            .effect(HttpMethod::Post, path, Some(&body))
        }
        B2bAction::Unassign => {
            let p = args.partnership_id.unwrap_or_default();
            if !assigned.contains(&p) {
                return Ok(Planned::NoChange(WriteOutput::unchanged(Value::Array(
                    current,
                ))));
            }
            let after: Vec<u64> = assigned.iter().copied().filter(|x| *x != p).collect();
            PlanBuilder::new(
                ctx.role(),
                format!("Remove customer {p} from invitation {id}."),
            )
            .change(
                format!("account {a}: invitation {id} customers"),
                "update",
                Some(&assigned),
                Some(&after),
            )
            .effect(HttpMethod::Delete, format!("{path}/{p}"), None)
        }
    };
    plan.snapshot(&current).confirm()
}
