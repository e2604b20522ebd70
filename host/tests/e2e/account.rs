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

    // Users (and pending invitations, listed as pending users): more than one page, every
    // one returned once.
    let expected = h.sim.with_world(|w| {
        w.users.iter().filter(|u| u.account_id == acc).count()
            + w.invitations
                .iter()
                .filter(|i| i.account_id == acc && i.status == "pending")
                .count()
    });
    assert!(expected > 100, "the fleet account has {expected} users");
    h.sim.clear_requests();
    let users = h
        .ok("infomaniak_list_account_users", json!({"account_id": acc}))
        .await;
    assert_eq!(users["count"].as_u64().unwrap() as usize, expected);
    let mut ids: Vec<String> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| format!("{}/{}", u["user_id"], u["invitation_id"]))
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

/// The pending invitation the tenant seeds for the account's admin, and that admin.
fn admin_and_invitations(h: &Harness) -> (u64, u64, Vec<u64>) {
    h.sim.with_world(|w| {
        let acc = w.accounts[0].id;
        let admin = w
            .users
            .iter()
            .find(|u| u.account_id == acc && u.role_type == "admin")
            .unwrap()
            .user_id;
        let sent = w
            .invitations
            .iter()
            .filter(|i| i.account_id == acc && i.invited_by == admin && i.status == "pending")
            .map(|i| i.id)
            .collect();
        (acc, admin, sent)
    })
}

#[tokio::test]
async fn team_writes_plan_then_apply_exactly_the_planned_requests() {
    let h = Harness::start(Options::default()).await;
    let (acc, user) = h.sim.with_world(|w| (w.accounts[0].id, w.users[2].user_id));

    let created = h
        .plan_and_apply(
            "infomaniak_create_account_team",
            json!({"name": "Support", "services": [1]}),
        )
        .await;
    assert_eq!(created.writes.len(), 1);
    assert_eq!(created.writes[0].path, format!("/1/accounts/{acc}/teams"));
    assert_eq!(
        created.writes[0].body,
        Some(json!({"name": "Support", "permissions": {"services": [1]}}))
    );
    let team = created.result["results"][0]["id"]
        .as_u64()
        .expect("the new team's id");
    assert!(
        h.sim
            .with_world(|w| w.teams.iter().any(|t| t.id == team && t.name == "Support"))
    );

    // The same name again: refused with advice, nothing written.
    let mark = h.mark();
    let err = h
        .err("infomaniak_create_account_team", json!({"name": "support"}))
        .await;
    assert_eq!(err["error"]["kind"], "conflict", "{err}");
    assert!(h.writes_since(mark).is_empty());

    let renamed = h
        .plan_and_apply(
            "infomaniak_update_account_team",
            json!({"team_id": team, "name": "Helpdesk"}),
        )
        .await;
    assert_eq!(renamed.writes[0].method, "PATCH");
    assert_eq!(renamed.writes[0].body, Some(json!({"name": "Helpdesk"})));
    let same = h
        .ok(
            "infomaniak_update_account_team",
            json!({"team_id": team, "name": "Helpdesk"}),
        )
        .await;
    assert_eq!(same["status"], "no_change", "{same}");

    let added = h
        .plan_and_apply(
            "infomaniak_add_account_team_users",
            json!({"team_id": team, "user_ids": [user]}),
        )
        .await;
    assert_eq!(added.writes[0].body, Some(json!({"user_ids": [user]})));
    assert!(
        h.sim
            .with_world(|w| w.teams.iter().any(|t| t.id == team && t.user_ids == [user]))
    );
    let again = h
        .ok(
            "infomaniak_add_account_team_users",
            json!({"team_id": team, "user_ids": [user]}),
        )
        .await;
    assert_eq!(again["status"], "no_change");
    // An unknown user: the tenant's 422 comes back as an argument error naming the field.
    let mark = h.mark();
    let plan = h
        .ok(
            "infomaniak_add_account_team_users",
            json!({"team_id": team, "user_ids": [4242]}),
        )
        .await;
    let err = h
        .err(
            "infomaniak_add_account_team_users",
            json!({"team_id": team, "user_ids": [4242], "confirmation_token": plan["confirmation_token"]}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("user_ids"),
        "{err}"
    );
    let refused = h.writes_since(mark);
    assert_eq!(refused.len(), 1, "only the refused write: {refused:?}");
    assert_eq!(refused[0].status, 422);

    let removed = h
        .plan_and_apply(
            "infomaniak_remove_account_team_users",
            json!({"team_id": team, "user_ids": [user]}),
        )
        .await;
    assert_eq!(removed.writes[0].method, "DELETE");
    assert_eq!(removed.writes[0].body, Some(json!({"user_ids": [user]})));

    let deleted = h
        .plan_and_apply("infomaniak_delete_account_team", json!({"team_id": team}))
        .await;
    assert_eq!(
        deleted.writes[0].path,
        format!("/1/accounts/{acc}/teams/{team}")
    );
    let err = h
        .err("infomaniak_delete_account_team", json!({"team_id": team}))
        .await;
    assert_eq!(err["error"]["kind"], "not_found", "{err}");
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("infomaniak_list_teams_and_tags")
    );
}

#[tokio::test]
async fn tag_writes_and_a_stale_plan() {
    let h = Harness::start(Options::default()).await;
    let acc = h.sim.with_world(|w| w.accounts[0].id);
    let created = h
        .plan_and_apply(
            "infomaniak_create_account_tag",
            json!({"name": "customers", "color": 4}),
        )
        .await;
    assert_eq!(
        created.writes[0].body,
        Some(json!({"name": "customers", "color": 4}))
    );
    let tag = created.result["results"][0]["id"].as_u64().unwrap();
    let updated = h
        .plan_and_apply(
            "infomaniak_update_account_tag",
            json!({"tag_id": tag, "name": "clients"}),
        )
        .await;
    assert_eq!(updated.writes[0].method, "PUT");
    assert_eq!(updated.writes[0].body, Some(json!({"name": "clients"})));

    // Someone else renames the tag between the plan and the confirmation: refused as stale.
    let plan = h
        .ok(
            "infomaniak_update_account_tag",
            json!({"tag_id": tag, "color": 9}),
        )
        .await;
    let meddle = h
        .direct(
            reqwest::Method::PUT,
            &format!("/1/accounts/{acc}/tags/{tag}"),
            Some(json!({"name": "renamed"})),
        )
        .await;
    assert_eq!(meddle["result"], "success", "{meddle}");
    let mark = h.mark();
    let err = h
        .err(
            "infomaniak_update_account_tag",
            json!({"tag_id": tag, "color": 9, "confirmation_token": plan["confirmation_token"]}),
        )
        .await;
    assert_eq!(err["error"]["code"], "plan_stale", "{err}");
    assert!(
        h.writes_since(mark).is_empty(),
        "a stale plan writes nothing"
    );

    let deleted = h
        .plan_and_apply("infomaniak_delete_account_tag", json!({"tag_id": tag}))
        .await;
    assert_eq!(
        deleted.writes[0].path,
        format!("/1/accounts/{acc}/tags/{tag}")
    );
    let mark = h.mark();
    let err = h
        .err(
            "infomaniak_create_account_tag",
            json!({"name": "x", "color": 99}),
        )
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args");
    let err = h
        .err("infomaniak_delete_account_tag", json!({"tag_id": tag}))
        .await;
    assert_eq!(err["error"]["kind"], "not_found");
    assert!(h.writes_since(mark).is_empty());
}

#[tokio::test]
async fn invitation_writes_accesses_and_customers() {
    let h = Harness::start(Options {
        scale: Scale::Fleet,
        ..Options::default()
    })
    .await;
    let (acc, other, drive, mail, team) = h.sim.with_world(|w| {
        let acc = w.accounts[0].id;
        (
            acc,
            w.accounts[1].id,
            w.drives.iter().find(|d| d.account_id == acc).unwrap().id,
            w.mail_hostings
                .iter()
                .find(|m| m.account_id == acc)
                .unwrap()
                .id,
            w.teams.iter().find(|t| t.account_id == acc).unwrap().id,
        )
    });
    // Several accounts: a write without account_id is refused before anything is read or sent.
    let mark = h.mark();
    let err = h
        .err("infomaniak_create_account_invitation", json!({"email": "n@example.org", "first_name": "N", "last_name": "P", "locale": "fr_FR", "role_type": "normal"}))
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args", "{err}");
    assert!(h.writes_since(mark).is_empty());

    let invited = h
        .plan_and_apply(
            "infomaniak_create_account_invitation",
            json!({"account_id": acc, "email": "New.Person@example.org", "first_name": "New", "last_name": "Person", "locale": "en_GB", "role_type": "normal", "team_ids": [team]}),
        )
        .await;
    assert_eq!(
        invited.writes[0].body,
        Some(
            json!({"email": "new.person@example.org", "first_name": "New", "last_name": "Person", "locale": "en_GB", "role_type": "normal", "teams": [team]})
        )
    );
    let inv = invited.result["results"][0]["id"].as_u64().unwrap();
    let base = json!({"account_id": acc, "invitation_id": inv});
    let with = |extra: serde_json::Value| {
        let mut args = base.clone();
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        args
    };
    let updated = h
        .plan_and_apply(
            "infomaniak_update_account_invitation",
            with(json!({"role_type": "admin"})),
        )
        .await;
    assert_eq!(updated.writes[0].body, Some(json!({"role_type": "admin"})));

    for (extra, method, path) in [
        (
            json!({"target": "drive", "action": "create", "drive_id": drive, "role": "user"}),
            "POST",
            "drive".to_string(),
        ),
        (
            json!({"target": "drive", "action": "update", "drive_id": drive, "right": "write"}),
            "PATCH",
            format!("drive/{drive}"),
        ),
        (
            json!({"target": "drive", "action": "delete", "drive_id": drive}),
            "DELETE",
            format!("drive/{drive}"),
        ),
        (
            json!({"target": "ksuite", "action": "create", "role": "admin"}),
            "POST",
            "ksuite".to_string(),
        ),
        (
            json!({"target": "ksuite", "action": "delete"}),
            "DELETE",
            "ksuite".to_string(),
        ),
        (
            json!({"target": "mailbox", "action": "create", "mail_id": mail, "mailbox_name": "new.person", "permissions": ["can_manage_filters"]}),
            "POST",
            format!("mailbox/{mail}"),
        ),
        (
            json!({"target": "mailbox", "action": "update", "mail_id": mail, "mailbox_name": "new.person", "permissions": []}),
            "PATCH",
            format!("mailbox/{mail}"),
        ),
        (
            json!({"target": "mailbox", "action": "delete", "mail_id": mail, "mailbox_name": "new.person"}),
            "DELETE",
            format!("mailbox/{mail}"),
        ),
        (
            json!({"target": "mailbox", "action": "invite", "mail_id": mail, "mailbox_name": "shared", "key": "k1"}),
            "POST",
            "mailbox/invite".to_string(),
        ),
        (
            json!({"target": "kchat", "action": "update", "role": "admin"}),
            "PATCH",
            "kchat".to_string(),
        ),
    ] {
        let done = h
            .plan_and_apply(
                "infomaniak_manage_account_invitation_access",
                with(extra.clone()),
            )
            .await;
        assert_eq!(done.writes.len(), 1, "{extra}");
        assert_eq!(done.writes[0].method, method, "{extra}");
        assert_eq!(
            done.writes[0].path,
            format!("/1/accounts/{acc}/invitations/{inv}/{path}"),
            "{extra}"
        );
        assert!(done.writes[0].status < 300, "{extra}: {:?}", done.writes[0]);
    }
    // Revoking an access it does not have: the tenant's 404 reaches the model as not found.
    let plan = h
        .ok(
            "infomaniak_manage_account_invitation_access",
            with(json!({"target": "ksuite", "action": "delete"})),
        )
        .await;
    let err = h
        .err(
            "infomaniak_manage_account_invitation_access",
            with(json!({"target": "ksuite", "action": "delete", "confirmation_token": plan["confirmation_token"]})),
        )
        .await;
    assert_eq!(err["error"]["kind"], "not_found", "{err}");

    let assigned = h
        .plan_and_apply(
            "infomaniak_manage_account_invitation_b2b",
            with(json!({"action": "assign", "partnership_ids": [other]})),
        )
        .await;
    assert_eq!(
        assigned.writes[0].body,
        Some(json!({"partnership_ids": [other]}))
    );
    let unassigned = h
        .plan_and_apply(
            "infomaniak_manage_account_invitation_b2b",
            with(json!({"action": "unassign", "partnership_id": other})),
        )
        .await;
    assert_eq!(
        unassigned.writes[0].path,
        format!("/1/accounts/{acc}/invitations/{inv}/b2b/{other}")
    );

    let cancelled = h
        .plan_and_apply("infomaniak_delete_account_invitation", base.clone())
        .await;
    assert_eq!(cancelled.writes[0].method, "DELETE");
    let again = h
        .ok("infomaniak_delete_account_invitation", base.clone())
        .await;
    assert_eq!(again["status"], "no_change", "{again}");
    let mark = h.mark();
    let err = h
        .err(
            "infomaniak_update_account_invitation",
            with(json!({"role_type": "normal"})),
        )
        .await;
    assert_eq!(err["error"]["kind"], "conflict", "{err}");
    assert!(h.writes_since(mark).is_empty());
}

#[tokio::test]
async fn offboarding_lists_every_holding_and_its_removals_apply() {
    let h = Harness::start(Options::default()).await;
    let (acc, admin, sent) = admin_and_invitations(&h);
    assert!(sent.len() >= 2, "the admin sent invitations: {sent:?}");
    let mark = h.mark();
    let plan = h
        .ok(
            "infomaniak_plan_user_offboarding",
            json!({"user_id": admin}),
        )
        .await;
    assert!(h.writes_since(mark).is_empty(), "the plan only reads");
    let holdings = plan["holdings"].as_array().unwrap();
    let kinds: Vec<&str> = holdings
        .iter()
        .map(|x| x["product"].as_str().unwrap())
        .collect();
    for kind in ["team", "invitation", "kchat", "account"] {
        assert!(kinds.contains(&kind), "{kind} missing: {plan}");
    }
    // kDrive holdings come from the drive routes: listed exactly when the tenant's drives
    // hold the user (the seed decides), and always for a user who is in a drive.
    let in_drive = |user: u64| {
        h.sim.with_world(|w| {
            w.drives
                .iter()
                .filter(|d| d.account_id == acc && d.kdrive.user(user).is_some())
                .count()
        })
    };
    assert_eq!(
        kinds.iter().filter(|k| **k == "kdrive").count(),
        in_drive(admin),
        "{plan}"
    );
    let drive_user = h.sim.with_world(|w| {
        w.users
            .iter()
            .filter(|u| u.account_id == acc)
            .map(|u| u.user_id)
            .find(|u| {
                w.drives
                    .iter()
                    .any(|d| d.account_id == acc && d.kdrive.user(*u).is_some())
            })
    });
    {
        let user = drive_user.expect("the seed puts some of the account's users in a drive");
        let other = h
            .ok(
                "infomaniak_plan_user_offboarding",
                json!({"user_id": user, "account_id": acc}),
            )
            .await;
        let drives = other["holdings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["product"] == "kdrive")
            .count();
        assert_eq!(drives, in_drive(user), "{other}");
        assert!(drives > 0, "{other}");
    }
    let teams = h.sim.with_world(|w| {
        w.teams
            .iter()
            .filter(|t| t.account_id == acc && t.user_ids.contains(&admin))
            .count()
    });
    assert_eq!(kinds.iter().filter(|k| **k == "team").count(), teams);
    // Routes the tenant does not serve yet are named, not silently skipped.
    for nc in plan["not_checked"].as_array().unwrap() {
        assert!(nc["reason"].as_str().is_some_and(|r| !r.is_empty()), "{nc}");
    }
    // Each removal this plugin owns applies through its tool, one confirmation each.
    for item in holdings.iter().filter(|x| x["removal"]["tool"].is_string()) {
        let tool = item["removal"]["tool"].as_str().unwrap();
        let done = h
            .plan_and_apply(tool, item["removal"]["arguments"].clone())
            .await;
        assert!(!done.writes.is_empty(), "{tool}");
    }
    let after = h
        .ok(
            "infomaniak_plan_user_offboarding",
            json!({"user_id": admin}),
        )
        .await;
    let left: Vec<&str> = after["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["product"].as_str().unwrap())
        .collect();
    assert!(
        !left.contains(&"team") && !left.contains(&"invitation"),
        "{after}"
    );
    assert!(h.sim.with_world(|w| {
        w.invitations
            .iter()
            .filter(|i| sent.contains(&i.id))
            .all(|i| i.status == "cancelled")
    }));
    let err = h
        .err("infomaniak_plan_user_offboarding", json!({"user_id": 1}))
        .await;
    assert_eq!(err["error"]["kind"], "not_found", "{err}");
}

#[tokio::test]
async fn audits_and_the_overview_from_few_requests() {
    let h = fleet().await;
    let acc = first_account(&h);
    h.sim.clear_requests();
    let overview = h.ok("infomaniak_overview", json!({})).await;
    let requests = h.sim.requests().len();
    let products = h.sim.with_world(|w| w.products.len());
    let pages = products.div_ceil(100);
    assert!(pages >= 2, "the fleet's products span several pages");
    assert_eq!(
        requests,
        1 + pages,
        "GET /1/accounts and every page of /1/products: {overview}"
    );
    let total: u64 = overview["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["products"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, products);
    assert_eq!(
        overview["total_products"].as_u64().unwrap() as usize,
        products
    );
    let domains = h.sim.with_world(|w| {
        w.products
            .iter()
            .filter(|p| p.account_id == acc && p.service_name == "domain")
            .count()
    });
    assert_eq!(
        overview["accounts"][0]["by_service"]["domain"]
            .as_u64()
            .unwrap() as usize,
        domains
    );

    let access = h
        .ok(
            "infomaniak_audit_account_access",
            json!({"account_id": acc, "days": 60}),
        )
        .await;
    let findings = access["findings"].as_array().unwrap();
    let text = serde_json::to_string(findings).unwrap();
    assert!(text.contains("without two-factor"), "{text}");
    assert!(text.contains("outside the organisation"), "{text}");
    assert!(text.contains("no team"), "{text}");
    assert!(text.contains("expired"), "a stale invitation: {text}");
    let all = h.ok("infomaniak_audit_account_access", json!({})).await;
    assert_eq!(all["accounts"].as_array().unwrap().len(), 3);

    let audit = h.ok("infomaniak_audit_account", json!({})).await;
    assert_eq!(audit["accounts"].as_array().unwrap().len(), 3);
    assert!(
        audit["findings"].to_string().contains("not required"),
        "{audit}"
    );
    // Q9: domains are judged by their live expiry, never by /1/products' expired_at (which
    // the tenant leaves at the original contract date, in the past).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let audit = h
        .ok(
            "infomaniak_audit_account",
            json!({"account_id": acc, "days": 60}),
        )
        .await;
    let text = audit["findings"].to_string();
    let (soon, later) = h.sim.with_world(|w| {
        let of = |keep: &dyn Fn(i64) -> bool| -> Vec<String> {
            w.domains
                .iter()
                .filter(|d| d.account_id == acc && keep(d.expires_at))
                .filter(|d| {
                    w.products
                        .iter()
                        .any(|p| p.id == d.id && p.expired_at < now)
                })
                .map(|d| format!("domain {} ({})", d.id, d.name))
                .collect()
        };
        (
            of(&|t| t > now && t < now + 60 * 86_400),
            of(&|t| t > now + 61 * 86_400),
        )
    });
    assert!(
        !later.is_empty() && !soon.is_empty(),
        "the tenant has both kinds"
    );
    for d in &soon {
        assert!(
            text.contains(d.as_str()),
            "{d} expires within 60 days: {text}"
        );
    }
    for d in &later {
        assert!(
            !text.contains(d.as_str()),
            "{d} renews later than 60 days: {text}"
        );
    }
    let err = h
        .err("infomaniak_audit_account", json!({"days": 1000}))
        .await;
    assert_eq!(err["error"]["kind"], "invalid_args");
    assert!(h.writes().is_empty(), "audits write nothing");
}

#[tokio::test]
async fn a_token_without_the_account_write_scope_gets_advice() {
    // The tenant's DNS token (tokens derive from the seed every harness uses): it reads
    // accounts and products but lacks `accounts:write`, as a DNS-only token would.
    let h = Harness::start(Options::dns_read_token()).await;
    let args = json!({"name": "scoped"});
    let plan = h.ok("infomaniak_create_account_tag", args.clone()).await;
    assert_eq!(plan["status"], "plan", "{plan}");
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let err = h.err("infomaniak_create_account_tag", confirmed).await;
    assert_eq!(err["error"]["kind"], "upstream", "{err}");
    assert!(
        err["error"]["hint"].as_str().unwrap().contains("scope"),
        "{err}"
    );
    let writes = h.writes();
    assert!(writes.iter().all(|w| w.status == 403), "{writes:?}");
    assert!(
        h.sim
            .with_world(|w| !w.tags.iter().any(|t| t.name == "scoped"))
    );
}
