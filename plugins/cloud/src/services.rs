//! Database services (DBaaS) and Kubernetes services (KaaS) of Public Cloud projects:
//! lists (one project, or account-wide), one service, and the two manage tools.
//!
//! A DBaaS `connection` comes as `[]` until the service is ready (Q13) and its `port` as a
//! string (Q10); reads return `connection: null` or the object with a numeric port, and
//! never its password. `reset_password` is the one way to a password: a confirmed plan
//! whose apply returns the new one, once.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::listing::{ItemOutput, ListOutput, not_found_hint, per_account};
use ikmcp_pdk::payload::{self, Kind, opt, req};
use ikmcp_pdk::single_write::{self as write, Op, WriteOutput};
use ikmcp_pdk::{Api, Ctx, HttpMethod, Plan, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::projects::project_path;
use crate::{GET_DBAAS, GET_KAAS, LIST_DBAAS, LIST_KAAS};

/// Which kind of service a tool handles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Service {
    /// Database services, `…/dbaas`.
    Dbaas,
    /// Kubernetes services, `…/kaas`.
    Kaas,
}

impl Service {
    fn segment(self) -> &'static str {
        match self {
            Service::Dbaas => "dbaas",
            Service::Kaas => "kaas",
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Service::Dbaas => "Database service",
            Service::Kaas => "Kubernetes service",
        }
    }
    fn list_tool(self) -> &'static str {
        match self {
            Service::Dbaas => LIST_DBAAS,
            Service::Kaas => LIST_KAAS,
        }
    }
}

/// The Q10/Q13 normalization of a DBaaS item, and no password.
pub fn clean(mut item: Value) -> Value {
    if let Some(conn) = item.get_mut("connection") {
        match conn {
            Value::Object(c) => {
                c.remove("password");
                numeric_port(c);
            }
            _ => *conn = Value::Null,
        }
    }
    if let Some(obj) = item.as_object_mut() {
        obj.remove("admin_password");
    }
    item
}

/// The connection a password reset answers, as the client gets it: host, numeric port
/// (Q10), user, the new password and the CA. `uri` and `command` are dropped: they
/// repeat the password inside a longer string, where no key-name redaction (the audit
/// log's) can find it, and say nothing the other fields do not.
pub fn new_password(mut connection: Value) -> Value {
    if let Some(c) = connection.as_object_mut() {
        c.remove("uri");
        c.remove("command");
        numeric_port(c);
    }
    connection
}

/// A connection's `port`, which the API sends as a string (Q10), as a number.
fn numeric_port(connection: &mut Map<String, Value>) {
    if let Some(port) = connection
        .get("port")
        .and_then(Value::as_str)
        .and_then(|p| p.parse::<u64>().ok())
    {
        connection.insert("port".into(), json!(port));
    }
}

/// Arguments of the two list tools.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Account-wide list: default every account.
    pub account_id: Option<u64>,
    pub public_cloud_id: Option<u64>,
    /// One project (needs public_cloud_id).
    pub project_id: Option<u64>,
}

fn list(ctx: &Ctx, a: ListArgs, s: Service) -> Result<ListOutput, ToolError> {
    let api = ctx.api();
    let items = match (a.public_cloud_id, a.project_id) {
        // GET /1/public_clouds/{id}/projects/{project}/{dbaas|kaas} (public-cloud.json).
        (Some(cloud), Some(project)) => api
            .list_all(
                &format!("{}/{}", project_path(cloud, project), s.segment()),
                &[],
            )
            .map_err(|e| not_found_hint(e, crate::LIST_PROJECTS))?,
        (None, Some(_)) => {
            return Err(invalid_args(
                "project_id needs public_cloud_id",
                "give public_cloud_id too (infomaniak_list_public_clouds)",
            ));
        }
        // GET /1/public_clouds/{dbaas|kaas}?account_id=[&public_cloud_id=] (public-cloud.json).
        (cloud, None) => {
            let cloud = cloud.map(|c| c.to_string());
            let extra: Vec<(&str, &str)> = cloud
                .iter()
                .map(|c| ("public_cloud_id", c.as_str()))
                .collect();
            per_account(
                &api,
                &format!("/1/public_clouds/{}", s.segment()),
                a.account_id,
                &extra,
            )?
        }
    };
    Ok(ListOutput::of(items.into_iter().map(clean).collect()))
}

/// `infomaniak_list_public_cloud_database_services`.
pub fn list_dbaas(ctx: &Ctx, a: ListArgs) -> Result<ListOutput, ToolError> {
    list(ctx, a, Service::Dbaas)
}

/// `infomaniak_list_public_cloud_kubernetes_services`.
pub fn list_kaas(ctx: &Ctx, a: ListArgs) -> Result<ListOutput, ToolError> {
    list(ctx, a, Service::Kaas)
}

/// Arguments naming one Database service.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DbaasArgs {
    pub public_cloud_id: u64,
    pub project_id: u64,
    pub dbaas_id: u64,
}

/// Arguments naming one Kubernetes service.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KaasArgs {
    pub public_cloud_id: u64,
    pub project_id: u64,
    pub kaas_id: u64,
}

fn service_path(s: Service, cloud: u64, project: u64, id: u64) -> String {
    format!("{}/{}/{id}", project_path(cloud, project), s.segment())
}

fn fetch(api: &Api, s: Service, cloud: u64, project: u64, id: u64) -> Result<Value, ToolError> {
    let query: &[(&str, &str)] = match s {
        Service::Dbaas => &[("with", "connection")],
        Service::Kaas => &[],
    };
    api.get(&service_path(s, cloud, project, id), query)
        .map(clean)
        .map_err(|e| not_found_hint(e, s.list_tool()))
}

/// `GET …/dbaas/{id}?with=connection` (public-cloud.json).
pub fn get_dbaas(ctx: &Ctx, a: DbaasArgs) -> Result<ItemOutput, ToolError> {
    Ok(ItemOutput {
        item: fetch(
            &ctx.api(),
            Service::Dbaas,
            a.public_cloud_id,
            a.project_id,
            a.dbaas_id,
        )?,
    })
}

/// `GET …/kaas/{id}` (public-cloud.json).
pub fn get_kaas(ctx: &Ctx, a: KaasArgs) -> Result<ItemOutput, ToolError> {
    Ok(ItemOutput {
        item: fetch(
            &ctx.api(),
            Service::Kaas,
            a.public_cloud_id,
            a.project_id,
            a.kaas_id,
        )?,
    })
}

// Service actions (no doc comment: the values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DbaasAction {
    Create,
    Update,
    Delete,
    ResetPassword,
    ToggleSlowLogs,
}

/// Arguments of `infomaniak_manage_public_cloud_database_service`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageDbaasArgs {
    pub public_cloud_id: u64,
    pub project_id: u64,
    pub action: DbaasAction,
    pub dbaas_id: Option<u64>,
    /// create: name, pack_id, region, type, version, backup_schedule; update: name, pack_id; delete: keep_backup_files; reset_password: none.
    pub payload: Option<Map<String, Value>>,
}

// Service actions (no doc comment: the values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KaasAction {
    Create,
    Update,
    Delete,
}

/// Arguments of `infomaniak_manage_public_cloud_kubernetes_service`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManageKaasArgs {
    pub public_cloud_id: u64,
    pub project_id: u64,
    pub action: KaasAction,
    pub kaas_id: Option<u64>,
    /// create: name, kaas_pack_id, kubernetes_version, region; update: name, kubernetes_version.
    pub payload: Option<Map<String, Value>>,
}

/// The shared create/update/delete of one service.
struct ServiceWrite<'a> {
    s: Service,
    cloud: u64,
    project: u64,
    id: Option<u64>,
    payload: Option<&'a Map<String, Value>>,
}

impl ServiceWrite<'_> {
    fn follow(&self, id: Option<u64>) -> String {
        match (self.s, id) {
            (Service::Dbaas, Some(id)) => format!(
                "{GET_DBAAS} {{public_cloud_id: {}, project_id: {}, dbaas_id: {id}}}",
                self.cloud, self.project
            ),
            (Service::Kaas, Some(id)) => format!(
                "{GET_KAAS} {{public_cloud_id: {}, project_id: {}, kaas_id: {id}}}",
                self.cloud, self.project
            ),
            (s, None) => format!(
                "{} {{public_cloud_id: {}, project_id: {}}}",
                s.list_tool(),
                self.cloud,
                self.project
            ),
        }
    }

    fn id(&self, action: &str) -> Result<u64, ToolError> {
        let name = match self.s {
            Service::Dbaas => "dbaas_id",
            Service::Kaas => "kaas_id",
        };
        self.id.ok_or_else(|| {
            invalid_args(
                format!("{action} needs {name}"),
                format!("find it with {}", self.s.list_tool()),
            )
        })
    }

    fn create(&self, api: &Api, fields: &[payload::Field]) -> Result<Op, ToolError> {
        // POST …/{dbaas|kaas} (public-cloud.json, 201).
        let body = payload::body("create", self.payload, fields)?;
        crate::projects::fetch(api, self.cloud, self.project)?;
        Ok(Op {
            target: format!(
                "project {}: new {} {}",
                self.project,
                self.s.noun(),
                body["name"]
            ),
            action: "create",
            summary: format!(
                "Create {} {} in project {} (billed from creation).",
                self.s.noun(),
                body["name"],
                self.project
            ),
            before: None,
            after: Some(body.clone()),
            lost: vec![],
            method: HttpMethod::Post,
            path: format!(
                "{}/{}",
                project_path(self.cloud, self.project),
                self.s.segment()
            ),
            body: Some(body),
            follow_up: self.follow(None),
        })
    }

    fn update(&self, api: &Api, fields: &[payload::Field]) -> Result<Op, ToolError> {
        // PATCH …/{dbaas|kaas}/{id} (public-cloud.json).
        let id = self.id("update")?;
        let body = payload::body("update", self.payload, fields)?;
        let current = fetch(api, self.s, self.cloud, self.project, id)?;
        let before: Map<String, Value> = body
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| {
                // The item shows the pack as an object; compare its id as the API takes it.
                let now = match k.as_str() {
                    "pack_id" => current.pointer("/pack/id").map(|v| json!(v.to_string())),
                    _ => current.get(k).cloned(),
                };
                (k.clone(), now.unwrap_or(Value::Null))
            })
            .collect();
        Ok(Op {
            target: format!("{} {id} of project {}", self.s.noun(), self.project),
            action: "update",
            summary: format!(
                "Change {} {id} ({}) of project {}.",
                self.s.noun(),
                current.get("name").and_then(Value::as_str).unwrap_or(""),
                self.project
            ),
            before: Some(Value::Object(before)),
            after: Some(body.clone()),
            lost: vec![],
            method: HttpMethod::Patch,
            path: service_path(self.s, self.cloud, self.project, id),
            body: Some(body),
            follow_up: self.follow(Some(id)),
        })
    }

    fn reset_password(&self, api: &Api) -> Result<Op, ToolError> {
        // GET …/dbaas/{id}/reset_password (public-cloud.json "Reset Password", §7.7): a GET
        // that sets a new root password. The host's table of side-effecting reads
        // (host/src/upstream/unsafe_reads.rs) holds it back like a write: it leaves only
        // as this plan's pinned effect, once, never retried.
        let id = self.id("reset_password")?;
        if self.payload.is_some_and(|p| !p.is_empty()) {
            return Err(invalid_args(
                "reset_password takes no payload",
                "call it with public_cloud_id, project_id and dbaas_id only; the API chooses the new password",
            ));
        }
        let current = fetch(api, self.s, self.cloud, self.project, id)?;
        let name = current.get("name").and_then(Value::as_str).unwrap_or("");
        let Some(connection) = current.get("connection").filter(|c| c.is_object()) else {
            let status = current.get("status").and_then(Value::as_str).unwrap_or("?");
            return Err(invalid_args(
                format!(
                    "Database service {id} ({name}) has no connection yet (status {status}): the API cannot reset its password"
                ),
                format!("wait until it is ready: {}", self.follow(Some(id))),
            ));
        };
        let (user, host) = (
            connection
                .get("user")
                .and_then(Value::as_str)
                .unwrap_or("?"),
            connection
                .get("host")
                .and_then(Value::as_str)
                .unwrap_or("?"),
        );
        Ok(Op {
            target: format!(
                "root password of Database service {id} of project {}",
                self.project
            ),
            action: "reset_password",
            summary: format!(
                "Reset the root password of Database service {id} ({name}) of project {}: the current password of {user}@{host} stops working at once, and every client connected with it loses access until it is given the new one. The apply returns the new password once; it is not shown anywhere else.",
                self.project
            ),
            before: Some(
                json!({"user": user, "host": host, "password": "current (stops working)"}),
            ),
            after: Some(
                json!({"user": user, "host": host, "password": "new, chosen by the API, returned by the apply"}),
            ),
            lost: vec![(
                format!("access of every client using {user}@{host} with the current password"),
                connection.clone(),
            )],
            method: HttpMethod::Get,
            path: format!(
                "{}/reset_password",
                service_path(self.s, self.cloud, self.project, id)
            ),
            body: None,
            follow_up: self.follow(Some(id)),
        })
    }

    fn delete(&self, api: &Api) -> Result<Op, ToolError> {
        // DELETE …/{dbaas|kaas}/{id} (public-cloud.json); DBaaS takes {keep_backup_files}.
        let id = self.id("delete")?;
        let fields: &[payload::Field] = match self.s {
            Service::Dbaas => &[opt("keep_backup_files", Kind::Bool)],
            Service::Kaas => &[],
        };
        let body = match self.payload {
            Some(p) if !p.is_empty() => Some(payload::body("delete", Some(p), fields)?),
            _ => None,
        };
        let current = fetch(api, self.s, self.cloud, self.project, id)?;
        let name = current
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let keep = body
            .as_ref()
            .and_then(|b| b.get("keep_backup_files"))
            .and_then(Value::as_bool)
            == Some(true);
        let mut lost = Vec::new();
        let detail = match self.s {
            Service::Dbaas => {
                let backups = current
                    .get("backups")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if !keep {
                    for b in &backups {
                        lost.push((
                            format!(
                                "backup {} of Database service {id}",
                                b.get("id").unwrap_or(&Value::Null)
                            ),
                            b.clone(),
                        ));
                    }
                }
                let host = current.pointer("/connection/host").and_then(Value::as_str);
                format!(
                    "every database in it{}; {} backup(s) {}",
                    host.map(|h| format!(" (clients of {h} lose their server)"))
                        .unwrap_or_default(),
                    backups.len(),
                    if keep {
                        "kept (keep_backup_files)"
                    } else {
                        "deleted too (payload keep_backup_files: true keeps them)"
                    }
                )
            }
            Service::Kaas => {
                let workers = current
                    .pointer("/instances/total")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                format!(
                    "its control plane, {workers} worker instance(s) and every workload on them; its kubeconfig stops working"
                )
            }
        };
        Ok(Op {
            target: format!("{} {id} of project {}", self.s.noun(), self.project),
            action: "delete",
            summary: format!(
                "Delete {} {id} ({name}) of project {}: {detail}. This cannot be undone.",
                self.s.noun(),
                self.project
            ),
            before: Some(current),
            after: None,
            lost,
            method: HttpMethod::Delete,
            path: service_path(self.s, self.cloud, self.project, id),
            body,
            follow_up: self.follow(None),
        })
    }
}

/// Plans a Database service write.
pub fn plan_dbaas(ctx: &Ctx, a: ManageDbaasArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let w = ServiceWrite {
        s: Service::Dbaas,
        cloud: a.public_cloud_id,
        project: a.project_id,
        id: a.dbaas_id,
        payload: a.payload.as_ref(),
    };
    let api = ctx.api();
    let op = match a.action {
        DbaasAction::Create => w.create(
            &api,
            &[
                req("name", Kind::Text),
                req("pack_id", Kind::IdText),
                req("region", Kind::Text),
                req("type", Kind::Text),
                req("version", Kind::Text),
                opt("backup_schedule", Kind::Object),
            ],
        )?,
        DbaasAction::Update => w.update(
            &api,
            &[opt("name", Kind::Text), opt("pack_id", Kind::IdText)],
        )?,
        DbaasAction::Delete => w.delete(&api)?,
        DbaasAction::ResetPassword => w.reset_password(&api)?,
        // A peer action whose route (`POST …/toggle_slow_logs`) no API document has.
        DbaasAction::ToggleSlowLogs => {
            return Err(invalid_args(
                "toggle_slow_logs is not offered: no Infomaniak API document (public-cloud.json, infomaniak-api.md) has a route for it",
                "change slow-query logging in the Infomaniak manager (Public Cloud > Database services > configuration)",
            ));
        }
    };
    op.plan(ctx)
}

/// Plans a Kubernetes service write.
pub fn plan_kaas(ctx: &Ctx, a: ManageKaasArgs) -> Result<Planned<WriteOutput>, ToolError> {
    let w = ServiceWrite {
        s: Service::Kaas,
        cloud: a.public_cloud_id,
        project: a.project_id,
        id: a.kaas_id,
        payload: a.payload.as_ref(),
    };
    let api = ctx.api();
    let op = match a.action {
        KaasAction::Create => w.create(
            &api,
            &[
                req("name", Kind::Text),
                req("kaas_pack_id", Kind::Int),
                req("kubernetes_version", Kind::Text),
                req("region", Kind::Text),
            ],
        )?,
        KaasAction::Update => w.update(
            &api,
            &[
                opt("name", Kind::Text),
                opt("kubernetes_version", Kind::Text),
            ],
        )?,
        KaasAction::Delete => w.delete(&api)?,
    };
    op.plan(ctx)
}

/// Performs the confirmed Database service write.
pub fn apply_dbaas(
    ctx: &Ctx,
    _: ManageDbaasArgs,
    confirmed: &Plan,
) -> Result<WriteOutput, ToolError> {
    write::apply(ctx, confirmed).map(|mut out| {
        out.result = if out.action == "reset_password" {
            new_password(out.result)
        } else {
            clean(out.result)
        };
        out
    })
}

/// Performs the confirmed Kubernetes service write.
pub fn apply_kaas(
    ctx: &Ctx,
    _: ManageKaasArgs,
    confirmed: &Plan,
) -> Result<WriteOutput, ToolError> {
    write::apply(ctx, confirmed)
}
