//! The account plugin through the whole stack against the sandbox tenant: reads on every
//! page, the refusal to guess an account, writes planned then applied, the offboarding plan,
//! the audits and the overview's request count.

use serde_json::json;

use crate::harness::{Harness, Options, Scale};

async fn fleet() -> Harness {
    Harness::start(Options {
        scale: Scale::Fleet,
        ..Options::default()
    })
    .await
}

/// The first account of the tenant and its id.
fn first_account(h: &Harness) -> u64 {
    h.sim.with_world(|w| w.accounts[0].id)
}

#[tokio::test]
async fn reads_cover_every_page_and_refuse_to_guess_the_account() {
    let h = fleet().await;
    let acc = first_account(&h);
    let orgs = h.ok("infomaniak_list_organizations", json!({})).await;
    assert_eq!(orgs["count"], 3, "{orgs}");

    // Several accounts and no account_id: refused with the list, nothing else read.
    let mark = h.mark();
    let err = h.err("infomaniak_list_account_users", json!({})).await;
    let message = err["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("3 accounts") && message.contains(&acc.to_string()),
        "{err}"
    );
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("account_id"),
        "{err}"
    );
    let after: Vec<_> = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.seq > mark)
        .collect();
    assert_eq!(after.len(), 1, "only the account list was read: {after:?}");

    // Users: more than one page, every one returned once.
    let expected = h
        .sim
        .with_world(|w| w.users.iter().filter(|u| u.account_id == acc).count());
    assert!(expected > 100, "the fleet account has {expected} users");
    h.sim.clear_requests();
    let users = h
        .ok("infomaniak_list_account_users", json!({"account_id": acc}))
        .await;
    assert_eq!(users["count"].as_u64().unwrap() as usize, expected);
    let mut ids: Vec<u64> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_id"].as_u64().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), expected, "no user twice");
    let pages = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path == format!("/2/accounts/{acc}/users"))
        .count();
    assert!(pages >= 2, "followed pagination: {pages} requests");

    // Filters reach the tenant.
    let admins = h
        .ok(
            "infomaniak_list_account_users",
            json!({"account_id": acc, "role_type": "admin"}),
        )
        .await;
    assert!(
        admins["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["role_type"] == "admin")
    );
    assert!(admins["count"].as_u64().unwrap() >= 2);

    // Teams: more than one page too; tags alongside.
    let expected_teams = h
        .sim
        .with_world(|w| w.teams.iter().filter(|t| t.account_id == acc).count());
    assert!(expected_teams > 100);
    let tt = h
        .ok("infomaniak_list_teams_and_tags", json!({"account_id": acc}))
        .await;
    assert_eq!(tt["teams"].as_array().unwrap().len(), expected_teams);
    assert_eq!(tt["tags"].as_array().unwrap().len(), 3);
    assert!(h.writes().is_empty(), "reads write nothing");
}

#[tokio::test]
async fn single_reads_and_their_errors() {
    let h = Harness::start(Options::default()).await;
    let (acc, user, team, inv) = h.sim.with_world(|w| {
        (
            w.accounts[0].id,
            w.users[1].user_id,
            w.teams[0].id,
            w.invitations[0].id,
        )
    });
    // One account: no account_id needed.
    let full = h.ok("infomaniak_get_account_full", json!({})).await;
    assert_eq!(full["account_id"], acc);
    assert!(full["account"]["name"].is_string());
    let profile = h.ok("infomaniak_get_my_profile", json!({})).await;
    assert!(profile["profile"]["email"].is_string());
    let security = h.ok("infomaniak_get_my_security", json!({})).await;
    assert!(security["two_factor"].is_boolean());
    let accesses = h
        .ok("infomaniak_get_user_app_accesses", json!({"user_id": user}))
        .await;
    assert_eq!(accesses["app_accesses"]["user_id"], user);
    let invitation = h
        .ok(
            "infomaniak_get_account_invitation_access",
            json!({"invitation_id": inv}),
        )
        .await;
    assert_eq!(invitation["invitation"]["status"], "pending");
    for (resource, extra) in [
        ("list_accounts", json!({})),
        ("get_account", json!({})),
        ("list_tags", json!({})),
        ("list_products", json!({})),
        ("list_services", json!({})),
        ("list_current_products", json!({})),
        ("list_basic_teams", json!({})),
        ("get_team", json!({"team_id": team})),
        ("list_team_users", json!({"team_id": team})),
        ("list_invitation_b2b", json!({"invitation_id": inv})),
    ] {
        let mut args = extra;
        args["resource"] = json!(resource);
        let out = h.ok("infomaniak_get_account_resources", args).await;
        assert_eq!(out["resource"], resource);
        assert!(!out["data"].is_null(), "{resource}: {out}");
    }
    // Wrong ids: clear not-found errors with a next step.
    let err = h
        .err("infomaniak_get_user_app_accesses", json!({"user_id": 1}))
        .await;
    assert_eq!(err["error"]["kind"], "not_found", "{err}");
    let err = h
        .err(
            "infomaniak_get_account_invitation_access",
            json!({"invitation_id": 1}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "not_found", "{err}");
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("invitation"),
        "{err}"
    );
    let err = h
        .err("infomaniak_get_account_full", json!({"account_id": 1}))
        .await;
    assert_eq!(err["error"]["kind"], "not_found", "{err}");
    // Bad arguments: refused, nothing written.
    let mark = h.mark();
    let err = h
        .err(
            "infomaniak_get_account_resources",
            json!({"resource": "get_team"}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    let err = h
        .err(
            "infomaniak_list_account_users",
            json!({"role_type": "superuser"}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert!(h.writes_since(mark).is_empty());
}
