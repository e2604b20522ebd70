//! The kChat plugin through the whole stack: the `kchat` role with its `{team}`
//! placeholder, every tool, multi-page lists, plans that write nothing, applies that write
//! exactly the plan, stale plans, bad arguments and upstream errors.

use serde_json::{Value, json};

use crate::harness::{Harness, Options, Scale};

fn kchat_requests(h: &Harness, since: u64) -> Vec<ikmcp_sim::RecordedRequest> {
    h.sim
        .requests()
        .into_iter()
        .filter(|r| r.seq > since && r.upstream.starts_with("kchat"))
        .collect()
}

/// A channel of the default team by name, read from the tenant.
fn channel_id(h: &Harness, name: &str) -> String {
    h.sim.with_world(|w| {
        w.kchat
            .channels
            .iter()
            .find(|c| c.name == name && c.team_id == w.kchat.teams[0].id)
            .map(|c| c.id.clone())
            .unwrap_or_else(|| panic!("seeded channel {name}"))
    })
}

#[tokio::test]
async fn every_read_tool_answers_from_the_team_host_and_lists_follow_every_page() {
    let h = Harness::start(Options {
        scale: Scale::Fleet,
        ..Options::default()
    })
    .await;
    let mark = h.mark();
    let all = h.ok("infomaniak_list_kchat_channels", json!({})).await;
    let seeded = h.sim.with_world(|w| {
        let t = &w.kchat.teams[0].id;
        w.kchat
            .channels
            .iter()
            .filter(|c| &c.team_id == t && c.delete_at == 0)
            .count()
    });
    assert_eq!(all["count"].as_u64().unwrap() as usize, seeded);
    assert!(seeded > 400, "the fleet needs several 200-item pages");
    let reqs = kchat_requests(&h, mark);
    assert!(reqs.len() >= 3, "{reqs:?}");
    for (i, r) in reqs.iter().enumerate() {
        assert_eq!(r.upstream, "kchat:acme", "the configured team's host");
        assert_eq!(r.path, "/api/v4/channels");
        let q = r.query.as_deref().unwrap_or_default();
        assert!(
            q.contains(&format!("page={i}")) && q.contains("per_page=200"),
            "{q}"
        );
    }
    let town = channel_id(&h, "town-square");
    let members = h
        .ok(
            "infomaniak_list_kchat_channel_members",
            json!({"channel_id": town}),
        )
        .await;
    assert!(
        members["count"].as_u64().unwrap() > 200,
        "{}",
        members["count"]
    );
    for (tool, args) in [
        (
            "infomaniak_list_kchat_team_channels",
            json!({"visibility": "private"}),
        ),
        (
            "infomaniak_list_kchat_team_channels",
            json!({"visibility": "deleted"}),
        ),
        ("infomaniak_get_kchat_channel", json!({"channel_id": town})),
        (
            "infomaniak_get_kchat_channel_moderation",
            json!({"channel_id": town}),
        ),
        ("infomaniak_list_kchat_groups", json!({})),
        ("infomaniak_list_kchat_groups", json!({"scope": "team"})),
        ("infomaniak_list_kchat_roles", json!({})),
        ("infomaniak_list_kchat_bots", json!({})),
        ("infomaniak_list_kchat_commands", json!({})),
    ] {
        let out = h.ok(tool, args.clone()).await;
        assert!(
            out.get("count").is_some() || out.get("item").is_some(),
            "{tool} {args}: {out}"
        );
    }
    let groups = h.ok("infomaniak_list_kchat_groups", json!({})).await;
    assert!(
        groups["count"].as_u64().unwrap() > 200,
        "groups need two pages"
    );
    let bots = h.ok("infomaniak_list_kchat_bots", json!({})).await;
    let bot = bots["items"][0]["user_id"].as_str().unwrap().to_string();
    let got = h
        .ok("infomaniak_get_kchat_bot", json!({"bot_user_id": bot}))
        .await;
    assert_eq!(got["item"]["user_id"], bot.as_str());
    let cmds = h.ok("infomaniak_list_kchat_commands", json!({})).await;
    assert!(
        !cmds
            .to_string()
            .contains(&h.sim.with_world(|w| w.kchat.commands[0].token.clone())),
        "tokens stay hidden"
    );
    let cid = cmds["items"][0]["id"].as_str().unwrap().to_string();
    let one = h
        .ok("infomaniak_get_kchat_command", json!({"command_id": cid}))
        .await;
    assert_eq!(one["item"]["token"], "[hidden]");
    // Another team is another host.
    let mark = h.mark();
    h.ok("infomaniak_list_kchat_roles", json!({"team": "acme-labs"}))
        .await;
    assert_eq!(kchat_requests(&h, mark)[0].upstream, "kchat:acme-labs");
    assert!(h.writes_since(0).is_empty(), "reads write nothing");
}

#[tokio::test]
async fn the_audit_finds_what_the_tenant_hides() {
    let h = Harness::start(Options::default()).await;
    let out = h.ok("infomaniak_audit_kchat", json!({})).await;
    let checks: Vec<(String, String)> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has =
        |check: &str, needle: &str| checks.iter().any(|(c, t)| c == check && t.contains(needle));
    assert!(has("empty_channel", "empty-room"), "{checks:?}");
    assert!(has("inactive_channel", "old-project"), "{checks:?}");
    assert!(has("external_in_public", "partners"), "{checks:?}");
    assert!(has("bot_admin", "ops-admin-bot"), "{checks:?}");
    assert!(has("command_not_https", "/oncall"), "{checks:?}");
    assert!(!has("external_in_public", "town-square") || checks.len() > 5);
}

#[tokio::test]
async fn each_manage_action_plans_without_writing_and_applies_exactly_its_plan() {
    let h = Harness::start(Options::default()).await;
    let off = channel_id(&h, "off-topic");
    // Archive: said plainly, the team pinned in the effect, one DELETE on acme's host.
    let a = h
        .plan_and_apply(
            "infomaniak_manage_kchat_channel",
            json!({"action": "delete", "channel_id": off}),
        )
        .await;
    assert!(
        a.plan["summary"].as_str().unwrap().contains("ARCHIVE"),
        "{}",
        a.plan
    );
    assert!(
        a.plan["approval"]
            .as_str()
            .unwrap()
            .contains("/t/acme/api/v4/channels/"),
        "{}",
        a.plan["approval"]
    );
    assert_eq!(
        a.plan["effects"][0]["base_params"],
        json!([["team", "acme"]])
    );
    assert_eq!(a.writes.len(), 1);
    assert_eq!(
        (a.writes[0].method.as_str(), a.writes[0].upstream.as_str()),
        ("DELETE", "kchat:acme")
    );
    assert!(h.sim.with_world(|w| {
        w.kchat
            .channels
            .iter()
            .any(|c| c.id == off && c.delete_at != 0)
    }));
    // Archiving again is no change and writes nothing.
    let again = h
        .ok(
            "infomaniak_manage_kchat_channel",
            json!({"action": "archive", "channel_id": off}),
        )
        .await;
    assert_eq!(again["status"], "no_change", "{again}");
    let a = h
        .plan_and_apply(
            "infomaniak_manage_kchat_channel",
            json!({"action": "restore", "channel_id": off}),
        )
        .await;
    assert_eq!(a.writes.len(), 1);
    let a = h
        .plan_and_apply(
            "infomaniak_manage_kchat_channel",
            json!({"team": "acme", "action": "create", "payload": {"name": "incident-42", "display_name": "Incident 42", "type": "P"}}),
        )
        .await;
    assert_eq!(a.writes[0].body.as_ref().unwrap()["name"], "incident-42");
    let new_id = a.result["result"]["id"].as_str().unwrap().to_string();
    h.plan_and_apply(
        "infomaniak_manage_kchat_channel",
        json!({"action": "update", "channel_id": new_id, "payload": {"purpose": "War room"}}),
    )
    .await;
    h.plan_and_apply(
        "infomaniak_manage_kchat_channel",
        json!({"action": "privacy", "channel_id": new_id, "payload": {"privacy": "O"}}),
    )
    .await;
    let user = h.sim.with_world(|w| w.kchat.users[3].id.clone());
    h.plan_and_apply(
        "infomaniak_manage_kchat_channel_members",
        json!({"action": "add", "channel_id": new_id, "user_ids": [user]}),
    )
    .await;
    h.plan_and_apply(
        "infomaniak_manage_kchat_channel_members",
        json!({"action": "update_roles", "channel_id": new_id, "user_id": user, "roles": "channel_user channel_admin"}),
    )
    .await;
    h.plan_and_apply(
        "infomaniak_manage_kchat_channel_members",
        json!({"action": "update_scheme_roles", "channel_id": new_id, "user_id": user, "scheme_roles": {"scheme_admin": false, "scheme_user": true}}),
    )
    .await;
    let a = h
        .plan_and_apply(
            "infomaniak_manage_kchat_channel_members",
            json!({"action": "update_notify_props", "channel_id": new_id, "user_id": user, "notify_props": {"push": "mention"}}),
        )
        .await;
    assert_eq!(a.writes[0].body, Some(json!({"push": "mention"})));
    h.plan_and_apply(
        "infomaniak_manage_kchat_channel_members",
        json!({"action": "remove", "channel_id": new_id, "user_id": user}),
    )
    .await;
    let a = h
        .plan_and_apply(
            "infomaniak_manage_kchat_bot",
            json!({"action": "create", "payload": {"username": "backup-bot", "display_name": "Backups"}}),
        )
        .await;
    let bot = a.result["result"]["user_id"].as_str().unwrap().to_string();
    h.plan_and_apply(
        "infomaniak_manage_kchat_bot",
        json!({"action": "update", "bot_user_id": bot, "payload": {"description": "nightly"}}),
    )
    .await;
    h.plan_and_apply(
        "infomaniak_manage_kchat_bot",
        json!({"action": "disable", "bot_user_id": bot}),
    )
    .await;
    h.plan_and_apply(
        "infomaniak_manage_kchat_bot",
        json!({"action": "enable", "bot_user_id": bot}),
    )
    .await;
    let a = h
        .plan_and_apply(
            "infomaniak_manage_kchat_command",
            json!({"action": "create", "payload": {"trigger": "backup", "url": "https://ci.acme.ch/backup"}}),
        )
        .await;
    let cmd = a.result["result"]["id"].as_str().unwrap().to_string();
    assert_eq!(a.result["result"]["token"], "[hidden]");
    h.plan_and_apply("infomaniak_manage_kchat_command", json!({"action": "update", "command_id": cmd, "payload": {"url": "https://ci.acme.ch/backup2"}})).await;
    let a = h
        .plan_and_apply(
            "infomaniak_manage_kchat_command",
            json!({"action": "regen_token", "command_id": cmd}),
        )
        .await;
    assert!(!a.result.to_string().contains(&h.sim.with_world(|w| {
        w.kchat
            .commands
            .iter()
            .find(|c| c.id == cmd)
            .unwrap()
            .token
            .clone()
    })));
    h.plan_and_apply(
        "infomaniak_manage_kchat_command",
        json!({"action": "delete", "command_id": cmd}),
    )
    .await;
}

#[tokio::test]
async fn stale_plans_bad_arguments_and_upstream_errors_write_nothing() {
    let h = Harness::start(Options::default()).await;
    let off = channel_id(&h, "off-topic");
    let args = json!({"action": "update", "channel_id": off, "payload": {"header": "Be nice"}});
    let plan = h.ok("infomaniak_manage_kchat_channel", args.clone()).await;
    assert_eq!(plan["status"], "plan");
    // Someone changes the channel between the plan and the confirmation.
    let mark = h.mark();
    let _ = h
        .plan_and_apply("infomaniak_manage_kchat_channel", json!({"action": "update", "channel_id": off, "payload": {"purpose": "changed elsewhere"}}))
        .await;
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let stale = h.call("infomaniak_manage_kchat_channel", confirmed).await;
    let text = crate::harness::text(&stale);
    assert!(text.contains("plan_stale"), "{text}");
    assert_eq!(
        h.writes_since(mark).len(),
        1,
        "only the other change was written"
    );

    let admin = h.sim.with_world(|w| w.kchat.users[0].id.clone());
    let mark = h.mark();
    for (tool, args, kind) in [
        (
            "infomaniak_get_kchat_channel",
            json!({"team": "evil.example.com#", "channel_id": off}),
            "invalid_args",
        ),
        (
            "infomaniak_get_kchat_channel",
            json!({"channel_id": "../../users"}),
            "invalid_args",
        ),
        (
            "infomaniak_get_kchat_channel",
            json!({"channel_id": "0000-missing"}),
            "not_found",
        ),
        (
            "infomaniak_list_kchat_roles",
            json!({"team": "nosuchteam"}),
            "not_found",
        ),
        (
            "infomaniak_manage_kchat_channel",
            json!({"action": "archive", "channel_id": "0000-missing"}),
            "not_found",
        ),
        (
            "infomaniak_manage_kchat_channel",
            json!({"action": "create", "payload": {"name": "Bad Name!", "display_name": "x"}}),
            "confirmation",
        ),
        (
            "infomaniak_manage_kchat_command",
            json!({"action": "create", "payload": {"trigger": "x", "url": "http://clear.example/x"}}),
            "invalid_args",
        ),
        (
            "infomaniak_manage_kchat_bot",
            json!({"action": "delete", "bot_user_id": "b1"}),
            "invalid_args",
        ),
        (
            "infomaniak_manage_kchat_channel_members",
            json!({"action": "update_roles", "channel_id": off, "user_id": "u1", "roles": "channel_user"}),
            "not_found",
        ),
        (
            "infomaniak_manage_kchat_channel_members",
            json!({"action": "update_roles", "channel_id": off, "user_id": admin, "roles": "system_admin"}),
            "invalid_args",
        ),
    ] {
        if kind == "confirmation" {
            // A bad name the API alone refuses: the plan is made, the apply answers 400.
            let plan = h.ok(tool, args.clone()).await;
            let mut confirmed = args.clone();
            confirmed["confirmation_token"] = plan["confirmation_token"].clone();
            let e = h.err(tool, confirmed).await;
            assert_eq!(e["error"]["kind"], "invalid_args", "{e}");
            assert!(
                e["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("model.channel.is_valid.name"),
                "{e}"
            );
            continue;
        }
        let e = h.err(tool, args.clone()).await;
        assert_eq!(e["error"]["kind"], kind, "{tool} {args}: {e}");
        assert!(
            e["error"]["hint"].as_str().is_some_and(|s| !s.is_empty()),
            "{e}"
        );
    }
    let writes: Vec<Value> = h
        .writes_since(mark)
        .iter()
        .map(|w| json!([w.method, w.path, w.status]))
        .collect();
    assert!(
        writes.iter().all(|w| w[2] == 400),
        "only the refused create reached kChat: {writes:?}"
    );
}

#[tokio::test]
async fn a_token_without_the_kchat_scope_gets_a_hint() {
    // The harness's tenant has seed 42, so its tokens are known before it starts.
    let probe = ikmcp_sim::Sim::start(ikmcp_sim::SimConfig::default())
        .await
        .unwrap();
    let readonly = probe.readonly_dns_token().to_string();
    drop(probe);
    let h = Harness::start(Options {
        env: vec![("INFOMANIAK_KCHAT_TOKEN".into(), readonly)],
        ..Options::default()
    })
    .await;
    // A DNS-only token: kChat answers 403 and the hint names the kChat credential.
    let e = h.err("infomaniak_list_kchat_bots", json!({})).await;
    assert_eq!(e["error"]["kind"], "upstream", "{e}");
    assert!(
        e["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("INFOMANIAK_KCHAT_TOKEN"),
        "{e}"
    );
}

#[tokio::test]
async fn sandbox_mode_points_the_kchat_role_at_the_tenant_with_its_placeholder() {
    use rmcp::ServiceExt;
    use rmcp::transport::TokioChildProcess;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = crate::harness::base_command(dir.path());
    cmd.args(["serve", "--sandbox", "--seed", "7"]);
    let (transport, _stderr) = TokioChildProcess::builder(cmd)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = ().serve(transport).await.expect("initialize");
    let call = |name: &'static str, args: Value| {
        let client = &client;
        async move {
            client
                .call_tool(
                    rmcp::model::CallToolRequestParams::new(name)
                        .with_arguments(args.as_object().cloned().unwrap_or_default()),
                )
                .await
                .unwrap()
        }
    };
    let bots = call("infomaniak_list_kchat_bots", json!({})).await;
    assert_ne!(bots.is_error, Some(true), "{bots:?}");
    assert!(bots.structured_content.unwrap()["count"].as_u64().unwrap() >= 3);
    let channels = call("infomaniak_list_kchat_team_channels", json!({})).await;
    let items = channels.structured_content.unwrap()["items"].clone();
    let id = items[1]["id"].as_str().unwrap().to_string();
    let plan = call(
        "infomaniak_manage_kchat_channel",
        json!({"action": "archive", "channel_id": id}),
    )
    .await;
    let plan = plan.structured_content.unwrap();
    let approval = plan["approval"].as_str().unwrap();
    assert!(
        approval.contains("http://127.0.0.1:") && approval.contains("/t/acme/api/v4/channels/"),
        "{approval}"
    );
    assert_eq!(plan["effects"][0]["base_params"], json!([["team", "acme"]]));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn without_a_default_team_a_call_names_what_to_set_and_a_team_argument_works() {
    let h = Harness::start(Options {
        env: vec![("INFOMANIAK_KCHAT_TEAM".into(), String::new())],
        ..Options::default()
    })
    .await;
    let mark = h.mark();
    let e = h.err("infomaniak_list_kchat_roles", json!({})).await;
    assert_eq!(e["error"]["kind"], "invalid_args", "{e}");
    let said = e["error"].to_string();
    assert!(said.contains("team"), "{said}");
    assert!(kchat_requests(&h, mark).is_empty(), "nothing left the host");
    let ok = h
        .ok("infomaniak_list_kchat_roles", json!({"team": "acme"}))
        .await;
    assert!(ok["count"].as_u64().unwrap() > 0);
    assert_eq!(kchat_requests(&h, mark)[0].upstream, "kchat:acme");
}
