//! Node.js hostings (`hosting_3`), manager only. Routes are keyed by the Node.js hosting's
//! own id (the site id), never the parent web hosting id, which answers 403 (Q20). The
//! app settings PATCH answers success and changes nothing (Q20), so no tool offers it.
//! Routes: infomaniak-api.md §7.4 and peer-agent-mcp.md §3 rows 17–19.

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, HttpMethod, Plan, PlanBuilder, Planned, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{MANAGER, Outcome, effect, lock_hosting, manager, nth, outcome, perform};

const HINT: &str = "hosting_id is the Node.js hosting's own id (infomaniak_list_hostings, is_nodejs), not its parent web hosting";

fn base(hosting_id: u64) -> String {
    format!("/proxy/1/hostings/{hosting_id}")
}

fn get(ctx: &Ctx, path: &str, query: &[(&str, &str)]) -> Result<Value, ToolError> {
    manager(ctx).get(path, query).map_err(|e| match &e {
        ToolError::NotFound(_) => e.with_hint(format!(
            "{HINT}; vhost_route_id comes from infomaniak_list_nodejs_apps"
        )),
        ToolError::Upstream(u) if u.status == 403 => e.with_hint(HINT),
        _ => e,
    })
}

/// A Node.js hosting.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostingArgs {
    /// Node.js hosting id (is_nodejs).
    pub hosting_id: u64,
}

/// Result of `infomaniak_list_nodejs_apps`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Apps {
    /// The Node.js hosting.
    pub hosting_id: u64,
    /// Apps: `{vhost_route_id, webapp_id, fqdns}`.
    pub apps: Vec<Value>,
}

/// The apps of a Node.js hosting: `GET /proxy/1/hostings/{id}?with[]=hosting_features`,
/// each WebApp feature with its child VhostRoute (the id the app routes take).
pub fn list(ctx: &Ctx, a: HostingArgs) -> Result<Apps, ToolError> {
    let h = get(ctx, &base(a.hosting_id), &[("with[]", "hosting_features")])?;
    let features = h["hosting_features"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let apps = features
        .iter()
        .filter(|f| f["feature_type"] == "WebApp")
        .flat_map(|app| {
            features
                .iter()
                .filter(|f| f["feature_type"] == "VhostRoute" && f["hosting_feature_parent_id"] == app["id"])
                .map(move |route| {
                    let fqdns: Vec<String> = route["fqdns"].as_array().into_iter().flatten()
                        .filter_map(|f| Some(format!("{}{}", f["domain"].as_str()?, f["path"].as_str().unwrap_or(""))))
                        .collect();
                    json!({"vhost_route_id": route["id"], "webapp_id": app["id"], "name": app["feature"], "fqdns": fqdns})
                })
        })
        .collect();
    Ok(Apps {
        hosting_id: a.hosting_id,
        apps,
    })
}

/// One app of a Node.js hosting.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppArgs {
    /// Node.js hosting id (is_nodejs).
    pub hosting_id: u64,
    /// From infomaniak_list_nodejs_apps.
    pub vhost_route_id: u64,
}

/// What the manager answered.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Answer {
    /// The answer's data.
    pub data: Value,
}

/// `GET .../nodejs/{vhost}?with[]=ips,ssl,environments,storage`.
pub fn app(ctx: &Ctx, a: AppArgs) -> Result<Answer, ToolError> {
    let data = get(
        ctx,
        &format!("{}/nodejs/{}", base(a.hosting_id), a.vhost_route_id),
        &[
            ("with[]", "ips"),
            ("with[]", "ssl"),
            ("with[]", "environments"),
            ("with[]", "storage"),
        ],
    )?;
    Ok(Answer { data })
}

/// `GET .../nodejs/{vhost}/actions/status` → `{status: Running|Stopped}`.
pub fn status(ctx: &Ctx, a: AppArgs) -> Result<Answer, ToolError> {
    let data = get(
        ctx,
        &format!(
            "{}/nodejs/{}/actions/status",
            base(a.hosting_id),
            a.vhost_route_id
        ),
        &[],
    )?;
    Ok(Answer { data })
}

/// `GET .../vhost_route/{vhost}/aliases?with[]=domain_options`, all pages.
pub fn aliases(ctx: &Ctx, a: AppArgs) -> Result<Answer, ToolError> {
    let items = manager(ctx)
        .list_all(
            &format!(
                "{}/vhost_route/{}/aliases",
                base(a.hosting_id),
                a.vhost_route_id
            ),
            &[("with[]", "domain_options")],
        )
        .map_err(|e| {
            if e.is_not_found() {
                e.with_hint(HINT)
            } else {
                e
            }
        })?;
    Ok(Answer {
        data: Value::Array(items),
    })
}

/// `GET .../nodejs/{vhost}/jobs`, all pages.
pub fn jobs(ctx: &Ctx, a: AppArgs) -> Result<Answer, ToolError> {
    let items = manager(ctx)
        .list_all(
            &format!("{}/nodejs/{}/jobs", base(a.hosting_id), a.vhost_route_id),
            &[],
        )
        .map_err(|e| {
            if e.is_not_found() {
                e.with_hint(HINT)
            } else {
                e
            }
        })?;
    Ok(Answer {
        data: Value::Array(items),
    })
}

/// `GET .../webapp/{vhost}/stream` → the log stream endpoint and its short-lived JWT.
pub fn logs(ctx: &Ctx, a: AppArgs) -> Result<Answer, ToolError> {
    let data = get(
        ctx,
        &format!("{}/webapp/{}/stream", base(a.hosting_id), a.vhost_route_id),
        &[],
    )?;
    Ok(Answer { data })
}

/// Arguments of `infomaniak_nodejs_app_thumbnail`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThumbArgs {
    /// Node.js hosting id.
    pub hosting_id: u64,
    /// From infomaniak_list_nodejs_apps.
    pub vhost_route_id: u64,
    /// Take a fresh screenshot.
    pub refresh: Option<bool>,
}

/// `GET .../webapp/{vhost}/thumbnail?refresh=` → `{blob: data URL}`.
pub fn thumbnail(ctx: &Ctx, a: ThumbArgs) -> Result<Answer, ToolError> {
    let refresh = if a.refresh.unwrap_or(false) {
        "true"
    } else {
        "false"
    };
    let data = get(
        ctx,
        &format!(
            "{}/webapp/{}/thumbnail",
            base(a.hosting_id),
            a.vhost_route_id
        ),
        &[("refresh", refresh)],
    )?;
    Ok(Answer { data })
}

/// Arguments of `infomaniak_nodejs_app_action`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionArgs {
    /// Node.js hosting id.
    pub hosting_id: u64,
    /// From infomaniak_list_nodejs_apps.
    pub vhost_route_id: u64,
    /// start, stop, restart or build.
    pub action: String,
}

/// Plans an action: POST `.../nodejs/{vhost}/actions/{action}` with `{}`; start on a
/// running app (or stop on a stopped one) is no change.
pub fn plan_action(ctx: &Ctx, a: ActionArgs) -> Result<Planned<Outcome>, ToolError> {
    if !["start", "stop", "restart", "build"].contains(&a.action.as_str()) {
        return Err(invalid_args(
            format!("action {:?} is unknown", a.action),
            "use start, stop, restart or build",
        ));
    }
    let st = status(
        ctx,
        AppArgs {
            hosting_id: a.hosting_id,
            vhost_route_id: a.vhost_route_id,
        },
    )?
    .data;
    let now = st["status"].as_str().unwrap_or("unknown").to_string();
    if (a.action == "start" && now == "Running") || (a.action == "stop" && now == "Stopped") {
        return Ok(Planned::NoChange(outcome(
            json!({"status": "no_change", "app_status": now}),
        )));
    }
    let after = match a.action.as_str() {
        "stop" => "Stopped",
        "build" => "build job started",
        _ => "Running",
    };
    let path = format!(
        "{}/nodejs/{}/actions/{}",
        base(a.hosting_id),
        a.vhost_route_id,
        a.action
    );
    let mut plan = PlanBuilder::new(
        MANAGER,
        format!("{} Node.js app {} (now {now})", a.action, a.vhost_route_id),
    )
    .change(
        format!("Node.js app {}", a.vhost_route_id),
        &a.action,
        Some(&now),
        Some(&after),
    )
    .snapshot(&st)
    .build();
    plan.effects
        .push(effect(MANAGER, HttpMethod::Post, path, Some(&json!({}))));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Runs the action.
pub fn apply_action(ctx: &Ctx, _a: ActionArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    let data = perform(ctx, nth(plan, 0)?)?;
    Ok(outcome(json!({"status": "done", "answer": data})))
}
