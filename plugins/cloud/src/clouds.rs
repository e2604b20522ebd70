//! Public cloud products: the list (every account, all pages), one cloud, the user's
//! accesses, the status feed and the catalogues (packs, versions, regions…).

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::listing::{ItemOutput, ListOutput, NoArgs, accounts, not_found_hint, per_account};
use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::LIST_CLOUDS;

/// Arguments naming an account, or none for every account of the token.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountArgs {
    /// Default: every account.
    pub account_id: Option<u64>,
}

/// `infomaniak_list_public_clouds`: `GET /1/public_clouds?account_id=` (public-cloud.json),
/// all pages, every account unless one is given.
pub fn list(ctx: &Ctx, a: AccountArgs) -> Result<ListOutput, ToolError> {
    Ok(ListOutput::of(per_account(
        &ctx.api(),
        "/1/public_clouds",
        a.account_id,
        &[],
    )?))
}

/// Arguments naming a public cloud.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudArgs {
    pub public_cloud_id: u64,
}

/// `GET /1/public_clouds/{public_cloud_id}` (public-cloud.json).
pub fn get(ctx: &Ctx, a: CloudArgs) -> Result<ItemOutput, ToolError> {
    let item = ctx
        .api()
        .get(&format!("/1/public_clouds/{}", a.public_cloud_id), &[])
        .map_err(|e| not_found_hint(e, LIST_CLOUDS))?;
    Ok(ItemOutput { item })
}

/// `GET /1/public_clouds/accesses?account_id=` (public-cloud.json; not paged).
pub fn accesses(ctx: &Ctx, a: AccountArgs) -> Result<ListOutput, ToolError> {
    let api = ctx.api();
    let mut items = Vec::new();
    for account in accounts(&api, a.account_id)? {
        let data = api.get(
            "/1/public_clouds/accesses",
            &[("account_id", &account.to_string())],
        )?;
        items.extend(data.as_array().cloned().unwrap_or_default());
    }
    Ok(ListOutput::of(items))
}

/// `GET /2/events/public-cloud-status` (core.json).
pub fn status(ctx: &Ctx, _: NoArgs) -> Result<ItemOutput, ToolError> {
    Ok(ItemOutput {
        item: ctx.api().get("/2/events/public-cloud-status", &[])?,
    })
}

// Which catalogue (no doc comment: the values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Config,
    DbaasConfigurations,
    DbaasRegions,
    DbaasPacks,
    DbaasTypes,
    KaasPacks,
    KaasVersions,
    KaasRegions,
    KaasAvailabilityZones,
}

/// Arguments of `infomaniak_list_public_cloud_resource_data`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceArgs {
    pub resource: Resource,
    /// config: default first account.
    pub account_id: Option<u64>,
    /// kaas_availability_zones (dc3-a, dc4-a).
    pub region: Option<String>,
    /// dbaas_packs filter, e.g. mysql.
    pub r#type: Option<String>,
}

/// One catalogue of public-cloud.json's reference routes.
pub fn resource(ctx: &Ctx, a: ResourceArgs) -> Result<ItemOutput, ToolError> {
    let api = ctx.api();
    let item = match a.resource {
        Resource::Config => {
            let account = accounts(&api, a.account_id)?
                .into_iter()
                .next()
                .ok_or_else(|| invalid_args("this token sees no account", "give account_id"))?;
            api.get(
                "/1/public_clouds/config",
                &[("account_id", &account.to_string())],
            )?
        }
        Resource::DbaasConfigurations => api.get("/1/public_clouds/dbaas/configurations", &[])?,
        Resource::DbaasRegions => api.get("/1/public_clouds/dbaas/regions", &[])?,
        Resource::DbaasPacks => match &a.r#type {
            Some(t) => api.get("/1/public_clouds/dbaas/packs", &[("type", t)])?,
            None => api.get("/1/public_clouds/dbaas/packs", &[])?,
        },
        Resource::DbaasTypes => api.get("/1/public_clouds/dbaas/types", &[])?,
        Resource::KaasPacks => api.get("/1/public_clouds/kaas/packs", &[])?,
        Resource::KaasVersions => api.get("/1/public_clouds/kaas/versions", &[])?,
        Resource::KaasRegions => api.get("/1/public_clouds/kaas/regions", &[])?,
        Resource::KaasAvailabilityZones => {
            let region = a.region.as_deref().ok_or_else(|| {
                invalid_args(
                    "kaas_availability_zones needs region",
                    "give region: dc3-a or dc4-a (see kaas_regions)",
                )
            })?;
            api.get(
                "/1/public_clouds/kaas/availability_zones",
                &[("region", region)],
            )?
        }
    };
    Ok(ItemOutput { item })
}
