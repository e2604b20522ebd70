//! The kChat client: which team (server) a call talks to, ids checked before they reach a
//! path, and the team id most list routes want.
//!
//! kChat is Mattermost v4 at `https://{team}.kchat.infomaniak.com/api/v4` (infomaniak-api.md
//! §7.6; the spec's `servers` entry is wrong). The `{team}` is a base param of the `kchat`
//! role: a `team` argument, validated here, or else the operator's default team, which the
//! host fills in (and shows in the approval).

use ikmcp_pdk::error::invalid_args;
use ikmcp_pdk::{Ctx, PlainApi, ToolError, ToolErrorExt};
use serde::Deserialize;
use serde_json::Value;

/// The upstream role of kChat.
pub const KCHAT: &str = "kchat";

/// kChat pages hold at most 200 items (infomaniak-api.md §4.5); lists ask for full pages.
pub const PER_PAGE: u32 = 200;

/// Named in 401/403 hints.
const CREDENTIAL: &str =
    "INFOMANIAK_KCHAT_TOKEN (a kChat bot token) or INFOMANIAK_API_TOKEN with the kchat scope";

/// A client for the call's team: the `team` argument when given (a DNS label), else the
/// configured default team.
pub fn api<'a>(ctx: &Ctx<'a>, team: Option<&str>) -> Result<PlainApi<'a>, ToolError> {
    let api = PlainApi::new(ctx.host(), KCHAT).credential(CREDENTIAL);
    Ok(match team {
        Some(t) => api.with_base_param("team", &team_label(t)?),
        None => api,
    })
}

/// A team name as a host label: letters, digits and `-`, 1 to 63, lowercased.
pub fn team_label(team: &str) -> Result<String, ToolError> {
    let t = team.trim().to_ascii_lowercase();
    let t = t
        .strip_suffix(".kchat.infomaniak.com")
        .unwrap_or(&t)
        .to_string();
    let ok = (1..=63).contains(&t.len())
        && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !t.starts_with('-')
        && !t.ends_with('-');
    if ok {
        Ok(t)
    } else {
        Err(invalid_args(
            format!("team {team:?} is not a kChat team name"),
            "give the team's name as in https://<team>.kchat.infomaniak.com (letters, digits, '-'), or leave it out for the configured team",
        ))
    }
}

/// A kChat id (channel, user, bot, command, team…): letters, digits, `-`, `_`, so it can
/// never change the path it is put in.
pub fn id<'s>(what: &str, value: &'s str) -> Result<&'s str, ToolError> {
    let ok = (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(value)
    } else {
        Err(invalid_args(
            format!("{what} {value:?} is not a kChat id"),
            format!("take the {what} from the matching kChat list tool"),
        ))
    }
}

/// The team's id: `team_id` when given (checked), else the one team this server holds.
pub fn team_id(api: &PlainApi, team_id: Option<&str>) -> Result<String, ToolError> {
    if let Some(t) = team_id {
        return Ok(id("team_id", t)?.to_string());
    }
    #[derive(Deserialize)]
    struct Team {
        id: String,
        name: String,
    }
    let teams: Vec<Team> = ikmcp_pdk::api::decode(
        Value::Array(api.list_pages("/api/v4/teams", &[], PER_PAGE)?),
        "/api/v4/teams",
    )?;
    match teams.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(ikmcp_pdk::error::not_found(
            "this kChat server shows no team to the token",
            "check the team name and that the token belongs to a member of it",
        )),
        many => Err(invalid_args(
            format!(
                "this kChat server has {} teams: {}",
                many.len(),
                many.iter()
                    .map(|t| format!("{} ({})", t.name, t.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "pass team_id",
        )),
    }
}

/// GET one object by id; a 404 names the tool that lists them.
pub fn get_one(api: &PlainApi, path: &str, list_tool: &str) -> Result<Value, ToolError> {
    api.get(path, &[]).map_err(|e| {
        if e.is_not_found() {
            let hint = format!("check the id with {list_tool} (and the team)");
            e.with_hint(hint)
        } else {
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_names_and_ids_cannot_leave_their_place() {
        assert_eq!(team_label(" Acme ").unwrap(), "acme");
        assert_eq!(team_label("acme.kchat.infomaniak.com").unwrap(), "acme");
        for bad in [
            "a.b",
            "evil.example#",
            "../x",
            "x/y",
            "",
            "-a",
            "a b",
            "x@y",
        ] {
            assert!(team_label(bad).is_err(), "{bad}");
        }
        assert!(id("channel_id", "019c5abe-30ed-7164-a4a3-9d24bf68453e").is_ok());
        for bad in ["../bots", "a/b", "a?b", "", "a%2f"] {
            assert!(id("channel_id", bad).is_err(), "{bad}");
        }
    }
}
