//! The cloud plugin through the whole stack: every read tool (lists on the fleet tenant's
//! multi-page fixtures), each manage tool planned without a write then applied exactly,
//! asynchronous starts reported as such, a stale plan refused, bad input and upstream
//! refusals answered with advice.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Harness, Options, Scale};

/// `(account, public cloud, project)` of the tenant's first public cloud.
fn first(h: &Harness) -> (u64, u64, u64) {
    h.sim.with_world(|w| {
        let c = &w.cloud.clouds[0];
        (c.account_id, c.id, c.projects[0].id)
    })
}

/// GET requests the tenant answered for `path`.
fn pages(h: &Harness, path: &str) -> usize {
    h.sim
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .count()
}

#[tokio::test]
async fn every_list_follows_every_page_of_the_fleet() {
    let h = Harness::start(Options {
        scale: Scale::Fleet,
        ..Options::default()
    })
    .await;
    let (acc, pc, p) = first(&h);
    let (clouds, projects, users, dbaas, kaas) = h.sim.with_world(|w| {
        let mine = || w.cloud.clouds.iter().filter(|c| c.account_id == acc);
        (
            mine().count(),
            w.cloud.clouds[0].projects.len(),
            w.cloud.clouds[0].projects[0].users.len(),
            mine()
                .flat_map(|c| &c.projects)
                .map(|p| p.dbaas.len())
                .sum::<usize>(),
            mine()
                .flat_map(|c| &c.projects)
                .map(|p| p.kaas.len())
                .sum::<usize>(),
        )
    });
    h.sim.clear_requests();
    let out = h
        .ok("infomaniak_list_public_clouds", json!({"account_id": acc}))
        .await;
    assert_eq!(out["count"], clouds as u64, "every public cloud");
    assert!(pages(&h, "/1/public_clouds") >= 2);
    let all = h.ok("infomaniak_list_public_clouds", json!({})).await;
    assert!(
        all["count"].as_u64().unwrap() > clouds as u64,
        "every account without account_id"
    );
    let out = h
        .ok(
            "infomaniak_list_public_cloud_projects",
            json!({"public_cloud_id": pc}),
        )
        .await;
    assert_eq!(out["count"], projects as u64);
    assert!(pages(&h, &format!("/1/public_clouds/{pc}/projects")) >= 2);
    let args = json!({"public_cloud_id": pc, "project_id": p});
    let out = h
        .ok("infomaniak_list_public_cloud_project_users", args)
        .await;
    assert_eq!(out["count"], users as u64);
    assert!(pages(&h, &format!("/1/public_clouds/{pc}/projects/{p}/users")) >= 2);
    let out = h
        .ok(
            "infomaniak_list_public_cloud_database_services",
            json!({"account_id": acc}),
        )
        .await;
    assert_eq!(out["count"], dbaas as u64);
    assert!(pages(&h, "/1/public_clouds/dbaas") >= 2);
    let out = h
        .ok(
            "infomaniak_list_public_cloud_kubernetes_services",
            json!({"account_id": acc}),
        )
        .await;
    assert_eq!(out["count"], kaas as u64);
    assert!(pages(&h, "/1/public_clouds/kaas") >= 2);
    let ids: std::collections::HashSet<_> = out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kaas_id"].clone())
        .collect();
    assert_eq!(ids.len(), kaas, "no service twice");
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn every_read_tool_answers_from_the_tenant() {
    let h = Harness::start(Options::default()).await;
    let (acc, pc, p) = first(&h);
    let cloud = h
        .ok(
            "infomaniak_get_public_cloud",
            json!({"public_cloud_id": pc}),
        )
        .await;
    assert_eq!(cloud["item"]["public_cloud_id"], pc);
    let acc_out = h
        .ok(
            "infomaniak_list_public_cloud_accesses",
            json!({"account_id": acc}),
        )
        .await;
    assert_eq!(acc_out["items"][0], pc.to_string());
    let status = h.ok("infomaniak_get_public_cloud_status", json!({})).await;
    assert!(status["item"].is_object());
    let project = h
        .ok(
            "infomaniak_get_public_cloud_project",
            json!({"public_cloud_id": pc, "project_id": p}),
        )
        .await;
    assert_eq!(project["item"]["public_cloud_project_id"], p);
    let dbs = h
        .ok(
            "infomaniak_list_public_cloud_database_services",
            json!({"public_cloud_id": pc, "project_id": p}),
        )
        .await;
    let db = dbs["items"][0]["id"].as_u64().unwrap();
    let one = h
        .ok(
            "infomaniak_get_public_cloud_database_service",
            json!({"public_cloud_id": pc, "project_id": p, "dbaas_id": db}),
        )
        .await;
    // Q10: the port came as a string; Q13: `[]` when not ready. Never the password.
    assert!(
        one["item"]["connection"]["port"].is_u64() || one["item"]["connection"].is_null(),
        "{one}"
    );
    assert!(
        !one.to_string().contains("********")
            && one["item"]["connection"].get("password").is_none(),
        "{one}"
    );
    let ks = h
        .ok(
            "infomaniak_list_public_cloud_kubernetes_services",
            json!({"public_cloud_id": pc, "project_id": p}),
        )
        .await;
    let k = ks["items"][0]["kaas_id"].as_u64().unwrap();
    let one = h
        .ok(
            "infomaniak_get_public_cloud_kubernetes_service",
            json!({"public_cloud_id": pc, "project_id": p, "kaas_id": k}),
        )
        .await;
    assert_eq!(one["item"]["kaas_id"], k);
    for resource in [
        "config",
        "dbaas_configurations",
        "dbaas_regions",
        "dbaas_packs",
        "dbaas_types",
        "kaas_packs",
        "kaas_versions",
        "kaas_regions",
    ] {
        let out = h
            .ok(
                "infomaniak_list_public_cloud_resource_data",
                json!({"resource": resource}),
            )
            .await;
        assert!(!out["item"].is_null(), "{resource}: {out}");
    }
    let zones = h
        .ok(
            "infomaniak_list_public_cloud_resource_data",
            json!({"resource": "kaas_availability_zones", "region": "dc4-a"}),
        )
        .await;
    assert_eq!(zones["item"].as_array().unwrap().len(), 3);
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn a_project_is_created_by_invitation_asynchronously_then_renamed() {
    let h = Harness::start(Options::default()).await;
    let (_, pc, _) = first(&h);
    let args = json!({"public_cloud_id": pc, "action": "invite", "payload": {"project_name": "e2e", "user_email": "ops@example.com"}});
    let done = h
        .plan_and_apply("infomaniak_manage_public_cloud_project", args)
        .await;
    assert_eq!(done.writes.len(), 1, "{done:?}");
    assert_eq!(
        done.writes[0].path,
        format!("/1/public_clouds/{pc}/projects/invite")
    );
    assert_eq!(
        done.writes[0].body.clone().unwrap(),
        done.plan["effects"][0]["body"]
    );
    assert_eq!(
        done.result["asynchronous"], true,
        "a 202 is reported as started: {done:?}"
    );
    let id = done.result["result"].as_u64().expect("the new project id");
    let p = h
        .ok(
            "infomaniak_get_public_cloud_project",
            json!({"public_cloud_id": pc, "project_id": id}),
        )
        .await;
    assert_eq!(p["item"]["name"], "e2e");
    let args = json!({"public_cloud_id": pc, "action": "update", "project_id": id, "payload": {"name": "e2e-renamed"}});
    let done = h
        .plan_and_apply("infomaniak_manage_public_cloud_project", args.clone())
        .await;
    assert_eq!(done.plan["changes"][0]["before"]["name"], "e2e");
    assert_eq!(done.writes[0].method, "PATCH");
    // Asking again for the name it now has is no change, and no token.
    h.ok(
        "infomaniak_get_public_cloud_project",
        json!({"public_cloud_id": pc, "project_id": id}),
    )
    .await;
    let again = h.ok("infomaniak_manage_public_cloud_project", args).await;
    assert_eq!(again["status"], "no_change", "{again}");
}

#[tokio::test]
async fn deleting_a_project_shows_what_goes_with_it_and_deletes_only_it() {
    let h = Harness::start(Options::default()).await;
    let (_, pc, p) = first(&h);
    let (users, dbaas, kaas) = h.sim.with_world(|w| {
        let pr = &w.cloud.clouds[0].projects[0];
        (pr.users.len(), pr.dbaas.len(), pr.kaas.len())
    });
    let args = json!({"public_cloud_id": pc, "action": "delete", "project_id": p});
    let done = h
        .plan_and_apply("infomaniak_manage_public_cloud_project", args)
        .await;
    let lost = done.plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "lost")
        .count();
    assert_eq!(lost, users + dbaas + kaas, "{}", done.plan);
    assert!(
        done.plan["summary"]
            .as_str()
            .unwrap()
            .contains("cannot be undone")
    );
    assert_eq!(done.writes.len(), 1);
    assert_eq!(
        (done.writes[0].method.as_str(), done.writes[0].path.clone()),
        ("DELETE", format!("/1/public_clouds/{pc}/projects/{p}"))
    );
    assert!(
        h.sim
            .with_world(|w| w.cloud.clouds[0].projects.iter().all(|x| x.id != p))
    );
}

#[tokio::test]
async fn users_and_services_are_managed_through_plans() {
    let h = Harness::start(Options::default()).await;
    let (_, pc, p) = first(&h);
    let base = json!({"public_cloud_id": pc, "project_id": p});
    let with = |extra: Value| {
        let mut a = base.clone();
        a.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        a
    };
    let done = h
        .plan_and_apply(
            "infomaniak_manage_public_cloud_project_user",
            with(json!({"action": "invite", "payload": {"email": "dev@example.com"}})),
        )
        .await;
    let user = done.result["result"].as_u64().unwrap();
    assert_eq!(done.result["asynchronous"], true);
    let done = h.plan_and_apply("infomaniak_manage_public_cloud_project_user", with(json!({"action": "update", "user_id": user, "payload": {"description": "ci runner"}}))).await;
    assert_eq!(done.writes[0].method, "PATCH");
    h.plan_and_apply("infomaniak_manage_public_cloud_project_user", with(json!({"action": "invite_existing", "user_id": user, "payload": {"email": "dev2@example.com"}}))).await;
    let done = h
        .plan_and_apply(
            "infomaniak_manage_public_cloud_project_user",
            with(json!({"action": "delete", "user_id": user})),
        )
        .await;
    assert_eq!(done.writes[0].method, "DELETE");

    let done = h
        .plan_and_apply(
            "infomaniak_manage_public_cloud_database_service",
            with(json!({"action": "create", "payload": {"name": "e2e-db", "pack_id": 1, "region": "dc4-a", "type": "mysql", "version": "8.0.42"}})),
        )
        .await;
    assert_eq!(
        done.writes[0].body.clone().unwrap()["pack_id"],
        "1",
        "the API takes pack_id as a string"
    );
    assert!(
        done.result["result"].get("admin_password").is_none(),
        "no password to the model: {:?}",
        done.result
    );
    assert_eq!(done.result["asynchronous"], false);
    let db = done.result["result"]["id"].as_u64().unwrap();
    let done = h
        .plan_and_apply(
            "infomaniak_manage_public_cloud_database_service",
            with(json!({"action": "update", "dbaas_id": db, "payload": {"name": "e2e-db2"}})),
        )
        .await;
    assert_eq!(
        done.plan["changes"][0]["before"]["name"], "e2e-db",
        "{}",
        done.plan
    );
    let done = h
        .plan_and_apply(
            "infomaniak_manage_public_cloud_database_service",
            with(json!({"action": "delete", "dbaas_id": db})),
        )
        .await;
    assert_eq!(done.writes.len(), 1);

    let done = h
        .plan_and_apply(
            "infomaniak_manage_public_cloud_kubernetes_service",
            with(json!({"action": "create", "payload": {"name": "e2e-k8s", "kaas_pack_id": 1, "kubernetes_version": "1.31", "region": "dc3-a"}})),
        )
        .await;
    let k = done.result["result"].as_u64().unwrap();
    h.plan_and_apply(
        "infomaniak_manage_public_cloud_kubernetes_service",
        with(json!({"action": "update", "kaas_id": k, "payload": {"kubernetes_version": "1.30"}})),
    )
    .await;
    let done = h
        .plan_and_apply(
            "infomaniak_manage_public_cloud_kubernetes_service",
            with(json!({"action": "delete", "kaas_id": k})),
        )
        .await;
    assert!(
        done.plan["summary"]
            .as_str()
            .unwrap()
            .contains("kubeconfig"),
        "{}",
        done.plan
    );
}

#[tokio::test]
async fn a_stale_plan_is_refused_and_writes_nothing() {
    let h = Harness::start(Options::default()).await;
    let (_, pc, p) = first(&h);
    let db = h
        .sim
        .with_world(|w| w.cloud.clouds[0].projects[0].dbaas[0].id);
    let args = json!({"public_cloud_id": pc, "project_id": p, "action": "delete", "dbaas_id": db});
    let plan = h
        .ok(
            "infomaniak_manage_public_cloud_database_service",
            args.clone(),
        )
        .await;
    // Someone else renames the service before the user confirms.
    let path = format!("/1/public_clouds/{pc}/projects/{p}/dbaas/{db}");
    h.direct(
        Method::PATCH,
        &path,
        Some(json!({"name": "renamed-meanwhile"})),
    )
    .await;
    let mark = h.mark();
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let err = h
        .err("infomaniak_manage_public_cloud_database_service", confirmed)
        .await;
    assert_eq!(err["error"]["code"], "plan_stale", "{err}");
    assert!(h.writes_since(mark).is_empty());
}

#[tokio::test]
async fn bad_input_and_upstream_refusals_are_advice_and_write_nothing() {
    let h = Harness::start(Options::default()).await;
    let (_, pc, p) = first(&h);
    let before = h.sim.requests().len();
    // Out of range and unknown arguments never reach the tenant.
    let err = h
        .err(
            "infomaniak_get_public_cloud",
            json!({"public_cloud_id": -1}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    let err = h.err("infomaniak_manage_public_cloud_project", json!({"public_cloud_id": pc, "action": "create", "payload": {"project_name": "x", "user_password": "Secret-123"}})).await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert!(
        err["error"]["hint"].as_str().unwrap().contains("invite"),
        "{err}"
    );
    assert!(!err.to_string().contains("Secret-123"));
    let err = h.err("infomaniak_manage_public_cloud_database_service", json!({"public_cloud_id": pc, "project_id": p, "action": "toggle_slow_logs", "dbaas_id": 1})).await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert!(
        err["error"]["hint"].as_str().unwrap().contains("manager"),
        "{err}"
    );
    let err = h.err("infomaniak_manage_public_cloud_kubernetes_service", json!({"public_cloud_id": pc, "project_id": p, "action": "update", "kaas_id": 1, "payload": {"flavor": "x"}})).await;
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("kubernetes_version"),
        "{err}"
    );
    assert_eq!(h.sim.requests().len(), before, "refused before any request");
    // Unknown ids: not found, pointing at the list tool.
    let err = h
        .err(
            "infomaniak_get_public_cloud_project",
            json!({"public_cloud_id": pc, "project_id": 1}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "not_found", "{err}");
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("infomaniak_list_public_cloud_projects"),
        "{err}"
    );
    let err = h
        .err(
            "infomaniak_manage_public_cloud_project",
            json!({"public_cloud_id": pc, "action": "delete", "project_id": 1}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "not_found", "{err}");
    // The tenant's 422 (unknown version) comes back naming the attribute to fix.
    let args = json!({"public_cloud_id": pc, "project_id": p, "action": "create", "payload": {"name": "x", "kaas_pack_id": 1, "kubernetes_version": "0.1", "region": "dc3-a"}});
    let plan = h
        .ok(
            "infomaniak_manage_public_cloud_kubernetes_service",
            args.clone(),
        )
        .await;
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let err = h
        .err(
            "infomaniak_manage_public_cloud_kubernetes_service",
            confirmed,
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("kubernetes_version"),
        "{err}"
    );
    assert!(h.sim.with_world(|w| {
        w.cloud.clouds[0].projects[0]
            .kaas
            .iter()
            .all(|k| k.name != "x")
    }));
}

#[tokio::test]
async fn vps_are_read_through_the_manager_session_only() {
    let h = Harness::start(Options::default()).await;
    let (acc, count) = h.sim.with_world(|w| {
        let acc = w.accounts[0].id;
        (acc, w.vps.iter().filter(|v| v.account_id == acc).count())
    });
    let out = h
        .ok("infomaniak_list_vps", json!({"account_id": acc}))
        .await;
    assert_eq!(out["count"], count as u64, "{out}");
    let id = out["items"][0]["id"].as_u64().unwrap();
    let full = h.ok("infomaniak_get_vps_full", json!({"vps_id": id})).await;
    assert_eq!(
        full["item"]["status"], "running",
        "with[]=* expands: {full}"
    );
    let vps: Vec<_> = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/proxy/1/vps"))
        .collect();
    assert_eq!(vps.len(), 2, "{vps:?}");
    assert!(vps.iter().all(|r| r.upstream == "manager"), "{vps:?}");
    assert_eq!(vps[1].query.as_deref(), Some("with%5B%5D=*"), "{vps:?}");
    let err = h.err("infomaniak_get_vps_full", json!({"vps_id": 1})).await;
    assert_eq!(err["error"]["kind"], "not_found", "{err}");
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("infomaniak_list_vps"),
        "{err}"
    );
    // The public API has no VPS route: the tenant answers 404 there.
    let public = h
        .direct(Method::GET, &format!("/1/vps?account_id={acc}"), None)
        .await;
    assert_eq!(public["error"]["code"], "method_not_found", "{public}");
}

#[tokio::test]
async fn without_a_manager_session_the_vps_tools_say_what_to_configure() {
    let h = Harness::start(Options {
        manager: false,
        ..Options::default()
    })
    .await;
    let err = h.err("infomaniak_list_vps", json!({})).await;
    assert_eq!(err["error"]["code"], "credential_missing", "{err}");
    assert!(
        h.sim.requests().iter().all(|r| r.upstream != "manager"),
        "nothing left the host"
    );
    assert!(
        h.ok("infomaniak_list_public_clouds", json!({})).await["count"]
            .as_u64()
            .unwrap()
            > 0
    );
}

/// A harness whose API token is the tenant's DNS token: it reads accounts but lacks the
/// `public_cloud` scope.
async fn without_cloud_scope() -> Harness {
    Harness::start(Options::dns_read_token()).await
}

#[tokio::test]
async fn a_token_without_the_public_cloud_scope_is_told_which_scope_to_add() {
    let h = without_cloud_scope().await;
    let (_, pc, p) = first(&h);
    let scope_hint = |err: &Value| {
        assert_eq!(err["error"]["kind"], "upstream", "{err}");
        assert!(
            err["error"]["hint"]
                .as_str()
                .unwrap()
                .contains("`public_cloud` scope"),
            "{err}"
        );
    };
    scope_hint(&h.err("infomaniak_list_public_clouds", json!({})).await);
    scope_hint(
        &h.err(
            "infomaniak_list_public_cloud_database_services",
            json!({"public_cloud_id": pc, "project_id": p}),
        )
        .await,
    );
    let db = h
        .sim
        .with_world(|w| w.cloud.clouds[0].projects[0].dbaas[0].id);
    for args in [
        json!({"public_cloud_id": pc, "action": "delete", "project_id": p}),
        json!({"public_cloud_id": pc, "action": "update", "project_id": p, "payload": {"name": "x"}}),
    ] {
        scope_hint(&h.err("infomaniak_manage_public_cloud_project", args).await);
    }
    scope_hint(
        &h.err(
            "infomaniak_manage_public_cloud_database_service",
            json!({"public_cloud_id": pc, "project_id": p, "action": "delete", "dbaas_id": db}),
        )
        .await,
    );
    let denied: Vec<_> = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/1/public_clouds"))
        .collect();
    assert!(
        !denied.is_empty() && denied.iter().all(|r| r.status == 403),
        "{denied:?}"
    );
    assert!(h.writes().is_empty(), "{:?}", h.writes());
}

/// Requests the tenant answered on a password reset route, whatever the spelling.
fn resets(h: &Harness) -> Vec<ikmcp_sim::recorder::RecordedRequest> {
    h.sim
        .requests()
        .into_iter()
        .filter(|r| r.path.to_ascii_lowercase().contains("reset"))
        .collect()
}

#[tokio::test]
async fn a_password_reset_is_one_confirmed_get_and_its_password_stays_out_of_the_log() {
    let h = Harness::start(Options::default()).await;
    let (_, pc, p) = first(&h);
    let (db, host) = h.sim.with_world(|w| {
        let d = &w.cloud.clouds[0].projects[0].dbaas[0];
        assert_eq!(d.status, "ready", "the seeded service can be reset");
        (d.id, format!("pcdb-{}.{}.infomaniak.cloud", d.id, d.region))
    });
    let tool = "infomaniak_manage_public_cloud_database_service";
    let args =
        json!({"public_cloud_id": pc, "project_id": p, "action": "reset_password", "dbaas_id": db});
    let plan = h.ok(tool, args.clone()).await;
    assert_eq!(plan["status"], "plan", "{plan}");
    assert!(resets(&h).is_empty(), "planning sent no reset");
    let path = format!("/1/public_clouds/{pc}/projects/{p}/dbaas/{db}/reset_password");
    let effects = plan["effects"].as_array().unwrap();
    assert_eq!(effects.len(), 1, "{plan}");
    assert_eq!(effects[0]["method"], "GET", "{plan}");
    let approval = plan["approval"].as_str().unwrap();
    assert!(
        approval
            .lines()
            .any(|l| l.contains("GET ") && l.contains(&path)),
        "the approval pins the GET: {approval}"
    );
    assert!(approval.contains("a GET that WRITES"), "{approval}");
    let text = plan.to_string();
    assert!(text.contains("stops working"), "says what is lost: {plan}");
    assert!(
        text.contains(&format!("admin@{host}")),
        "names the clients cut off: {plan}"
    );

    let mut confirmed = args.clone();
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let applied = h.ok(tool, confirmed.clone()).await;
    assert_eq!(applied["status"], "applied", "{applied}");
    let (new, count) = h.sim.with_world(|w| {
        let d = &w.cloud.clouds[0].projects[0].dbaas[0];
        (d.root_password(), d.password_resets)
    });
    assert_eq!(count, 1, "reset exactly once");
    assert_eq!(applied["result"]["result"]["password"], new, "{applied}");
    assert_eq!(applied["result"]["result"]["port"], 3306, "{applied}");
    let sent = resets(&h);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].method.as_str(), sent[0].path.as_str()),
        ("GET", path.as_str())
    );
    assert!(
        h.writes().is_empty(),
        "nothing but the reset was sent: {:?}",
        h.writes()
    );

    // The token is spent: a replay resets nothing.
    h.err(tool, confirmed).await;
    assert_eq!(resets(&h).len(), 1);
    // The client got the password; the audit log never holds it (nor the uri/command
    // strings that repeat it), but records the GET as the plan's effect.
    let log = std::fs::read_to_string(h.audit_path()).unwrap();
    assert!(
        !log.contains(&new),
        "the new password reached the audit log"
    );
    let apply = h
        .audit_lines()
        .into_iter()
        .find(|l| l["phase"] == "applied" && l["tool"] == tool)
        .expect("the apply is audited");
    let record = &apply["upstream"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (record["method"].as_str(), record["effect"].as_u64()),
        (Some("GET"), Some(1)),
        "{apply}"
    );
}

#[tokio::test]
async fn a_service_not_ready_cannot_be_reset_and_nothing_is_sent() {
    let h = Harness::start(Options::default()).await;
    let (_, pc, p) = first(&h);
    // A service just created is initializing: it has no connection yet.
    let created = h
        .direct(
            Method::POST,
            &format!("/1/public_clouds/{pc}/projects/{p}/dbaas"),
            Some(json!({"name": "fresh", "pack_id": "1", "region": "dc4-a", "type": "mysql", "version": "8.0.42"})),
        )
        .await;
    let db = created["data"]["id"].as_u64().expect("created");
    let err = h
        .err(
            "infomaniak_manage_public_cloud_database_service",
            json!({"public_cloud_id": pc, "project_id": p, "action": "reset_password", "dbaas_id": db}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("infomaniak_get_public_cloud_database_service"),
        "{err}"
    );
    assert!(resets(&h).is_empty());
}

#[tokio::test]
async fn a_plugin_cannot_reset_a_password_outside_a_confirmed_plan_that_pins_it() {
    let (h, _dir) =
        crate::hostile::with_component("ikmcp_test_plugin_hostile.wasm", "hostile").await;
    let all_denied = |list: &Value| {
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 5, "four spellings and a HEAD: {list:?}");
        for outcome in list {
            let error = outcome["error"].as_str().unwrap_or_default();
            assert!(error.starts_with("denied"), "{outcome}");
            assert!(error.contains("root password"), "{outcome}");
        }
    };
    // A read tool: every spelling, and HEAD, refused at the host.
    let out = h.ok("hostile_reset_during_read", json!({})).await;
    all_denied(&out["resets"]);
    assert!(resets(&h).is_empty(), "{:?}", resets(&h));
    // While planning and applying a plan that declares only a DELETE.
    let plan = h.ok("hostile_reset_outside_plan", json!({})).await;
    let applied = h
        .ok(
            "hostile_reset_outside_plan",
            json!({"confirmation_token": plan["confirmation_token"]}),
        )
        .await;
    all_denied(&applied["result"]["resets"]);
    assert!(
        applied["result"]["declared_delete"]["ok"].is_object(),
        "{applied}"
    );
    assert!(resets(&h).is_empty(), "{:?}", resets(&h));
    // Declared: sent once, even when the tenant fails it (a read would be retried), never
    // twice, never as a HEAD.
    h.sim
        .set_faults(ikmcp_sim::faults::Faults {
            error_rate: 1.0,
            ..Default::default()
        })
        .unwrap();
    let plan = h.ok("hostile_reset_declared", json!({})).await;
    assert_eq!(plan["effects"][0]["method"], "GET", "{plan}");
    let applied = h
        .ok(
            "hostile_reset_declared",
            json!({"confirmation_token": plan["confirmation_token"]}),
        )
        .await;
    let result = &applied["result"];
    assert_eq!(result["first"]["ok"]["status"], 500, "{applied}");
    assert!(
        result["again"]["error"]
            .as_str()
            .unwrap()
            .contains("already sent"),
        "{applied}"
    );
    assert!(
        result["head"]["error"]
            .as_str()
            .unwrap()
            .starts_with("denied"),
        "{applied}"
    );
    let sent = resets(&h);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].method, "GET");
}

#[tokio::test]
async fn a_project_with_more_services_than_a_page_is_listed_whole() {
    // The fleet gives each project one service: here one project gets 100 more of each.
    let h = Harness::start(Options::default()).await;
    let (_, pc, p) = first(&h);
    let base = format!("/1/public_clouds/{pc}/projects/{p}");
    for n in 0..100 {
        let db = json!({"name": format!("db-extra-{n}"), "pack_id": "1", "region": "dc4-a", "type": "mysql", "version": "8.0.42"});
        h.direct(Method::POST, &format!("{base}/dbaas"), Some(db))
            .await;
        let k8s = json!({"name": format!("k8s-extra-{n}"), "kaas_pack_id": 1, "kubernetes_version": "1.31", "region": "dc3-a"});
        h.direct(Method::POST, &format!("{base}/kaas"), Some(k8s))
            .await;
    }
    let (dbaas, kaas) = h.sim.with_world(|w| {
        let project = &w.cloud.clouds[0].projects[0];
        (project.dbaas.len(), project.kaas.len())
    });
    assert!(dbaas > 100 && kaas > 100, "{dbaas} {kaas}");
    h.sim.clear_requests();
    let args = json!({"public_cloud_id": pc, "project_id": p});
    for (tool, kind, count, id) in [
        (
            "infomaniak_list_public_cloud_database_services",
            "dbaas",
            dbaas,
            "id",
        ),
        (
            "infomaniak_list_public_cloud_kubernetes_services",
            "kaas",
            kaas,
            "kaas_id",
        ),
    ] {
        let out = h.ok(tool, args.clone()).await;
        assert_eq!(out["count"], count as u64, "{tool}");
        assert!(pages(&h, &format!("{base}/{kind}")) >= 2, "{tool}");
        let ids: std::collections::HashSet<_> = out["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s[id].clone())
            .collect();
        assert_eq!(ids.len(), count, "{tool}: no service twice");
    }
    assert!(h.writes().is_empty());
}
