//! Signatures, webmail accesses and device accesses of a mailbox (mail.json). Writes take
//! the API's own request body as `payload`: the plan pins it as given and the tenant (and
//! the API) validate it against mail.json.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::common::{
    Outcome, get, hosting_path, list_all, mailbox_name, mailbox_path, object, unchanged,
};

/// Largest signature image accepted, in base64 characters (2 MB of image).
const MAX_IMAGE: usize = 2_796_204;

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
        // The hosting's templates are paged (mail.json `Pagination`): every page.
        SignatureRead::List if a.mailbox_name.is_none() => {
            let all = list_all(&ctx.api(), &base)?;
            return Ok([("templates".to_string(), json!(all))]
                .into_iter()
                .collect());
        }
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
    Upload,
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
        Upload => {
            // mail.json `POST …/signatures/upload` (a mailbox's) or
            // `POST …/signatures/templates/upload` (the hosting's): `{image}` in base64;
            // the answer is the image's URL, to put in a signature's content.
            let image = body["image"].as_str().unwrap_or_default();
            let b64 = |c: char| c.is_ascii_alphanumeric() || "+/=".contains(c);
            if image.is_empty() || image.len() > MAX_IMAGE || !image.chars().all(b64) {
                return Err(invalid_args(
                    "upload needs payload.image: a png, jpg, svg or gif in base64 (≤ 2 MB)",
                    "give payload {image: \"iVBORw0…\"}, then use the URL it answers in a signature's content",
                ));
            }
            let (base, target) = match &a.mailbox_name {
                Some(m) => {
                    let name = mailbox_name(m)?;
                    (
                        format!("{}/signatures", mailbox_path(id, &name)),
                        format!("{name}: signature images"),
                    )
                }
                None => (templates.clone(), "signature template images".into()),
            };
            one_write(
                ctx,
                format!(
                    "Upload a signature image ({} bytes) to {target}.",
                    image.len() / 4 * 3
                ),
                target,
                &json!(null),
                HttpMethod::Post,
                format!("{base}/upload"),
                body,
            )
        }
        CreateTemplate => {
            let all = json!(list_all(&api, &templates)?);
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
#[serde(rename_all = "snake_case")]
pub enum WebmailRead {
    Inventory,
    Users,
    AccountUser,
    // The peers' team views, kept so their callers learn why they are refused
    // (`TEAMS_LEFT_OUT`).
    UserTeamAccesses,
    TeamIndividualUsers,
    AccountTeam,
}

/// Why the peers' webmail team actions are refused, and what to do instead.
const TEAMS_LEFT_OUT: (&str, &str) = (
    "webmail team accesses have no documented route: mail.json and infomaniak-api.md list none under accesses/webmail (the peers call undocumented ones)",
    "give the team's members access one by one (infomaniak_manage_mail_webmail_access action create_user), and read a person's accesses with action account_user",
);

/// Arguments of `infomaniak_get_mail_webmail_access`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetWebmailArgs {
    pub mail_hosting_id: Option<u64>,
    pub mailbox_name: Option<String>,
    pub action: WebmailRead,
    pub account_id: Option<u64>,
    pub user_id: Option<u64>,
}

/// `infomaniak_get_mail_webmail_access`: who reaches a mailbox through webmail, or every
/// mailbox one person reaches in an account, all pages.
pub fn get_webmail(ctx: &Ctx, a: GetWebmailArgs) -> Result<crate::hostings::Items, ToolError> {
    use WebmailRead::*;
    let path = match a.action {
        Inventory | Users => {
            let base = format!(
                "{}/accesses/webmail",
                mailbox_path(
                    need(&a.mail_hosting_id, "mail_hosting_id")?,
                    &mailbox_name(&need(&a.mailbox_name, "mailbox_name")?)?
                )
            );
            if a.action == Users {
                format!("{base}/users")
            } else {
                base
            }
        }
        // mail.json `GET /1/mail_hostings/accesses/webmail/accounts/{account_id}/users/{user_id}`.
        AccountUser => format!(
            "/1/mail_hostings/accesses/webmail/accounts/{}/users/{}",
            need(&a.account_id, "account_id")?,
            need(&a.user_id, "user_id")?
        ),
        UserTeamAccesses | TeamIndividualUsers | AccountTeam => {
            return Err(invalid_args(TEAMS_LEFT_OUT.0, TEAMS_LEFT_OUT.1));
        }
    };
    Ok(crate::hostings::Items::of(Value::Array(list_all(
        &ctx.api(),
        &path,
    )?)))
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
    // The peers' team grant, refused with the reason (`TEAMS_LEFT_OUT`).
    BulkCreateTeams,
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
    if a.action == BulkCreateTeams {
        return Err(invalid_args(TEAMS_LEFT_OUT.0, TEAMS_LEFT_OUT.1));
    }
    let name = mailbox_name(&a.mailbox_name)?;
    let base = format!(
        "{}/accesses/webmail",
        mailbox_path(a.mail_hosting_id, &name)
    );
    let users = list_all(&ctx.api(), &format!("{base}/users"))?;
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
        BulkCreateTeams => unreachable!("refused above"),
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
    Ok(crate::hostings::Items::of(Value::Array(list_all(
        &ctx.api(),
        &path,
    )?)))
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
    /// Omit: account-wide.
    pub mailbox_name: Option<String>,
    pub action: DeviceAction,
    /// Or a device id, account-wide.
    pub device_access: Option<u64>,
    pub user_id: Option<u64>,
}

/// Plans the disconnection of one device from every mailbox of the account
/// (`DELETE /1/mail_hostings/accesses/devices/{device}`, mail.json). Removing every device
/// of a user at the hosting level has no documented route (the peers'
/// `DELETE /{id}/accesses/devices/users/{user_id}` is in neither mail.json nor
/// infomaniak-api.md): it is refused with the documented ways to do it.
fn plan_account_device(ctx: &Ctx, a: &ManageDevicesArgs) -> Result<Planned<Outcome>, ToolError> {
    if a.action == DeviceAction::DeleteUserDevices {
        return Err(invalid_args(
            "removing every device of a user needs mailbox_name: the API documents no hosting-wide route for it",
            "give mailbox_name (one call per mailbox), or disconnect each device without mailbox_name: infomaniak_get_mail_device_access action list_user (no mailbox_name) lists the user's devices, then action delete_user_device with device_access = the device's id",
        ));
    }
    let d = need(&a.device_access, "device_access (the device's id)")?;
    let path = "/1/mail_hostings/accesses/devices";
    let current = list_all(&ctx.api(), path)?
        .into_iter()
        .find(|x| x["id"] == d)
        .ok_or_else(|| {
            ikmcp_pdk::error::not_found(
                format!("the account has no device {d}"),
                "infomaniak_get_mail_device_access action inventory without mailbox_name lists the devices and their ids",
            )
        })?;
    one_write(
        ctx,
        format!(
            "Disconnect device {d} ({}) from every mailbox; it must log in again.",
            current["label"].as_str().unwrap_or("unnamed")
        ),
        format!("device {d}"),
        &current,
        HttpMethod::Delete,
        format!("{path}/{d}"),
        json!(null),
    )
}

/// Plans the removal of one device access, or of every device of a user, on a mailbox;
/// without a mailbox, of one device from the whole account.
pub fn plan_devices(ctx: &Ctx, a: ManageDevicesArgs) -> Result<Planned<Outcome>, ToolError> {
    let Some(mailbox) = &a.mailbox_name else {
        return plan_account_device(ctx, &a);
    };
    let name = mailbox_name(mailbox)?;
    let base = format!(
        "{}/accesses/devices",
        mailbox_path(a.mail_hosting_id, &name)
    );
    let all = list_all(&ctx.api(), &base)?;
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
            let theirs = list_all(&ctx.api(), &path)?;
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
