//! Signatures, webmail accesses and device accesses of a mailbox (mail.json). Writes take
//! the API's own request body as `payload`: the plan pins it as given and the tenant (and
//! the API) validate it against mail.json.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::common::{Outcome, get, hosting_path, mailbox_name, mailbox_path, object, unchanged};

fn need<T: Clone>(v: &Option<T>, what: &str) -> Result<T, ToolError> {
    v.clone()
        .ok_or_else(|| invalid_args(format!("this action needs {what}"), format!("give {what}")))
}

fn payload(p: &Option<Map<String, Value>>) -> Value {
    Value::Object(p.clone().unwrap_or_default())
}

/// A plan of one write whose `before` is what `read` shows.
fn one_write(
    ctx: &Ctx,
    summary: String,
    target: String,
    before: &Value,
    method: HttpMethod,
    path: String,
    body: Value,
) -> Result<Planned<Outcome>, ToolError> {
    let (action, after) = match method {
        HttpMethod::Delete => ("delete", None),
        HttpMethod::Post => ("create", Some(&body)),
        _ => ("update", Some(&body)),
    };
    let body = if method == HttpMethod::Delete {
        None
    } else {
        Some(&body)
    };
    PlanBuilder::new(ctx.role(), summary)
        .change(target, action, Some(before), after)
        .snapshot(before)
        .effect(method, path, body)
        .confirm()
}

// What to read (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureRead {
    List,
    Show,
    ShowDefault,
}

// Signatures or templates (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SignatureResource {
    Signature,
    Template,
}

/// Arguments of `infomaniak_get_mail_signatures`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetSignaturesArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: Option<String>,
    pub resource: SignatureResource,
    pub action: SignatureRead,
    pub id: Option<String>,
}

/// `infomaniak_get_mail_signatures`: a mailbox's signatures and templates, or the
/// hosting's templates (and its default one).
pub fn get_signatures(ctx: &Ctx, a: GetSignaturesArgs) -> Result<Map<String, Value>, ToolError> {
    let base = match (&a.mailbox_name, a.resource) {
        (Some(m), SignatureResource::Signature) => format!(
            "{}/signatures",
            mailbox_path(a.mail_hosting_id, &mailbox_name(m)?)
        ),
        (Some(m), SignatureResource::Template) => format!(
            "{}/signatures/templates",
            mailbox_path(a.mail_hosting_id, &mailbox_name(m)?)
        ),
        (None, SignatureResource::Template) => {
            format!("{}/signatures/templates", hosting_path(a.mail_hosting_id))
        }
        (None, SignatureResource::Signature) => {
            return Err(invalid_args(
                "signatures belong to a mailbox",
                "give mailbox_name (the hosting only has templates)",
            ));
        }
    };
    let path = match a.action {
        SignatureRead::List => base,
        SignatureRead::Show => format!("{base}/{}", id_segment(&need(&a.id, "id")?)?),
        SignatureRead::ShowDefault
            if a.mailbox_name.is_none() && a.resource == SignatureResource::Template =>
        {
            format!("{base}/default")
        }
        SignatureRead::ShowDefault => {
            return Err(invalid_args(
                "show_default is for the hosting's templates",
                "omit mailbox_name and use resource template",
            ));
        }
    };
    Ok(object(get(&ctx.api(), &path, &[])?))
}

/// An id as a path segment: digits, letters, `-`, `_` only.
fn id_segment(id: &str) -> Result<String, ToolError> {
    let t = id.trim();
    if !t.is_empty()
        && t.len() <= 64
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(t.to_string())
    } else {
        Err(invalid_args(
            format!("{id:?} is not an id"),
            "use an id from the list action",
        ))
    }
}

// What infomaniak_manage_mail_signatures does (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureAction {
    Create,
    Update,
    Delete,
    SetDefaults,
    CreateTemplate,
    UpdateTemplate,
    DeleteTemplate,
    CreateSignatures,
}

/// Arguments of `infomaniak_manage_mail_signatures`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageSignaturesArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: Option<String>,
    pub action: SignatureAction,
    pub id: Option<String>,
    pub payload: Option<Map<String, Value>>,
}

/// Plans one signature or template action.
pub fn plan_signatures(ctx: &Ctx, a: ManageSignaturesArgs) -> Result<Planned<Outcome>, ToolError> {
    use SignatureAction::*;
    let api = ctx.api();
    let id = a.mail_hosting_id;
    let body = payload(&a.payload);
    let templates = format!("{}/signatures/templates", hosting_path(id));
    match a.action {
        Create | Update | Delete | SetDefaults => {
            let name = mailbox_name(&need(&a.mailbox_name, "mailbox_name")?)?;
            let base = format!("{}/signatures", mailbox_path(id, &name));
            let all = get(&api, &base, &[])?;
            match a.action {
                Create => one_write(
                    ctx,
                    format!("Create a signature on mailbox {name}."),
                    format!("{name}: signatures"),
                    &all["signatures"],
                    HttpMethod::Post,
                    base,
                    body,
                ),
                SetDefaults => {
                    let before = json!({"default_signature_id": all["default_signature_id"], "default_reply_signature_id": all["default_reply_signature_id"]});
                    one_write(
                        ctx,
                        format!("Change the default signatures of mailbox {name}."),
                        format!("{name}: default signatures"),
                        &before,
                        HttpMethod::Post,
                        format!("{base}/set_defaults"),
                        body,
                    )
                }
                _ => {
                    let sid = id_segment(&need(&a.id, "id")?)?;
                    let current = get(&api, &format!("{base}/{sid}"), &[])?;
                    let method = if a.action == Update {
                        HttpMethod::Patch
                    } else {
                        HttpMethod::Delete
                    };
                    let verb = if a.action == Update {
                        "Update"
                    } else {
                        "Delete"
                    };
                    one_write(
                        ctx,
                        format!("{verb} signature {sid} of mailbox {name}."),
                        format!("{name}: signature {sid}"),
                        &current,
                        method,
                        format!("{base}/{sid}"),
                        body,
                    )
                }
            }
        }
        CreateTemplate => {
            let all = get(&api, &templates, &[])?;
            one_write(
                ctx,
                format!("Create a signature template on mail hosting {id}."),
                "signature templates".into(),
                &all,
                HttpMethod::Post,
                templates,
                body,
            )
        }
        UpdateTemplate | DeleteTemplate | CreateSignatures => {
            let tid = id_segment(&need(&a.id, "id")?)?;
            let current = get(&api, &format!("{templates}/{tid}"), &[])?;
            let (method, path, summary) = match a.action {
                UpdateTemplate => (
                    HttpMethod::Put,
                    format!("{templates}/{tid}"),
                    format!("Update signature template {tid}."),
                ),
                DeleteTemplate => (
                    HttpMethod::Delete,
                    format!("{templates}/{tid}"),
                    format!("Delete signature template {tid}."),
                ),
                _ => (
                    HttpMethod::Post,
                    format!("{templates}/{tid}/create_signatures"),
                    format!("Create signatures from template {tid} for the hosting's mailboxes."),
                ),
            };
            one_write(
                ctx,
                summary,
                format!("signature template {tid}"),
                &current,
                method,
                path,
                body,
            )
        }
    }
}

// What to read of webmail accesses (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WebmailRead {
    Inventory,
    Users,
}

/// Arguments of `infomaniak_get_mail_webmail_access`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetWebmailArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub action: WebmailRead,
}

/// `infomaniak_get_mail_webmail_access`: who reaches the mailbox through webmail, all pages.
pub fn get_webmail(ctx: &Ctx, a: GetWebmailArgs) -> Result<crate::hostings::Items, ToolError> {
    let base = format!(
        "{}/accesses/webmail",
        mailbox_path(a.mail_hosting_id, &mailbox_name(&a.mailbox_name)?)
    );
    let path = if a.action == WebmailRead::Users {
        format!("{base}/users")
    } else {
        base
    };
    Ok(crate::hostings::Items::of(Value::Array(
        ctx.api()
            .list_all(&path, &[])
            .map_err(crate::common::refine)?,
    )))
}

// What infomaniak_manage_mail_webmail_access does (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebmailAction {
    CreateUser,
    UpdateUser,
    DeleteUser,
    CreateInvitation,
    SendInvitation,
}

/// Arguments of `infomaniak_manage_mail_webmail_access`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageWebmailArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub action: WebmailAction,
    pub user_id: Option<u64>,
    pub invitation_id: Option<String>,
    pub payload: Option<Map<String, Value>>,
}

/// Plans one webmail access action.
pub fn plan_webmail(ctx: &Ctx, a: ManageWebmailArgs) -> Result<Planned<Outcome>, ToolError> {
    use WebmailAction::*;
    let name = mailbox_name(&a.mailbox_name)?;
    let base = format!(
        "{}/accesses/webmail",
        mailbox_path(a.mail_hosting_id, &name)
    );
    let users = ctx
        .api()
        .list_all(&format!("{base}/users"), &[])
        .map_err(crate::common::refine)?;
    let mut body = payload(&a.payload);
    let target = format!("{name}: webmail access");
    match a.action {
        CreateUser => {
            let uid = need(&a.user_id, "user_id")?;
            if users.iter().any(|u| u["id"] == uid) {
                return unchanged(json!({"users": users}));
            }
            body["user_id"] = json!(uid);
            one_write(
                ctx,
                format!("Give user {uid} webmail access to mailbox {name}."),
                target,
                &json!(users),
                HttpMethod::Post,
                base,
                body,
            )
        }
        UpdateUser | DeleteUser => {
            let uid = need(&a.user_id, "user_id")?;
            let user = users
                .iter()
                .find(|u| u["id"] == uid)
                .cloned()
                .ok_or_else(|| {
                    ikmcp_pdk::error::not_found(
                        format!("user {uid} has no webmail access to {name}"),
                        "action users of infomaniak_get_mail_webmail_access lists them",
                    )
                })?;
            let (method, verb) = if a.action == UpdateUser {
                (HttpMethod::Patch, "Change the permissions of")
            } else {
                (HttpMethod::Delete, "Remove the webmail access of")
            };
            if method == HttpMethod::Patch && body.get("permissions").is_none() {
                return Err(invalid_args(
                    "update_user needs payload.permissions",
                    "give payload {permissions: {can_manage_filters: true, …}}",
                ));
            }
            one_write(
                ctx,
                format!("{verb} user {uid} on mailbox {name}."),
                format!("{target} of user {uid}"),
                &user,
                method,
                format!("{base}/users/{uid}"),
                body,
            )
        }
        CreateInvitation => one_write(
            ctx,
            format!("Create a webmail invitation to mailbox {name}."),
            target,
            &json!(users),
            HttpMethod::Post,
            format!("{base}/invitations"),
            body,
        ),
        SendInvitation => {
            let inv = id_segment(&need(&a.invitation_id, "invitation_id")?)?;
            if body.get("email").and_then(Value::as_str).is_none() {
                return Err(invalid_args(
                    "send_invitation needs payload.email",
                    "give payload {email: \"name@example.com\"}",
                ));
            }
            one_write(
                ctx,
                format!(
                    "Send webmail invitation {inv} of mailbox {name} to {}.",
                    body["email"]
                ),
                format!("{target}: invitation {inv}"),
                &json!({"invitation": inv}),
                HttpMethod::Post,
                format!("{base}/invitations/{inv}/send"),
                body,
            )
        }
    }
}

// What to read of device accesses (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceRead {
    Inventory,
    ListUser,
}

/// Arguments of `infomaniak_get_mail_device_access`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetDevicesArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: Option<String>,
    pub action: DeviceRead,
    pub user_id: Option<u64>,
}

/// `infomaniak_get_mail_device_access`: devices of a mailbox (or of a user, or every
/// device of the account), all pages.
pub fn get_devices(ctx: &Ctx, a: GetDevicesArgs) -> Result<crate::hostings::Items, ToolError> {
    let path = match (&a.mailbox_name, a.action) {
        (Some(m), DeviceRead::Inventory) => format!(
            "{}/accesses/devices",
            mailbox_path(a.mail_hosting_id, &mailbox_name(m)?)
        ),
        (Some(m), DeviceRead::ListUser) => format!(
            "{}/accesses/devices/users/{}",
            mailbox_path(a.mail_hosting_id, &mailbox_name(m)?),
            need(&a.user_id, "user_id")?
        ),
        (None, DeviceRead::Inventory) => "/1/mail_hostings/accesses/devices".to_string(),
        (None, DeviceRead::ListUser) => format!(
            "{}/accesses/devices/users/{}",
            hosting_path(a.mail_hosting_id),
            need(&a.user_id, "user_id")?
        ),
    };
    Ok(crate::hostings::Items::of(Value::Array(
        ctx.api()
            .list_all(&path, &[])
            .map_err(crate::common::refine)?,
    )))
}

// What infomaniak_manage_mail_device_access does (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceAction {
    DeleteUserDevice,
    DeleteUserDevices,
}

/// Arguments of `infomaniak_manage_mail_device_access`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageDevicesArgs {
    pub mail_hosting_id: u64,
    pub mailbox_name: String,
    pub action: DeviceAction,
    pub device_access: Option<u64>,
    pub user_id: Option<u64>,
}

/// Plans the removal of one device access, or of every device of a user, on a mailbox.
pub fn plan_devices(ctx: &Ctx, a: ManageDevicesArgs) -> Result<Planned<Outcome>, ToolError> {
    let name = mailbox_name(&a.mailbox_name)?;
    let base = format!(
        "{}/accesses/devices",
        mailbox_path(a.mail_hosting_id, &name)
    );
    let all = ctx
        .api()
        .list_all(&base, &[])
        .map_err(crate::common::refine)?;
    match a.action {
        DeviceAction::DeleteUserDevice => {
            let d = need(&a.device_access, "device_access")?;
            let current = all.iter().find(|x| x["id"] == d).cloned().ok_or_else(|| {
                ikmcp_pdk::error::not_found(
                    format!("mailbox {name} has no device access {d}"),
                    "infomaniak_get_mail_device_access lists them",
                )
            })?;
            one_write(
                ctx,
                format!(
                    "Disconnect device access {d} from mailbox {name}; the device must log in again."
                ),
                format!("{name}: device access {d}"),
                &current,
                HttpMethod::Delete,
                format!("{base}/{d}"),
                json!(null),
            )
        }
        DeviceAction::DeleteUserDevices => {
            let uid = need(&a.user_id, "user_id")?;
            let path = format!("{base}/users/{uid}");
            let theirs = ctx
                .api()
                .list_all(&path, &[])
                .map_err(crate::common::refine)?;
            if theirs.is_empty() {
                return unchanged(json!([]));
            }
            one_write(
                ctx,
                format!("Disconnect every device of user {uid} from mailbox {name}."),
                format!("{name}: devices of user {uid}"),
                &json!(theirs),
                HttpMethod::Delete,
                path,
                json!(null),
            )
        }
    }
}
