//! What every kDrive tool shares: the drive client (v2/v3 paths, both pagination styles,
//! errors turned into advice), list and write outcomes, and the one-write plan.

use ikmcp_pdk::cursor::{self, CursorList};
use ikmcp_pdk::error::internal;
use ikmcp_pdk::plan::change_before;
use ikmcp_pdk::{Api, Ctx, HttpMethod, Plan, PlanBuilder, Planned, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The root directory's id on every drive (infomaniak-api.md Q18).
pub const ROOT_ID: u64 = 1;

/// Arguments naming one drive.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DriveArgs {
    pub drive_id: u64,
}

/// Arguments naming one file of a drive.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileArgs {
    pub drive_id: u64,
    pub file_id: u64,
}

/// A whole list (every page).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Listing {
    /// Number of items (all pages).
    pub count: usize,
    /// The items as the API returns them.
    pub items: Vec<Value>,
}

impl From<Vec<Value>> for Listing {
    fn from(items: Vec<Value>) -> Self {
        Listing {
            count: items.len(),
            items,
        }
    }
}

/// One object as the API returns it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Item {
    /// The object (null when it does not exist, where the tool says so).
    pub item: Option<Value>,
}

/// What a write did.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Outcome {
    /// What was changed.
    pub target: String,
    /// False when nothing needed to change.
    pub changed: bool,
    /// The API's answer to each write, in order (an undo `cancel_id` among them).
    pub results: Vec<Value>,
    /// The state before.
    pub before: Option<Value>,
}

/// A client for one drive: paths under `/2/drive/{id}` and `/3/drive/{id}`, both
/// pagination styles, and every error read for what it means on a drive.
pub struct Kd<'a> {
    api: Api<'a>,
    /// The drive id.
    pub id: u64,
}

impl<'a> Kd<'a> {
    /// The client of drive `id`.
    pub fn new(ctx: &Ctx<'a>, id: u64) -> Self {
        Kd { api: ctx.api(), id }
    }

    /// `/2/drive/{id}{sub}`.
    pub fn v2(&self, sub: &str) -> String {
        format!("/2/drive/{}{sub}", self.id)
    }

    /// `/3/drive/{id}{sub}`.
    pub fn v3(&self, sub: &str) -> String {
        format!("/3/drive/{}{sub}", self.id)
    }

    /// One GET.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ToolError> {
        self.api.get(path, query).map_err(|e| advise(e, self.id))
    }

    /// One GET; `None` when the object does not exist.
    pub fn get_opt(&self, path: &str) -> Result<Option<Value>, ToolError> {
        match self.get(path, &[]) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every page of a v2 page/per_page list.
    pub fn pages(&self, path: &str, query: &[(&str, &str)]) -> Result<Vec<Value>, ToolError> {
        self.api
            .list_all(path, query)
            .map_err(|e| advise(e, self.id))
    }

    /// Every page of a v3 cursor list.
    pub fn cursor(&self, path: &str, query: &[(&str, &str)]) -> Result<Vec<Value>, ToolError> {
        self.walk(path, query).map(|l| l.items)
    }

    /// Every page of a v3 cursor list, with the API's clock.
    pub fn walk(&self, path: &str, query: &[(&str, &str)]) -> Result<CursorList, ToolError> {
        cursor::walk(&self.api, path, query).map_err(|e| advise(e, self.id))
    }

    /// A GET answering text (CSV exports).
    pub fn text(&self, path: &str, query: &[(&str, &str)]) -> Result<String, ToolError> {
        self.api
            .get_text(path, query)
            .map_err(|e| advise(e, self.id))
    }
}

/// Rewrites the hints of errors whose meaning on a drive is known: maintenance (Q18) is
/// "try later", 403 is the `drive` scope.
pub fn advise(e: ToolError, drive_id: u64) -> ToolError {
    let (status, code) = match &e {
        ToolError::Upstream(u) => (u.status, u.code.clone()),
        _ => return e,
    };
    if code == "drive_is_in_maintenance_error" {
        return e.with_hint(format!(
            "kDrive {drive_id} is under maintenance at Infomaniak; its data is intact and nothing was changed. Try again later (infomaniak_list_drives shows in_maintenance)"
        ));
    }
    if status == 403 {
        return e.with_hint(
            "the token lacks the `drive` scope or rights on this drive: use a token with the drive scope from an admin of the drive",
        );
    }
    e
}

/// A plan of one write: `summary`, the change of `target` from `before` to `after`, and
/// the exact request.
#[allow(clippy::too_many_arguments)]
pub fn one_write(
    ctx: &Ctx,
    summary: String,
    target: String,
    action: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    method: HttpMethod,
    path: String,
    query: &[(&str, &str)],
    body: Option<&Value>,
) -> Result<Planned<Outcome>, ToolError> {
    PlanBuilder::new(ctx.role(), summary)
        .change(target, action, before, after)
        .snapshot(&before)
        .effect_with_query(method, path, query, body)
        .confirm()
}

/// The result of a write that has nothing to do.
pub fn unchanged(target: String, before: Option<Value>) -> Planned<Outcome> {
    Planned::NoChange(Outcome {
        target,
        changed: false,
        results: vec![],
        before,
    })
}

/// Performs every write of a confirmed plan, in order. A failure part-way says which
/// writes were already made.
pub fn apply_plan<A>(ctx: &Ctx, _args: A, plan: &Plan) -> Result<Outcome, ToolError> {
    if plan.effects.is_empty() {
        return Err(internal("the confirmed plan has no write"));
    }
    let api = ctx.api();
    let mut results = Vec::new();
    for (i, effect) in plan.effects.iter().enumerate() {
        match api.perform(effect) {
            Ok(v) => results.push(v),
            Err(e) if i == 0 => return Err(e),
            Err(e) => {
                let done: Vec<String> = plan.effects[..i]
                    .iter()
                    .map(|e| {
                        format!(
                            "{} {}",
                            ikmcp_pdk::api::method_name(e.method),
                            e.path_pattern
                        )
                    })
                    .collect();
                return Err(e.with_hint(format!(
                    "{i} of {} writes were made before this one failed ({}); call the tool again for a plan of what is left",
                    plan.effects.len(),
                    done.join(", ")
                )));
            }
        }
    }
    Ok(Outcome {
        target: plan
            .changes
            .first()
            .map(|c| c.target.clone())
            .unwrap_or_default(),
        changed: true,
        results,
        before: change_before(plan, 0),
    })
}

/// An optional JSON field `key` of `v`.
pub fn field<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.get(key).filter(|x| !x.is_null())
}
