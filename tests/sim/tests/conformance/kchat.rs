//! The kChat document's table (`openapi/kchat.json`): every operation the tenant serves,
//! success answers checked against the operation's response schema, errors against
//! `38cb7293_AppError` (kChat has no `{result,data}` envelope, so the shared runner's
//! envelope checks do not apply and this table has its own small runner).
//!
//! Requests go to the kChat listener as a loopback client does, `/t/{team}/api/v4/...`; one
//! case uses the `Host: {team}.kchat.infomaniak.com` routing instead.
//!
//! Deviations where the spec is provably incomplete: `GET /api/v4/groups` marks
//! `not_associated_to_team` and `not_associated_to_channel` required, but they are filters
//! (Mattermost reads a missing one as none), so the tenant does not require them.

use ikmcp_sim::SimHandle;
use ikmcp_sim::openapi::{self, Spec};
use serde_json::{Value, json};

use super::{Covered, Vars};
use crate::common::{client, schema_errors};

/// One request of the table.
pub struct KCase {
    method: &'static str,
    operation: &'static str,
    path: &'static str,
    body: Option<Value>,
    token: &'static str,
    status: u16,
    save: Option<(&'static str, &'static str)>,
}

fn k(method: &'static str, operation: &'static str, path: &'static str, status: u16) -> KCase {
    KCase {
        method,
        operation,
        path,
        body: None,
        token: "full",
        status,
        save: None,
    }
}

impl KCase {
    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    fn save(mut self, name: &'static str, pointer: &'static str) -> Self {
        self.save = Some((name, pointer));
        self
    }
    fn token(mut self, token: &'static str) -> Self {
        self.token = token;
        self
    }
}

/// Ids of the small tenant the table starts from.
pub fn vars(sim: &SimHandle) -> Vars {
    sim.with_world(|w| {
        let k = &w.kchat;
        let team = &k.teams[0];
        let town = k.channels.iter().find(|c| c.team_id == team.id).unwrap();
        Vars::from([
            ("tid".into(), team.id.clone()),
            ("tname".into(), team.name.clone()),
            ("town".into(), town.id.clone()),
            ("uid".into(), k.users[0].id.clone()),
            ("u2".into(), k.users[2].id.clone()),
        ])
    })
}

/// The cases, in order (later ones use what earlier ones created).
pub fn table() -> Vec<KCase> {
    const C: &str = "/api/v4/channels/{channel_id}";
    const B: &str = "/api/v4/bots/{bot_user_id}";
    const K: &str = "/api/v4/commands/{command_id}";
    vec![
        k("GET", "/api/v4/teams", "/api/v4/teams", 200),
        k("GET", "/api/v4/teams/name/{name}", "/api/v4/teams/name/{tname}", 200),
        k("GET", "/api/v4/users", "/api/v4/users?page=0&per_page=5", 200),
        k("GET", "/api/v4/users/{user_id}", "/api/v4/users/{uid}", 200),
        k("GET", "/api/v4/channels", "/api/v4/channels?page=0&per_page=200&include_deleted=true", 200),
        k("GET", "/api/v4/teams/{team_id}/channels", "/api/v4/teams/{tid}/channels?page=0&per_page=3", 200),
        k("GET", "/api/v4/teams/{team_id}/channels/private", "/api/v4/teams/{tid}/channels/private", 200),
        k("GET", "/api/v4/teams/{team_id}/channels/deleted", "/api/v4/teams/{tid}/channels/deleted", 200),
        k("GET", C, "/api/v4/channels/{town}", 200),
        k("GET", C, "/api/v4/channels/0000-none", 404),
        k("POST", "/api/v4/channels", "/api/v4/channels", 201)
            .body(json!({"team_id": "{tid}", "name": "conf-room", "display_name": "Conf room", "type": "O"}))
            .save("cid", "/id"),
        k("POST", "/api/v4/channels", "/api/v4/channels", 400)
            .body(json!({"team_id": "{tid}", "name": "no-type", "display_name": "x"})),
        k("POST", "/api/v4/channels", "/api/v4/channels", 400)
            .body(json!({"team_id": "{tid}", "name": "conf-room", "display_name": "again", "type": "O"})),
        k("PUT", "/api/v4/channels/{channel_id}/patch", "/api/v4/channels/{cid}/patch", 200)
            .body(json!({"purpose": "conformance"})),
        k("PUT", "/api/v4/channels/{channel_id}/privacy", "/api/v4/channels/{cid}/privacy", 200)
            .body(json!({"privacy": "P"})),
        k("POST", "/api/v4/channels/{channel_id}/members", "/api/v4/channels/{cid}/members", 201)
            .body(json!({"user_ids": ["{u2}"]})),
        k("GET", "/api/v4/channels/{channel_id}/members", "/api/v4/channels/{cid}/members", 200),
        k("GET", "/api/v4/channels/{channel_id}/members/{user_id}", "/api/v4/channels/{cid}/members/{u2}", 200),
        k("PUT", "/api/v4/channels/{channel_id}/members/{user_id}/roles", "/api/v4/channels/{cid}/members/{u2}/roles", 200)
            .body(json!({"roles": "channel_user channel_admin"})),
        k("PUT", "/api/v4/channels/{channel_id}/members/{user_id}/schemeRoles", "/api/v4/channels/{cid}/members/{u2}/schemeRoles", 200)
            .body(json!({"scheme_admin": false, "scheme_user": true})),
        k("PUT", "/api/v4/channels/{channel_id}/members/{user_id}/notify_props", "/api/v4/channels/{cid}/members/{u2}/notify_props", 200)
            .body(json!({"push": "mention"})),
        k("PUT", "/api/v4/channels/{channel_id}/members/{user_id}/notify_props", "/api/v4/channels/{cid}/members/{u2}/notify_props", 400)
            .body(json!({"push": "loud"})),
        k("DELETE", "/api/v4/channels/{channel_id}/members/{user_id}", "/api/v4/channels/{cid}/members/{u2}", 200),
        k("GET", "/api/v4/channels/{channel_id}/moderations", "/api/v4/channels/{cid}/moderations", 200),
        k("DELETE", C, "/api/v4/channels/{cid}", 200),
        k("DELETE", C, "/api/v4/channels/{town}", 400),
        k("POST", "/api/v4/channels/{channel_id}/restore", "/api/v4/channels/{cid}/restore", 200),
        k("GET", "/api/v4/groups", "/api/v4/groups?page=0&per_page=200", 200),
        k("GET", "/api/v4/teams/{team_id}/groups", "/api/v4/teams/{tid}/groups", 200),
        k("GET", "/api/v4/channels/{channel_id}/groups", "/api/v4/channels/{town}/groups", 200),
        k("GET", "/api/v4/users/{user_id}/groups", "/api/v4/users/{uid}/groups", 200),
        k("GET", "/api/v4/roles", "/api/v4/roles", 200),
        k("GET", "/api/v4/bots", "/api/v4/bots?page=0&per_page=200", 200),
        k("POST", "/api/v4/bots", "/api/v4/bots", 201)
            .body(json!({"username": "conf-bot", "display_name": "Conf"}))
            .save("bid", "/user_id"),
        k("GET", B, "/api/v4/bots/{bid}", 200),
        k("PUT", B, "/api/v4/bots/{bid}", 200).body(json!({"username": "conf-bot", "description": "d"})),
        k("POST", "/api/v4/bots/{bot_user_id}/disable", "/api/v4/bots/{bid}/disable", 200),
        k("POST", "/api/v4/bots/{bot_user_id}/enable", "/api/v4/bots/{bid}/enable", 200),
        k("GET", "/api/v4/commands", "/api/v4/commands?team_id={tid}&custom_only=true", 200),
        k("POST", "/api/v4/commands", "/api/v4/commands", 201)
            .body(json!({"team_id": "{tid}", "method": "P", "trigger": "conf", "url": "https://conf.example/hook"}))
            .save("kid", "/id"),
        k("GET", K, "/api/v4/commands/{kid}", 200),
        k("PUT", K, "/api/v4/commands/{kid}", 200)
            .body(json!({"id": "{kid}", "team_id": "{tid}", "method": "G", "trigger": "conf", "url": "https://conf.example/v2"})),
        k("PUT", "/api/v4/commands/{command_id}/regen_token", "/api/v4/commands/{kid}/regen_token", 200),
        k("DELETE", K, "/api/v4/commands/{kid}", 200),
        k("GET", K, "/api/v4/commands/{kid}", 404),
        k("GET", "/api/v4/roles", "/api/v4/roles", 401).token("invalid"),
        k("GET", "/api/v4/roles", "/api/v4/roles", 403).token("dns_read"),
    ]
}

fn fill(text: &str, vars: &Vars) -> String {
    vars.iter().fold(text.to_string(), |t, (k, v)| {
        t.replace(&format!("{{{k}}}"), v)
    })
}

/// Runs the table on team `acme`'s path prefix; returns what was covered.
pub async fn run(sim: &SimHandle, vars: &mut Vars) -> Result<Covered, String> {
    let mut covered = Covered::new();
    for (i, case) in table().iter().enumerate() {
        let path = fill(case.path, vars);
        let body = case
            .body
            .as_ref()
            .map(|b| serde_json::from_str::<Value>(&fill(&b.to_string(), vars)).unwrap());
        let token = match case.token {
            "full" => sim.token().to_string(),
            "dns_read" => sim.readonly_dns_token().to_string(),
            _ => "not-a-token".to_string(),
        };
        let url = format!("{}/t/{}{path}", sim.kchat_root(), vars["tname"]);
        let m = reqwest::Method::from_bytes(case.method.as_bytes()).unwrap();
        let mut rb = client().request(m, url).bearer_auth(&token);
        if let Some(b) = &body {
            rb = rb.json(b);
        }
        let resp = rb.send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let answer: Value =
            serde_json::from_str(&text).map_err(|e| format!("case {i}: not JSON ({e}): {text}"))?;
        let fail = |e: String| {
            format!(
                "case {i}: {} {path} -> {status}: {e}\nbody: {answer:#}",
                case.method
            )
        };
        if status != case.status {
            return Err(fail(format!("expected {}", case.status)));
        }
        let pointer = if status < 300 {
            openapi::response_pointer(case.operation, case.method, status)
        } else {
            "/components/schemas/38cb7293_AppError".to_string()
        };
        if openapi::document(Spec::Kchat).pointer(&pointer).is_none() {
            return Err(fail(format!("status {status} is not declared")));
        }
        let errors = schema_errors(Spec::Kchat, &pointer, &answer)?;
        if !errors.is_empty() {
            return Err(fail(errors.join("\n")));
        }
        if status >= 400 {
            let shaped = answer["id"].as_str().is_some_and(|s| !s.is_empty())
                && answer["message"].as_str().is_some_and(|s| !s.is_empty())
                && answer["status_code"] == json!(status);
            if !shaped {
                return Err(fail("not an AppError {id, message, status_code}".into()));
            }
        } else {
            covered.insert((case.operation.to_string(), case.method.to_string()));
        }
        if let Some((name, ptr)) = case.save {
            let v = answer
                .pointer(ptr)
                .and_then(Value::as_str)
                .ok_or_else(|| fail(format!("nothing at {ptr}")))?;
            vars.insert(name.to_string(), v.to_string());
        }
    }
    Ok(covered)
}
