//! DKIM key rotation (`GET`/`POST /1/mail_hostings/{id}/diagnostic/dkim/rotate`: not in
//! mail.json; infomaniak-api.md §7.3, [M: HENRI]).

use ikmcp_pdk::{Ctx, HttpMethod, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::common::{Outcome, get, hosting_path, unchanged};

// What infomaniak_rotate_mail_dkim does (values are the description).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DkimAction {
    Check,
    Rotate,
}

/// Arguments of `infomaniak_rotate_mail_dkim`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DkimArgs {
    pub mail_hosting_id: u64,
    pub action: DkimAction,
}

/// `check` reads (no confirmation); `rotate` plans the POST.
pub fn plan(ctx: &Ctx, a: DkimArgs) -> Result<Planned<Outcome>, ToolError> {
    let path = format!("{}/diagnostic/dkim/rotate", hosting_path(a.mail_hosting_id));
    let state = get(&ctx.api(), &path, &[])?;
    if a.action == DkimAction::Check {
        return unchanged(state);
    }
    PlanBuilder::new(
        ctx.role(),
        format!(
            "Rotate the DKIM key of mail hosting {}: a new key signs outgoing mail; if the domain's DNS is not at Infomaniak, publish the new key there.",
            a.mail_hosting_id
        ),
    )
    .change(format!("mail hosting {}: DKIM key", a.mail_hosting_id), "rotate", Some(&state), Some(&json!("new key")))
    .snapshot(&state)
    .effect(HttpMethod::Post, path, Some(&json!({})))
    .confirm()
}
