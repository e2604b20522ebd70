//! Invitations to join an account: read one with its app accesses.

use ikmcp_pdk::{Api, Ctx, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::accounts::{hint_missing, resolve};

/// Arguments naming one invitation.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationArgs {
    pub account_id: Option<u64>,
    pub invitation_id: u64,
}

/// Result of `infomaniak_get_account_invitation_access`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct InvitationOutput {
    pub account_id: u64,
    /// The invitation: status, role, teams, and its app accesses in `permissions`.
    pub invitation: Value,
}

/// `GET /1/accounts/{account}/invitations/{invitation}` (core.json "Display an invitation of
/// an account").
pub fn fetch_invitation(api: &Api, account: u64, invitation: u64) -> Result<Value, ToolError> {
    api.get(&format!("/1/accounts/{account}/invitations/{invitation}"), &[])
        .map_err(|e| hint_missing(e, "check invitation_id: infomaniak_plan_user_offboarding and infomaniak_audit_account_access list pending invitations"))
}

/// One invitation and its accesses.
pub fn get_invitation(ctx: &Ctx, args: InvitationArgs) -> Result<InvitationOutput, ToolError> {
    let api = ctx.api();
    let account_id = resolve(&api, args.account_id)?;
    Ok(InvitationOutput {
        account_id,
        invitation: fetch_invitation(&api, account_id, args.invitation_id)?,
    })
}
