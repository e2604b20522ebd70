//! Sites and their aliases. Site and alias writes go through the manager: the public
//! site POST answers success and creates nothing (Q1), aliases only exist there (§2.3).

use ikmcp_pdk::error::{invalid_args, upstream};
use ikmcp_pdk::plan::change_before;
use ikmcp_pdk::{Ctx, HttpMethod, Plan, PlanBuilder, Planned, ToolError, ToolErrorExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{
    MANAGER, Outcome, check_fqdn, effect, get_hosting, hosting_path, lock_hosting, manager,
    not_found_hint, nth, outcome, perform, proxied, public, segment,
};

/// A site of a hosting.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteArgs {
    /// Web hosting id (infomaniak_list_hostings).
    pub hosting_id: u64,
    /// Site id (infomaniak_list_sites).
    pub site_id: u64,
}

/// A hosting.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostingArgs {
    /// Web hosting id (infomaniak_list_hostings).
    pub hosting_id: u64,
}

/// A list of items of one hosting.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Listed {
    /// The hosting.
    pub hosting_id: u64,
    /// Number of items, all pages.
    pub count: usize,
    /// The items as the API returns them.
    pub items: Vec<Value>,
}

/// The sites of a hosting: `GET /1/web_hostings/{id}/sites?with[]=applications` (§7.4).
pub fn all_sites(ctx: &Ctx, hosting_id: u64) -> Result<Vec<Value>, ToolError> {
    public(ctx)
        .list_all(
            &format!("{}/sites", hosting_path(hosting_id)),
            &[("with[]", "applications")],
        )
        .map_err(|e| not_found_hint(e, "check hosting_id with infomaniak_list_hostings"))
}

/// Every site of a hosting, all pages, with its WordPress applications.
pub fn list(ctx: &Ctx, a: HostingArgs) -> Result<Listed, ToolError> {
    let items = all_sites(ctx, a.hosting_id)?;
    Ok(Listed {
        hosting_id: a.hosting_id,
        count: items.len(),
        items,
    })
}

/// One site: `GET /1/web_hostings/{id}/sites/{site}` (§7.4).
pub fn get_site(ctx: &Ctx, hosting_id: u64, site_id: u64) -> Result<Value, ToolError> {
    public(ctx)
        .get(
            &format!("{}/sites/{site_id}", hosting_path(hosting_id)),
            &[],
        )
        .map_err(|e| not_found_hint(e, "check hosting_id and site_id with infomaniak_list_sites"))
}

/// Arguments of `infomaniak_create_site`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Site name, e.g. blog.example.com.
    pub fqdn: String,
    /// Default /sites/<fqdn>.
    pub directory: Option<String>,
    /// apache_php (default) or nodejs.
    pub environment: Option<String>,
}

/// Result of a create that was read back.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Created {
    /// `created` (read back and present) or `already_exists`.
    pub status: String,
    /// The thing as the API now shows it.
    pub item: Value,
}

/// The manager body of a site create. Q1: without all four fields the manager also
/// answers success and creates nothing (infomaniak-api.md §8, peer-agent-mcp.md §3 row 1).
pub fn site_body(
    fqdn: &str,
    directory: Option<&str>,
    environment: Option<&str>,
) -> Result<Value, ToolError> {
    let directory = directory.map_or_else(|| format!("/sites/{fqdn}"), str::to_string);
    if !directory.starts_with("/sites/") || directory.contains("..") || directory.len() <= 7 {
        return Err(invalid_args(
            format!("directory {directory:?} is not under /sites/"),
            "give a directory such as /sites/blog.example.com (the API ignores a site created elsewhere)",
        ));
    }
    let environment = environment.unwrap_or("apache_php");
    if !["apache_php", "nodejs"].contains(&environment) {
        return Err(invalid_args(
            format!("environment {environment:?} is unknown"),
            "use apache_php or nodejs",
        ));
    }
    Ok(
        json!({"fqdn": fqdn, "directory": directory, "force_fqdn": true, "environment": environment}),
    )
}

fn find_site(sites: &[Value], fqdn: &str) -> Option<Value> {
    sites
        .iter()
        .find(|s| s["main_fqdn"].as_str() == Some(fqdn))
        .cloned()
}

/// Plans a site: refuses nothing that exists already, pins the manager POST.
pub fn plan_create(ctx: &Ctx, a: CreateArgs) -> Result<Planned<Created>, ToolError> {
    let fqdn = check_fqdn("fqdn", &a.fqdn, false)?;
    let body = site_body(&fqdn, a.directory.as_deref(), a.environment.as_deref())?;
    get_hosting(ctx, a.hosting_id)?;
    let sites = all_sites(ctx, a.hosting_id)?;
    if let Some(site) = find_site(&sites, &fqdn) {
        return Ok(Planned::NoChange(Created {
            status: "already_exists".into(),
            item: site,
        }));
    }
    let path = proxied(&format!("{}/sites", hosting_path(a.hosting_id)));
    let mut plan = PlanBuilder::new(
        MANAGER,
        format!("Create site {fqdn} on hosting {}", a.hosting_id),
    )
    .change(
        format!("hosting {}: site {fqdn}", a.hosting_id),
        "create",
        None::<&Value>,
        Some(&body),
    )
    .snapshot(&json!({"hosting_id": a.hosting_id, "site_exists": false}))
    .build();
    plan.effects
        .push(effect(MANAGER, HttpMethod::Post, path, Some(&body)));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Sends the site POST, then reads the sites back: `created` only when the site exists
/// (Q1: the API may answer success with a `progress_id` and create nothing).
pub fn apply_create(ctx: &Ctx, a: CreateArgs, plan: &Plan) -> Result<Created, ToolError> {
    let fqdn = check_fqdn("fqdn", &a.fqdn, false)?;
    // The plan checked this hosting only; a name already used by a site of another hosting
    // is refused by the API (409 `object_already_exists`).
    let answer = perform(ctx, nth(plan, 0)?).map_err(|e| match e {
        ToolError::Conflict(_) => e.with_hint(format!(
            "{fqdn} is already the main name of a site, on another hosting: find it with {} {{\"domain\": \"{fqdn}\"}}, or add the name as an alias of this hosting's site after removing it there",
            crate::FIND_SITE
        )),
        _ => e,
    })?;
    let sites = all_sites(ctx, a.hosting_id)?;
    match find_site(&sites, &fqdn) {
        Some(site) => Ok(Created {
            status: "created".into(),
            item: site,
        }),
        None => Err(silent_noop(
            &format!("site {fqdn}"),
            &answer,
            "infomaniak_list_sites",
        )),
    }
}

/// The error of a create the API acknowledged without effect (quirk Q1).
pub fn silent_noop(what: &str, answer: &Value, list_tool: &str) -> ToolError {
    upstream(
        200,
        "not_created",
        format!(
            "the API answered success ({answer}) but {what} does not exist when read back: Infomaniak ignored the request (quirk Q1) or is still creating it"
        ),
        Some(format!(
            "check with {list_tool} in a minute before trying again; if it is still missing, create it in the manager"
        )),
    )
}

/// Plans a site deletion: shows the site that goes, pins the manager DELETE
/// (peer-agent-mcp.md §3 row 2).
pub fn plan_delete(ctx: &Ctx, a: SiteArgs) -> Result<Planned<Outcome>, ToolError> {
    let site = get_site(ctx, a.hosting_id, a.site_id)?;
    let fqdn = site["main_fqdn"].as_str().unwrap_or_default().to_string();
    let path = proxied(&format!(
        "{}/sites/{}",
        hosting_path(a.hosting_id),
        a.site_id
    ));
    let mut plan = PlanBuilder::new(
        MANAGER,
        format!(
            "Delete site {fqdn} (id {}) and its files on hosting {}",
            a.site_id, a.hosting_id
        ),
    )
    .change(
        format!("hosting {}: site {fqdn}", a.hosting_id),
        "delete",
        Some(&site),
        None::<&Value>,
    )
    .snapshot(&site)
    .build();
    plan.effects
        .push(effect(MANAGER, HttpMethod::Delete, path, None));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Deletes the site; answers what was deleted.
pub fn apply_delete(ctx: &Ctx, _a: SiteArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    perform(ctx, nth(plan, 0)?)?;
    Ok(outcome(
        json!({"status": "deleted", "site": change_before(plan, 0)}),
    ))
}

fn aliases_path(hosting_id: u64, site_id: u64) -> String {
    proxied(&format!(
        "{}/sites/{site_id}/aliases",
        hosting_path(hosting_id)
    ))
}

/// The aliases of a site, from the manager (manager-only route, peer-agent-mcp.md §3 row 5).
pub fn all_aliases(ctx: &Ctx, hosting_id: u64, site_id: u64) -> Result<Vec<Value>, ToolError> {
    manager(ctx)
        .list_all(
            &aliases_path(hosting_id, site_id),
            &[("with[]", "domain_options")],
        )
        .map_err(|e| not_found_hint(e, "check hosting_id and site_id with infomaniak_list_sites"))
}

/// Every alias of a site (the main name included, `is_main`).
pub fn list_aliases(ctx: &Ctx, a: SiteArgs) -> Result<Listed, ToolError> {
    let items = all_aliases(ctx, a.hosting_id, a.site_id)?;
    Ok(Listed {
        hosting_id: a.hosting_id,
        count: items.len(),
        items,
    })
}

/// Arguments of `infomaniak_add_site_aliases`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddAliasesArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Site id.
    pub site_id: u64,
    /// Names to add; *.example.com allowed.
    pub aliases: Vec<String>,
}

fn names(aliases: &[String]) -> Result<Vec<String>, ToolError> {
    if aliases.is_empty() || aliases.len() > 50 {
        return Err(invalid_args(
            "aliases must hold 1 to 50 names",
            "give the names to add, e.g. [\"www.example.com\"]",
        ));
    }
    aliases
        .iter()
        .map(|n| check_fqdn("alias", n, true))
        .collect()
}

fn alias_names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(|a| a["name"].as_str().map(str::to_string))
        .collect()
}

/// Plans adding aliases: the names already there are left out; pins the manager POST
/// `{aliases: [...]}` (peer-agent-mcp.md §3 row 6).
pub fn plan_add_aliases(ctx: &Ctx, a: AddAliasesArgs) -> Result<Planned<Outcome>, ToolError> {
    let wanted = names(&a.aliases)?;
    let current = alias_names(&all_aliases(ctx, a.hosting_id, a.site_id)?);
    let mut new: Vec<String> = wanted
        .into_iter()
        .filter(|n| !current.contains(n))
        .collect();
    new.dedup();
    if new.is_empty() {
        return Ok(Planned::NoChange(outcome(
            json!({"status": "no_change", "aliases": current}),
        )));
    }
    let mut after = current.clone();
    after.extend(new.iter().cloned());
    let body = json!({"aliases": new});
    let mut plan = PlanBuilder::new(
        MANAGER,
        format!("Add {} alias(es) to site {}", new.len(), a.site_id),
    )
    .change(
        format!("site {}: aliases", a.site_id),
        "update",
        Some(&current),
        Some(&after),
    )
    .snapshot(&current)
    .build();
    plan.effects.push(effect(
        MANAGER,
        HttpMethod::Post,
        aliases_path(a.hosting_id, a.site_id),
        Some(&body),
    ));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Adds the aliases and reads them back: every name must be there.
pub fn apply_add_aliases(ctx: &Ctx, a: AddAliasesArgs, plan: &Plan) -> Result<Outcome, ToolError> {
    let answer = perform(ctx, nth(plan, 0)?)?;
    let now = alias_names(&all_aliases(ctx, a.hosting_id, a.site_id)?);
    let wanted = names(&a.aliases)?;
    if let Some(missing) = wanted.iter().find(|n| !now.contains(n)) {
        return Err(silent_noop(
            &format!("alias {missing}"),
            &answer,
            "infomaniak_list_site_aliases",
        ));
    }
    Ok(outcome(json!({"status": "added", "aliases": now})))
}

/// Arguments of `infomaniak_delete_site_alias`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAliasArgs {
    /// Web hosting id.
    pub hosting_id: u64,
    /// Site id.
    pub site_id: u64,
    /// The alias name.
    pub alias: String,
}

/// Plans removing one alias (never the main name): manager DELETE `.../aliases/{fqdn}`
/// (peer-agent-mcp.md §3 row 7).
pub fn plan_delete_alias(ctx: &Ctx, a: DeleteAliasArgs) -> Result<Planned<Outcome>, ToolError> {
    let alias = check_fqdn("alias", &a.alias, true)?;
    let items = all_aliases(ctx, a.hosting_id, a.site_id)?;
    let Some(item) = items
        .iter()
        .find(|i| i["name"].as_str() == Some(alias.as_str()))
    else {
        return Err(ikmcp_pdk::error::not_found(
            format!("site {} has no alias {alias}", a.site_id),
            "list them with infomaniak_list_site_aliases",
        ));
    };
    if item["is_main"] == true {
        return Err(invalid_args(
            format!("{alias} is the site's main name"),
            "a site's main name cannot be removed; delete the site instead",
        ));
    }
    let path = format!(
        "{}/{}",
        aliases_path(a.hosting_id, a.site_id),
        segment(&alias)
    );
    let mut plan = PlanBuilder::new(
        MANAGER,
        format!("Remove alias {alias} from site {}", a.site_id),
    )
    .change(
        format!("site {}: alias {alias}", a.site_id),
        "delete",
        Some(item),
        None::<&Value>,
    )
    .snapshot(&alias_names(&items))
    .build();
    plan.effects
        .push(effect(MANAGER, HttpMethod::Delete, path, None));
    Ok(Planned::Confirm(lock_hosting(plan, a.hosting_id)))
}

/// Removes the alias.
pub fn apply_delete_alias(
    ctx: &Ctx,
    _a: DeleteAliasArgs,
    plan: &Plan,
) -> Result<Outcome, ToolError> {
    perform(ctx, nth(plan, 0)?)?;
    Ok(outcome(
        json!({"status": "deleted", "alias": change_before(plan, 0)}),
    ))
}
