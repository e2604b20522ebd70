//! `infomaniak_plan_user_offboarding`: everything one user holds in an account, across
//! products, read through the API and shown as one reviewable list. Each item says how it
//! is removed: the tool (and arguments) that plans that removal with its own confirmation,
//! or the exact request where the owning tool is another plugin's, or why it is manual.
//!
//! Product reads that fail (a route this API or tenant does not serve, a missing scope) do
//! not stop the plan: the product is listed under `not_checked` with the reason, so a gap
//! is visible rather than silently treated as "nothing to remove".

use ikmcp_pdk::{Api, Ctx, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::accounts::{hint_missing, resolve};
use crate::invitation_writes::pending_sent_by;
use crate::users::fetch_app_accesses;
use crate::{CANCEL_PENDING_INVITATIONS, REMOVE_TEAM_USERS};

/// Arguments of `infomaniak_plan_user_offboarding`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OffboardingArgs {
    pub account_id: Option<u64>,
    pub user_id: u64,
}

/// How one held access is removed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Removal {
    /// The tool that plans it (same confirmation flow), when this server has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// Its arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    /// The upstream request the removal is (method and path; body when it has one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// Why it is done by hand, when no request does it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual: Option<String>,
}

/// One thing the user holds.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Holding {
    /// account, team, invitation, kdrive, kdrive_link, mailbox, kchat, product.
    pub product: String,
    /// What it is (names, ids, role).
    pub what: String,
    pub removal: Removal,
}

/// A product whose holdings could not be read.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NotChecked {
    pub product: String,
    pub reason: String,
}

/// Result of `infomaniak_plan_user_offboarding`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OffboardingOutput {
    pub account_id: u64,
    pub user_id: u64,
    /// The user's account role.
    pub role_type: Value,
    /// Everything to remove, account membership last.
    pub holdings: Vec<Holding>,
    pub not_checked: Vec<NotChecked>,
    /// What to do with the list.
    pub next_step: String,
}

fn request(method: &str, path: String, body: Option<Value>) -> Option<Value> {
    let mut r = json!({"method": method, "path": path});
    if let Some(b) = body {
        r["body"] = b;
    }
    Some(r)
}

fn via_tool(tool: &str, arguments: Value, req: Option<Value>) -> Removal {
    Removal {
        tool: Some(tool.into()),
        arguments: Some(arguments),
        request: req,
        manual: None,
    }
}

fn via_request(req: Option<Value>) -> Removal {
    Removal {
        tool: None,
        arguments: None,
        request: req,
        manual: None,
    }
}

fn manual(why: &str) -> Removal {
    Removal {
        tool: None,
        arguments: None,
        request: None,
        manual: Some(why.into()),
    }
}

fn list_of<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v[key].as_array().into_iter().flatten()
}

/// A product read that may fail without failing the plan.
fn optional_read(
    not_checked: &mut Vec<NotChecked>,
    product: &str,
    read: Result<Value, ToolError>,
) -> Option<Value> {
    match read {
        Ok(v) => Some(v),
        Err(e) => {
            let reason = if e.message().contains("method_not_found") {
                "this API does not serve the route; check the product by hand".to_string()
            } else {
                e.message().to_string()
            };
            not_checked.push(NotChecked {
                product: product.into(),
                reason,
            });
            None
        }
    }
}

/// kDrive: the drives the user is in (`GET /2/drive/users/{user_id}/drives`, kdrive.json
/// "Get Drives") and the share links they created on each (`GET /3/drive/{drive_id}/files/
/// links`, kdrive.json "Get share-link files"). Falls back to the app accesses' drive list.
fn drives(
    api: &Api,
    a: u64,
    user: u64,
    accesses: &Value,
    out: &mut Vec<Holding>,
    nc: &mut Vec<NotChecked>,
) {
    let account = a.to_string();
    let listed = optional_read(
        nc,
        "kdrive",
        api.list_all(
            &format!("/2/drive/users/{user}/drives"),
            &[("account_id", &account)],
        )
        .map(Value::Array),
    );
    let drives: Vec<Value> = match &listed {
        Some(Value::Array(d)) => d.clone(),
        _ => list_of(accesses, "drives").cloned().collect(),
    };
    for d in &drives {
        let id = d["id"]
            .as_u64()
            .or(d["drive_id"].as_u64())
            .unwrap_or_default();
        out.push(Holding {
            product: "kdrive".into(),
            what: format!("kDrive {id} ({}), role {}", d["name"], d["role"]),
            removal: via_request(request(
                "DELETE",
                format!("/2/drive/{id}/users/{user}"),
                None,
            )),
        });
        if listed.is_none() {
            continue;
        }
        let links = optional_read(
            nc,
            &format!("kdrive {id} share links"),
            api.get(&format!("/3/drive/{id}/files/links"), &[]),
        );
        for f in links
            .iter()
            .flat_map(|l| l.as_array().into_iter().flatten())
        {
            let by = f["created_by"]
                .as_u64()
                .or(f.pointer("/sharelink/created_by").and_then(Value::as_u64));
            if by == Some(user) {
                let file = &f["id"];
                out.push(Holding {
                    product: "kdrive_link".into(),
                    what: format!("share link on file {file} ({}) of kDrive {id}", f["name"]),
                    removal: via_request(request(
                        "DELETE",
                        format!("/2/drive/{id}/files/{file}/link"),
                        None,
                    )),
                });
            }
        }
    }
}

/// Mailboxes: the user's webmail accesses in the account
/// (`GET /1/mail_hostings/accesses/webmail/accounts/{account_id}/users/{user_id}`, mail.json
/// "List of user accesses for a account and a user"); falls back to the app accesses.
fn mailboxes(
    api: &Api,
    a: u64,
    user: u64,
    accesses: &Value,
    out: &mut Vec<Holding>,
    nc: &mut Vec<NotChecked>,
) {
    let read = optional_read(
        nc,
        "mailbox",
        api.get(
            &format!("/1/mail_hostings/accesses/webmail/accounts/{a}/users/{user}"),
            &[],
        ),
    );
    let items: Vec<Value> = match read {
        Some(Value::Array(items)) => items,
        _ => list_of(accesses, "mailboxes").cloned().collect(),
    };
    for m in &items {
        let hosting = m["mail_hosting_id"]
            .as_u64()
            .or(m["service_mail"].as_u64())
            .unwrap_or_default();
        let name = m["mailbox_name"].as_str().unwrap_or_default();
        out.push(Holding {
            product: "mailbox".into(),
            what: format!(
                "mailbox {} (mail hosting {hosting})",
                m["mailbox"].as_str().unwrap_or(name)
            ),
            removal: via_request(request(
                "DELETE",
                format!(
                    "/1/mail_hostings/{hosting}/mailboxes/{name}/accesses/webmail/users/{user}"
                ),
                None,
            )),
        });
    }
}

/// Builds the offboarding list of one user.
pub fn plan_user_offboarding(
    ctx: &Ctx,
    args: OffboardingArgs,
) -> Result<OffboardingOutput, ToolError> {
    let api = ctx.api();
    let a = resolve(&api, args.account_id)?;
    let user = args.user_id;
    let accesses = fetch_app_accesses(&api, a, user)
        .map_err(|e| hint_missing(e, "check user_id with infomaniak_list_account_users"))?;
    let mut holdings = Vec::new();
    let mut not_checked = Vec::new();
    for t in list_of(&accesses, "teams") {
        let team = t["id"].as_u64().unwrap_or_default();
        holdings.push(Holding {
            product: "team".into(),
            what: format!("team {team} ({})", t["name"]),
            removal: via_tool(
                REMOVE_TEAM_USERS,
                json!({"account_id": a, "team_id": team, "user_ids": [user]}),
                request(
                    "DELETE",
                    format!("/1/accounts/{a}/teams/{team}/users"),
                    Some(json!({"user_ids": [user]})),
                ),
            ),
        });
    }
    match pending_sent_by(&api, a, user) {
        Ok(open) if !open.is_empty() => holdings.push(Holding {
            product: "invitation".into(),
            what: format!(
                "{} pending invitation(s) sent: {}",
                open.len(),
                open.iter()
                    .map(|i| format!("{} ({})", i["id"], i["email"].as_str().unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            removal: via_tool(
                CANCEL_PENDING_INVITATIONS,
                json!({"account_id": a, "user_id": user}),
                None,
            ),
        }),
        Ok(_) => {}
        Err(e) => not_checked.push(NotChecked {
            product: "invitation".into(),
            reason: e.message().to_string(),
        }),
    }
    drives(&api, a, user, &accesses, &mut holdings, &mut not_checked);
    mailboxes(&api, a, user, &accesses, &mut holdings, &mut not_checked);
    for k in list_of(&accesses, "kchat") {
        holdings.push(Holding {
            product: "kchat".into(),
            what: format!("kChat team {} ({}), role {}", k["team_id"], k["name"], k["role"]),
            removal: manual("kChat has its own user ids: deactivate the member in kChat (System Console > Users) or with the kChat tools"),
        });
    }
    for p in list_of(&accesses, "products") {
        holdings.push(Holding {
            product: "product".into(),
            what: format!("{} {} ({}), rights {}", p["service_name"], p["product_id"], p["customer_name"], p["rights"]),
            removal: manual("product rights come from the account role and teams: they go with the team removals and the account removal"),
        });
    }
    let role = accesses["role_type"].clone();
    holdings.push(Holding {
        product: "account".into(),
        what: format!("member of account {a} with role {role}"),
        removal: if role == "owner" {
            manual("the owner cannot be removed: transfer ownership first (manager > Users), then remove the user")
        } else {
            manual("no documented API removes a user from an account: remove them in the manager (Users) after the steps above")
        },
    });
    Ok(OffboardingOutput {
        account_id: a,
        user_id: user,
        role_type: role,
        next_step: format!(
            "review the {} holding(s) with the user's manager; then call each removal's tool (one confirmation each), send the listed requests with the owning product's tools, and finish with the manual steps",
            holdings.len()
        ),
        holdings,
        not_checked,
    })
}
