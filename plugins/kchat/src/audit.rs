//! `infomaniak_audit_kchat`: what a kChat admin should look at, from reads only: channels
//! without members or without activity, bots holding the system admin role, slash commands
//! sending to plain http, and public channels that external users (guests, or addresses
//! outside the team's allowed domains) can read.

use std::collections::BTreeSet;

use ikmcp_pdk::{Ctx, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{self, PER_PAGE, team_id};
use crate::reads::{all_bots, all_commands, all_members};

const DAY_MS: i64 = 86_400_000;

/// Arguments of `infomaniak_audit_kchat`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditArgs {
    pub team: Option<String>,
    pub team_id: Option<String>,
    /// Days without a post that make a channel inactive (default 90).
    #[schemars(range(min = 1, max = 3650))]
    pub inactive_days: Option<u32>,
}

/// One finding.
#[derive(Debug, Serialize, JsonSchema, PartialEq)]
pub struct Finding {
    /// high, medium or low.
    pub severity: String,
    /// empty_channel, inactive_channel, bot_admin, command_not_https, external_in_public.
    pub check: String,
    /// What it is about (channel, bot, command).
    pub target: String,
    /// What was found.
    pub detail: String,
    /// What to do.
    pub fix: String,
}

/// The audit's answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditOut {
    pub team_id: String,
    /// Channels, bots and commands examined.
    pub channels: usize,
    pub bots: usize,
    pub commands: usize,
    pub findings: Vec<Finding>,
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or_default()
}

fn i(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(0)
}

fn finding(severity: &str, check: &str, target: String, detail: String, fix: &str) -> Finding {
    Finding {
        severity: severity.into(),
        check: check.into(),
        target,
        detail,
        fix: fix.into(),
    }
}

/// Runs the audit.
pub fn audit(ctx: &Ctx, a: AuditArgs) -> Result<AuditOut, ToolError> {
    let api = client::api(ctx, a.team.as_deref())?;
    let tid = team_id(&api, a.team_id.as_deref())?;
    let inactive_ms = i64::from(a.inactive_days.unwrap_or(90).clamp(1, 3650)) * DAY_MS;
    let team = team_of(&api, &tid)?;
    let allowed: Vec<String> = s(&team, "allowed_domains")
        .split([',', ' '])
        .filter(|d| !d.is_empty())
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    // kchat.json GET /api/v4/users (every user, for guests and email domains)
    let users = api.list_pages("/api/v4/users", &[], PER_PAGE)?;
    let external: BTreeSet<String> = users
        .iter()
        .filter(|u| {
            let guest = s(u, "roles").split(' ').any(|r| r == "system_guest");
            let domain = s(u, "email")
                .rsplit_once('@')
                .map(|(_, d)| d.to_ascii_lowercase());
            let outside = !allowed.is_empty()
                && domain.is_some_and(|d| !allowed.contains(&d))
                && !u.get("is_bot").and_then(Value::as_bool).unwrap_or(false);
            guest || outside
        })
        .map(|u| s(u, "id").to_string())
        .collect();
    let admins: BTreeSet<String> = users
        .iter()
        .filter(|u| s(u, "roles").split(' ').any(|r| r == "system_admin"))
        .map(|u| s(u, "id").to_string())
        .collect();
    let mut channels = Vec::new();
    for suffix in ["", "/private"] {
        // kchat.json GET /api/v4/teams/{team_id}/channels and .../channels/private
        channels.extend(api.list_pages(
            &format!("/api/v4/teams/{tid}/channels{suffix}"),
            &[],
            PER_PAGE,
        )?);
    }
    let now = channels
        .iter()
        .map(|c| i(c, "last_post_at").max(i(c, "update_at")))
        .max()
        .unwrap_or(0);
    let mut findings = Vec::new();
    let total = channels.len() as u32;
    for (n, c) in channels.iter().enumerate() {
        ctx.progress(n as u32, Some(total), Some("channels"));
        let label = format!("channel {} ({})", s(c, "name"), s(c, "id"));
        let members = all_members(&api, s(c, "id"))?;
        if members.is_empty() {
            findings.push(finding(
                "medium",
                "empty_channel",
                label.clone(),
                "no members".into(),
                "archive it, or add its owners",
            ));
            continue;
        }
        let last = i(c, "last_post_at");
        if now - last > inactive_ms {
            let detail = if last == 0 {
                "no post ever".to_string()
            } else {
                format!("no post for {} days", (now - last) / DAY_MS)
            };
            findings.push(finding(
                "low",
                "inactive_channel",
                label.clone(),
                detail,
                "archive it if it is no longer used",
            ));
        }
        if s(c, "type") == "O" {
            let outsiders: Vec<&str> = members
                .iter()
                .map(|m| s(m, "user_id"))
                .filter(|u| external.contains(*u))
                .collect();
            if !outsiders.is_empty() {
                findings.push(finding("high", "external_in_public", label, format!("{} external user(s): {}", outsiders.len(), outsiders.join(", ")),
                    "make it private, or remove the external users if they should not read every public message"));
            }
        }
    }
    let bots = all_bots(&api, false)?;
    for b in &bots {
        if admins.contains(s(b, "user_id")) {
            findings.push(finding("high", "bot_admin", format!("bot {} ({})", s(b, "username"), s(b, "user_id")),
                "the bot's account has the system_admin role".into(), "give the bot only the roles it needs (a bot token with system admin rights controls the whole server)"));
        }
    }
    let commands = all_commands(&api, &tid, true)?;
    for c in &commands {
        let url = s(c, "url");
        if !url.starts_with("https://") {
            findings.push(finding("high", "command_not_https", format!("command /{} ({})", s(c, "trigger"), s(c, "id")),
                format!("sends to {url}"), "point it at an https URL (its token and users' text travel in clear otherwise), then regenerate its token"));
        }
    }
    ctx.progress(total, Some(total), Some("done"));
    Ok(AuditOut {
        team_id: tid,
        channels: channels.len(),
        bots: bots.len(),
        commands: commands.len(),
        findings,
    })
}

/// Team `tid` as the server lists it, with its `allowed_domains` (the organisation's email
/// domains) (kchat.json GET /api/v4/teams).
fn team_of(api: &ikmcp_pdk::PlainApi, tid: &str) -> Result<Value, ToolError> {
    let teams = api.list_pages("/api/v4/teams", &[], PER_PAGE)?;
    teams
        .into_iter()
        .find(|t| s(t, "id") == tid)
        .ok_or_else(|| {
            ikmcp_pdk::error::not_found(
                format!("team {tid} is not on this kChat server"),
                "check team_id with the list tools, or leave it out",
            )
        })
}
