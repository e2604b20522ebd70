//! `infomaniak_manage_dnssec`: check, enable or disable DNSSEC on a domain.

use ikmcp_pdk::error::internal;
use ikmcp_pdk::{Ctx, HttpMethod, Plan, PlanBuilder, Planned, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::names;
use crate::zone::{dnssec_status, has_dnssec};

/// What to do with DNSSEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DnssecAction {
    /// Only report the status (no confirmation needed).
    Check,
    /// Turn DNSSEC on.
    Enable,
    /// Turn DNSSEC off.
    Disable,
}

/// Arguments of `infomaniak_manage_dnssec`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnssecArgs {
    /// Domain, e.g. example.com.
    pub domain: String,
    /// check, enable or disable.
    pub action: DnssecAction,
}

/// Result of `infomaniak_manage_dnssec`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DnssecOutput {
    /// The domain.
    pub domain: String,
    /// The action asked.
    pub action: DnssecAction,
    /// Whether anything was written.
    pub changed: bool,
    /// Whether DNSSEC is on (after the action).
    pub has_dnssec: bool,
    /// The API's DNSSEC status (type, DS/key data, KSK).
    pub status: Map<String, Value>,
}

/// Plans the action: `check`, and enabling/disabling what already is, are no-changes.
pub fn plan(ctx: &Ctx, args: DnssecArgs) -> Result<Planned<DnssecOutput>, ToolError> {
    let domain = names::zone(&args.domain)?;
    let status = dnssec_status(&ctx.api(), &domain)?;
    let on = has_dnssec(&status);
    let wanted = match args.action {
        DnssecAction::Check => on,
        DnssecAction::Enable => true,
        DnssecAction::Disable => false,
    };
    if wanted == on {
        return Ok(Planned::NoChange(DnssecOutput {
            domain,
            action: args.action,
            changed: false,
            has_dnssec: on,
            status,
        }));
    }
    let (verb, summary) = if wanted {
        (
            "enable",
            format!(
                "Enable DNSSEC on {domain}: its zone gets signed and the DS record is published at the registry."
            ),
        )
    } else {
        (
            "disable",
            format!(
                "Disable DNSSEC on {domain}: signatures and the registry's DS record are removed; resolvers stop validating the zone."
            ),
        )
    };
    PlanBuilder::new(ctx.role(), summary)
        .change(
            format!("{domain}: DNSSEC"),
            verb,
            Some(&json!({"has_dnssec": on})),
            Some(&json!({"has_dnssec": wanted})),
        )
        .snapshot(&status)
        .effect(
            HttpMethod::Post,
            format!("/2/domains/{domain}/dnssec/{verb}"),
            Some(&json!({})),
        )
        .confirm()
}

/// Performs the confirmed action and reports the fresh status.
pub fn apply(ctx: &Ctx, args: DnssecArgs, confirmed: &Plan) -> Result<DnssecOutput, ToolError> {
    let domain = names::zone(&args.domain)?;
    let [effect] = confirmed.effects.as_slice() else {
        return Err(internal("the confirmed plan must have exactly one effect"));
    };
    let api = ctx.api();
    api.perform(effect)?;
    let status = dnssec_status(&api, &domain)?;
    Ok(DnssecOutput {
        domain,
        action: args.action,
        changed: true,
        has_dnssec: has_dnssec(&status),
        status,
    })
}
