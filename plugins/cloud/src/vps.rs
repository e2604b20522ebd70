//! VPS (Cloud Server) reads. VPS exist only on the manager-private proxy
//! (`GET /proxy/1/vps?account_id=`, `GET /proxy/1/vps/{id}?with[]=*`, infomaniak-api.md
//! §7.7 [M: MOGA]; no public API documents them), so these two tools use the
//! `infomaniak-manager` role. Without a manager session the host refuses the request and
//! the tool answers `credential_missing` with what to configure; the other cloud tools
//! keep working on the API token.

use ikmcp_pdk::listing::{ItemOutput, ListOutput, accounts, not_found_hint};
use ikmcp_pdk::roles::MANAGER;
use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::LIST_VPS;
use crate::clouds::AccountArgs;

/// `infomaniak_list_vps`: the VPS of each account (the account list comes from the API).
pub fn list(ctx: &Ctx, a: AccountArgs) -> Result<ListOutput, ToolError> {
    let manager = ctx.api_for(MANAGER);
    let mut items = Vec::new();
    for account in accounts(&ctx.api(), a.account_id)? {
        let data = manager.get("/proxy/1/vps", &[("account_id", &account.to_string())])?;
        items.extend(ListOutput::from_value(data)?.items);
    }
    Ok(ListOutput::of(items))
}

/// Arguments naming a VPS.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpsArgs {
    pub vps_id: u64,
}

/// `infomaniak_get_vps_full`: one VPS with every expansion (`with[]=*`).
pub fn get_full(ctx: &Ctx, a: VpsArgs) -> Result<ItemOutput, ToolError> {
    let item = ctx
        .api_for(MANAGER)
        .get(&format!("/proxy/1/vps/{}", a.vps_id), &[("with[]", "*")])
        .map_err(|e| not_found_hint(e, LIST_VPS))?;
    Ok(ItemOutput { item })
}
