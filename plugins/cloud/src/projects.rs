//! Public Cloud projects and their users: reads, and the two manage tools. Project and user
//! writes are asynchronous upstream (HTTP 202, Q12): the apply reports that and names the
//! read tool that shows the status.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::listing::{ItemOutput, ListOutput, not_found_hint};
use ikmcp_pdk::payload::{self, Kind, opt, req};
use ikmcp_pdk::single_write::{self as write, Op, WriteOutput};
use ikmcp_pdk::{Api, Ctx, HttpMethod, Plan, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::clouds::CloudArgs;
use crate::{GET_PROJECT, LIST_CLOUDS, LIST_PROJECTS, LIST_USERS};

/// The path of a public cloud's projects.
pub fn projects_path(cloud: u64) -> String {
    format!("/1/public_clouds/{cloud}/projects")
}

/// The path of one project.
pub fn project_path(cloud: u64, project: u64) -> String {
    format!("/1/public_clouds/{cloud}/projects/{project}")
}

/// `GET /1/public_clouds/{id}/projects`, all pages (public-cloud.json).
pub fn list(ctx: &Ctx, a: CloudArgs) -> Result<ListOutput, ToolError> {
    let items = ctx
        .api()
        .list_all(&projects_path(a.public_cloud_id), &[])
        .map_err(|e| not_found_hint(e, LIST_CLOUDS))?;
    Ok(ListOutput::of(items))
}

/// Arguments naming a project.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectArgs {
    pub public_cloud_id: u64,
    pub project_id: u64,
}

/// Reads one project.
pub fn fetch(api: &Api, cloud: u64, project: u64) -> Result<Value, ToolError> {
    api.get(&project_path(cloud, project), &[])
        .map_err(|e| not_found_hint(e, LIST_PROJECTS))
}

/// `GET /1/public_clouds/{id}/projects/{project}` (public-cloud.json).
pub fn get(ctx: &Ctx, a: ProjectArgs) -> Result<ItemOutput, ToolError> {
    Ok(ItemOutput {
        item: fetch(&ctx.api(), a.public_cloud_id, a.project_id)?,
    })
}

/// `GET …/projects/{project}/users`, all pages (public-cloud.json).
pub fn users(ctx: &Ctx, a: ProjectArgs) -> Result<ListOutput, ToolError> {
    let path = format!("{}/users", project_path(a.public_cloud_id, a.project_id));
    let items = ctx
        .api()
        .list_all(&path, &[])
        .map_err(|e| not_found_hint(e, LIST_PROJECTS))?;
    Ok(ListOutput::of(items))
}

// Project actions (no doc comment: the values are the description). `create` exists so the
// refusal can say what to use instead: it needs a password (see payload.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectAction {
    Create,
    Invite,
    Update,
    Delete,
}

/// Arguments of `infomaniak_manage_public_cloud_project`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageProjectArgs {
    pub public_cloud_id: u64,
    pub action: ProjectAction,
    /// update, delete.
    pub project_id: Option<u64>,
    /// invite: project_name, user_email, user_description; update: name.
    pub payload: Option<Map<String, Value>>,
}

fn need(id: Option<u64>, name: &str, action: &str) -> Result<u64, ToolError> {
    id.ok_or_else(|| {
        invalid_args(
            format!("{action} needs {name}"),
            format!("give {name} (see the list tools)"),
        )
    })
}

fn no_passwords(action: &str) -> ToolError {
    invalid_args(
        format!("{action} needs a password, and ikmcp does not carry passwords"),
        "use action invite instead: the person receives an e-mail and sets their own password",
    )
}

fn name_of(v: &Value) -> String {
    v.get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Plans a project write. A deletion reads what goes with the project (users, Database and
/// Kubernetes services) and lists each as lost.
pub fn plan_project(ctx: &Ctx, a: ManageProjectArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let api = ctx.api();
    let cloud = a.public_cloud_id;
    let follow = |p: &str| format!("{GET_PROJECT} {{public_cloud_id: {cloud}, project_id: {p}}}");
    let op = match a.action {
        ProjectAction::Create => return Err(no_passwords("create")),
        ProjectAction::Invite => {
            // POST /1/public_clouds/{id}/projects/invite (public-cloud.json, 202).
            let body = payload::body(
                "invite",
                a.payload.as_ref(),
                &[
                    req("project_name", Kind::Text),
                    req("user_email", Kind::Text),
                    opt("user_description", Kind::Text),
                ],
            )?;
            api.get(&format!("/1/public_clouds/{cloud}"), &[])
                .map_err(|e| not_found_hint(e, LIST_CLOUDS))?;
            Op {
                target: format!("public cloud {cloud}: new project {}", body["project_name"]),
                action: "create",
                summary: format!(
                    "Create project {} in public cloud {cloud}, its first user invited by e-mail at {}. Infomaniak creates it asynchronously.",
                    body["project_name"], body["user_email"]
                ),
                before: None,
                after: Some(body.clone()),
                lost: vec![],
                method: HttpMethod::Post,
                path: format!("{}/invite", projects_path(cloud)),
                body: Some(body),
                follow_up: format!("{LIST_PROJECTS} {{public_cloud_id: {cloud}}}"),
            }
        }
        ProjectAction::Update => {
            // PATCH /1/public_clouds/{id}/projects/{project} (public-cloud.json, 202).
            let project = need(a.project_id, "project_id", "update")?;
            let body = payload::body("update", a.payload.as_ref(), &[req("name", Kind::Text)])?;
            let current = fetch(&api, cloud, project)?;
            Op {
                target: format!("project {project} of public cloud {cloud}"),
                action: "update",
                summary: format!(
                    "Rename project {project} from {:?} to {}.",
                    name_of(&current),
                    body["name"]
                ),
                before: Some(json!({"name": name_of(&current)})),
                after: Some(body.clone()),
                lost: vec![],
                method: HttpMethod::Patch,
                path: project_path(cloud, project),
                body: Some(body),
                follow_up: follow(&project.to_string()),
            }
        }
        ProjectAction::Delete => {
            // DELETE /1/public_clouds/{id}/projects/{project} (public-cloud.json, 202).
            let project = need(a.project_id, "project_id", "delete")?;
            if a.payload.as_ref().is_some_and(|p| !p.is_empty()) {
                return Err(invalid_args(
                    "delete takes no payload",
                    "call again without payload",
                ));
            }
            let current = fetch(&api, cloud, project)?;
            let base = project_path(cloud, project);
            let mut lost = Vec::new();
            for (kind, path, id) in [
                ("Database service", "dbaas", "id"),
                ("Kubernetes service", "kaas", "kaas_id"),
                ("user", "users", "public_cloud_user_id"),
            ] {
                for item in api.list_all(&format!("{base}/{path}"), &[])? {
                    let label = item
                        .get("name")
                        .or(item.get("description"))
                        .cloned()
                        .unwrap_or(Value::Null);
                    let item_id = item.get(id).cloned().unwrap_or(Value::Null);
                    lost.push((
                        format!("{kind} {item_id} ({label}) of project {project}"),
                        item,
                    ));
                }
            }
            let count = |k: &str| lost.iter().filter(|(t, _)| t.starts_with(k)).count();
            Op {
                target: format!("project {project} of public cloud {cloud}"),
                action: "delete",
                summary: format!(
                    "Delete project {project} ({:?}) and everything in it: {} Database service(s), {} Kubernetes service(s), {} user(s) and their OpenStack credentials. This cannot be undone.",
                    name_of(&current),
                    count("Database"),
                    count("Kubernetes"),
                    count("user")
                ),
                before: Some(current),
                after: None,
                lost,
                method: HttpMethod::Delete,
                path: base,
                body: None,
                follow_up: format!("{LIST_PROJECTS} {{public_cloud_id: {cloud}}}"),
            }
        }
    };
    op.plan(ctx)
}

/// Performs the confirmed project write.
pub fn apply_project(
    ctx: &Ctx,
    _: ManageProjectArgs,
    confirmed: &Plan,
) -> Result<WriteOutput, ToolError> {
    write::apply(ctx, confirmed)
}

// User actions (no doc comment: the values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    Create,
    Invite,
    InviteExisting,
    Update,
    Delete,
}

/// Arguments of `infomaniak_manage_public_cloud_project_user`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageUserArgs {
    pub public_cloud_id: u64,
    pub project_id: u64,
    pub action: UserAction,
    /// invite_existing, update, delete.
    pub user_id: Option<u64>,
    /// invite*: email, description; update: description, email.
    pub payload: Option<Map<String, Value>>,
}

/// Plans a project-user write.
pub fn plan_user(ctx: &Ctx, a: ManageUserArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let api = ctx.api();
    let (cloud, project) = (a.public_cloud_id, a.project_id);
    let users = format!("{}/users", project_path(cloud, project));
    let follow_up = format!("{LIST_USERS} {{public_cloud_id: {cloud}, project_id: {project}}}");
    let user = |id: u64| {
        api.get(&format!("{users}/{id}"), &[])
            .map_err(|e| not_found_hint(e, LIST_USERS))
    };
    let invite_fields = [req("email", Kind::Text), opt("description", Kind::Text)];
    let op = match a.action {
        UserAction::Create => return Err(no_passwords("create")),
        UserAction::Invite => {
            // POST …/users/invite (public-cloud.json, 202).
            let body = payload::body("invite", a.payload.as_ref(), &invite_fields)?;
            fetch(&api, cloud, project)?;
            Op {
                target: format!("project {project}: new user"),
                action: "create",
                summary: format!(
                    "Invite {} as a new user of project {project}; Infomaniak creates the user asynchronously.",
                    body["email"]
                ),
                before: None,
                after: Some(body.clone()),
                lost: vec![],
                method: HttpMethod::Post,
                path: format!("{users}/invite"),
                body: Some(body),
                follow_up,
            }
        }
        UserAction::InviteExisting | UserAction::Update => {
            let existing = a.action == UserAction::InviteExisting;
            let id = need(
                a.user_id,
                "user_id",
                if existing {
                    "invite_existing"
                } else {
                    "update"
                },
            )?;
            let body = if existing {
                payload::body("invite_existing", a.payload.as_ref(), &invite_fields)?
            } else {
                payload::body(
                    "update",
                    a.payload.as_ref(),
                    &[opt("description", Kind::Text), opt("email", Kind::Text)],
                )?
            };
            let current = user(id)?;
            Op {
                target: format!("user {id} of project {project}"),
                action: if existing { "invite" } else { "update" },
                summary: if existing {
                    format!(
                        "Send user {id} of project {project} an invitation at {}.",
                        body["email"]
                    )
                } else {
                    format!("Change user {id} of project {project}.")
                },
                before: Some(write::before_of(&current, &body)),
                after: Some(body.clone()),
                lost: vec![],
                // POST …/users/{id}/invite (202) or PATCH …/users/{id} (200), public-cloud.json.
                method: if existing {
                    HttpMethod::Post
                } else {
                    HttpMethod::Patch
                },
                path: if existing {
                    format!("{users}/{id}/invite")
                } else {
                    format!("{users}/{id}")
                },
                body: Some(body),
                follow_up,
            }
        }
        UserAction::Delete => {
            // DELETE …/users/{id} (public-cloud.json, 202).
            let id = need(a.user_id, "user_id", "delete")?;
            let current = user(id)?;
            Op {
                target: format!("user {id} of project {project}"),
                action: "delete",
                summary: format!(
                    "Delete OpenStack user {id} ({}) of project {project}: its credentials (openrc, application credentials) stop working.",
                    current
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                ),
                before: Some(current),
                after: None,
                lost: vec![],
                method: HttpMethod::Delete,
                path: format!("{users}/{id}"),
                body: None,
                follow_up,
            }
        }
    };
    op.plan(ctx)
}

/// Performs the confirmed project-user write.
pub fn apply_user(
    ctx: &Ctx,
    _: ManageUserArgs,
    confirmed: &Plan,
) -> Result<WriteOutput, ToolError> {
    write::apply(ctx, confirmed)
}
