//! The kDrive plugin through the whole stack: every tool called, lists on multi-page
//! fixtures in both pagination styles, every write planned without writing then applied
//! exactly, a stale plan refused, bad arguments and maintenance answered as advice, the
//! sharing audit and the offboarding plan.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Harness, Options, Scale};

/// The host paces requests at 60 a minute by default; these tests make hundreds.
const UNPACED: &str = "[limits]\nrequests_per_minute = 0\n";

async fn start(scale: Scale) -> Harness {
    Harness::start(Options {
        scale,
        config: UNPACED.into(),
        ..Options::default()
    })
    .await
}

/// The first drive and ids of the seeded situations (routes::drive::world): user 0 admin,
/// 1 external manager of /Projects (2), 2 locked with write there; /Shared (4) has a public
/// link; the first trashed item; the account's first team.
struct Seed {
    d: u64,
    admin: u64,
    ext: u64,
    locked: u64,
    u3: u64,
    trashed: u64,
    team: u64,
    invitation: u64,
}

fn seed(h: &Harness, index: usize) -> Seed {
    h.sim.with_world(|w| {
        let d = &w.drives[index];
        let u = |i: usize| d.kdrive.users[i].id;
        Seed {
            d: d.id,
            admin: u(0),
            ext: u(1),
            locked: u(2),
            u3: u(3),
            trashed: d
                .kdrive
                .files
                .iter()
                .find(|f| f.trashed_at.is_some())
                .unwrap()
                .id,
            team: w
                .teams
                .iter()
                .find(|t| t.account_id == d.account_id)
                .unwrap()
                .id,
            invitation: d.kdrive.invitations[0].id,
        }
    })
}

fn count(v: &Value) -> usize {
    v["count"].as_u64().expect("count") as usize
}

#[tokio::test]
async fn every_read_tool_answers_from_the_tenant() {
    let h = start(Scale::Small).await;
    let s = seed(&h, 0);
    let drives = h.ok("infomaniak_list_drives", json!({})).await;
    assert_eq!(
        count(&drives),
        h.sim.with_world(|w| w.drives.len()),
        "{drives}"
    );
    assert_eq!(drives["items"][0]["id"], s.d);
    let d = s.d;
    let (users, invitations, links, trash, activities, root_items) = h.sim.with_world(|w| {
        let k = &w.drives[0].kdrive;
        (
            k.users.len(),
            k.invitations.len(),
            k.files.iter().filter(|f| f.link.is_some()).count(),
            k.files.iter().filter(|f| f.trashed_at.is_some()).count(),
            k.activities.len(),
            k.files
                .iter()
                .filter(|f| f.parent_id == 1 && f.trashed_at.is_none())
                .count(),
        )
    });
    for (tool, args, want) in [
        ("infomaniak_list_drive_users", json!({"drive_id": d}), users),
        (
            "infomaniak_list_drive_invitations",
            json!({"drive_id": d}),
            invitations,
        ),
        (
            "infomaniak_list_drive_share_links",
            json!({"drive_id": d}),
            links,
        ),
        ("infomaniak_list_drive_trash", json!({"drive_id": d}), trash),
        (
            "infomaniak_list_drive_files",
            json!({"drive_id": d}),
            root_items,
        ),
        (
            "infomaniak_get_drive_activities",
            json!({"drive_id": d}),
            activities,
        ),
        (
            "infomaniak_list_drive_file_access_users",
            json!({"drive_id": d, "file_id": 2}),
            2,
        ),
        (
            "infomaniak_list_drive_file_access_teams",
            json!({"drive_id": d, "file_id": 2}),
            1,
        ),
        (
            "infomaniak_list_drive_file_access_invitations",
            json!({"drive_id": d, "file_id": 4}),
            1,
        ),
        (
            "infomaniak_list_drive_activity_reports",
            json!({"drive_id": d}),
            1,
        ),
        (
            "infomaniak_list_drive_files",
            json!({"drive_id": d, "parent_id": 2}),
            3,
        ),
    ] {
        let out = h.ok(tool, args.clone()).await;
        assert_eq!(count(&out), want, "{tool} {args}: {out}");
    }
    let file_acts = h
        .ok(
            "infomaniak_get_drive_file_activities",
            json!({"drive_id": d, "file_id": 2}),
        )
        .await;
    let root_acts = h
        .ok(
            "infomaniak_get_drive_root_activities",
            json!({"drive_id": d}),
        )
        .await;
    assert!(count(&root_acts) >= count(&file_acts));
    let filtered = h
        .ok(
            "infomaniak_get_drive_activities",
            json!({"drive_id": d, "actions": ["file_create"]}),
        )
        .await;
    assert!(
        filtered["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["action"] == "file_create")
    );
    for (tool, args, pointer, want) in [
        (
            "infomaniak_get_drive_full",
            json!({"drive_id": d}),
            "/item/id",
            json!(d),
        ),
        (
            "infomaniak_get_drive_settings",
            json!({"drive_id": d}),
            "/item/trash/max_duration",
            json!(30),
        ),
        (
            "infomaniak_get_drive_user",
            json!({"drive_id": d, "user_id": s.locked}),
            "/item/status",
            json!("locked"),
        ),
        (
            "infomaniak_get_drive_invitation",
            json!({"drive_id": d, "invitation_id": s.invitation}),
            "/item/status",
            json!("pending"),
        ),
        (
            "infomaniak_get_drive_share_link",
            json!({"drive_id": d, "file_id": 4}),
            "/item/right",
            json!("public"),
        ),
        (
            "infomaniak_get_drive_share_link",
            json!({"drive_id": d, "file_id": 7}),
            "/item",
            Value::Null,
        ),
        (
            "infomaniak_get_drive_activity_report",
            json!({"drive_id": d, "report_id": 90_001}),
            "/item/id",
            json!(90_001),
        ),
    ] {
        let out = h.ok(tool, args.clone()).await;
        assert_eq!(out.pointer(pointer), Some(&want), "{tool} {args}: {out}");
    }
    let csv = h
        .ok(
            "infomaniak_export_drive_activity_report",
            json!({"drive_id": d, "report_id": 90_001}),
        )
        .await;
    assert!(
        csv["csv"].as_str().unwrap().starts_with("id,action"),
        "{csv}"
    );
    for (statistic, export) in [
        ("sizes", false),
        ("activities", true),
        ("activities_users", false),
        ("shared_files", false),
        ("share_links", false),
        ("share_links", true),
    ] {
        let out = h
            .ok("infomaniak_get_drive_statistics", json!({"drive_id": d, "statistic": statistic, "from": 1, "until": 2_000_000_000, "export": export}))
            .await;
        assert!(
            if export {
                out["csv"].is_string()
            } else {
                !out["data"].is_null()
            },
            "{statistic}: {out}"
        );
    }
    assert!(h.writes().is_empty(), "reads write nothing");
}

#[tokio::test]
async fn lists_follow_every_page_in_both_styles_on_the_fleet() {
    let h = start(Scale::Fleet).await;
    let s = seed(&h, 0);
    let (users, links, trash, root, acts) = h.sim.with_world(|w| {
        let k = &w.drives[0].kdrive;
        (
            k.users.len(),
            k.files.iter().filter(|f| f.link.is_some()).count(),
            k.files.iter().filter(|f| f.trashed_at.is_some()).count(),
            k.files.iter().filter(|f| f.parent_id == 1).count(),
            k.activities.len(),
        )
    });
    assert!(users > 100 && links > 200 && trash > 200 && root > 400 && acts > 200);
    h.sim.clear_requests();
    for (tool, path, want) in [
        (
            "infomaniak_list_drive_users",
            format!("/2/drive/{}/users", s.d),
            users,
        ),
        (
            "infomaniak_list_drive_share_links",
            format!("/3/drive/{}/files/links", s.d),
            links,
        ),
        (
            "infomaniak_list_drive_trash",
            format!("/3/drive/{}/trash", s.d),
            trash,
        ),
        (
            "infomaniak_list_drive_files",
            format!("/3/drive/{}/files/1/files", s.d),
            root,
        ),
        (
            "infomaniak_get_drive_activities",
            format!("/3/drive/{}/activities", s.d),
            acts,
        ),
    ] {
        let out = h.ok(tool, json!({"drive_id": s.d})).await;
        assert_eq!(count(&out), want, "{tool}: every item, not one page");
        let mut ids: Vec<u64> = out["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_u64().unwrap())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), want, "{tool}: no item twice");
        let pages = h
            .sim
            .requests()
            .into_iter()
            .filter(|r| r.path == path)
            .count();
        assert!(pages >= 2, "{tool} followed the pages: {pages} requests");
    }
}

/// One write of the table: tool, arguments, and the write it must send.
struct W(&'static str, Value, &'static str, String);

#[tokio::test]
async fn every_write_plans_without_writing_then_sends_exactly_the_plan() {
    let h = start(Scale::Small).await;
    let s = seed(&h, 0);
    let d = s.d;
    let p = |sub: &str| format!("/2/drive/{d}{sub}");
    let table = vec![
        W(
            "infomaniak_create_drive_share_link",
            json!({"drive_id": d, "file_id": 7, "right": "public", "valid_until": 1_900_000_000}),
            "POST",
            p("/files/7/link"),
        ),
        W(
            "infomaniak_update_drive_share_link",
            json!({"drive_id": d, "file_id": 7, "right": "password", "password": "long enough pw"}),
            "PUT",
            p("/files/7/link"),
        ),
        W(
            "infomaniak_invite_drive_share_link",
            json!({"drive_id": d, "file_id": 7, "emails": ["client@partner.example"]}),
            "POST",
            p("/files/7/link/invite"),
        ),
        W(
            "infomaniak_remove_drive_share_link",
            json!({"drive_id": d, "file_id": 7}),
            "DELETE",
            p("/files/7/link"),
        ),
        W(
            "infomaniak_create_drive_file_access_user",
            json!({"drive_id": d, "file_id": 3, "user_id": s.admin, "right": "write"}),
            "POST",
            p("/files/3/access/users"),
        ),
        W(
            "infomaniak_update_drive_file_access_user",
            json!({"drive_id": d, "file_id": 3, "user_id": s.admin, "right": "manage"}),
            "PUT",
            p(&format!("/files/3/access/users/{}", s.admin)),
        ),
        W(
            "infomaniak_remove_drive_file_access_user",
            json!({"drive_id": d, "file_id": 3, "user_id": s.admin}),
            "DELETE",
            p(&format!("/files/3/access/users/{}", s.admin)),
        ),
        W(
            "infomaniak_create_drive_file_access_team",
            json!({"drive_id": d, "file_id": 3, "team_id": s.team, "right": "read"}),
            "POST",
            p("/files/3/access/teams"),
        ),
        W(
            "infomaniak_update_drive_file_access_team",
            json!({"drive_id": d, "file_id": 3, "team_id": s.team, "right": "write"}),
            "PUT",
            p(&format!("/files/3/access/teams/{}", s.team)),
        ),
        W(
            "infomaniak_remove_drive_file_access_team",
            json!({"drive_id": d, "file_id": 3, "team_id": s.team}),
            "DELETE",
            p(&format!("/files/3/access/teams/{}", s.team)),
        ),
        W(
            "infomaniak_create_drive_file_access_invitation",
            json!({"drive_id": d, "file_id": 3, "emails": ["auditor@partner.example"], "right": "read", "lang": "fr"}),
            "POST",
            p("/files/3/access/invitations"),
        ),
        W(
            "infomaniak_create_drive_user",
            json!({"drive_id": d, "role": "user", "emails": ["new.hire@example-shop.ch"]}),
            "POST",
            p("/users"),
        ),
        W(
            "infomaniak_update_drive_user",
            json!({"drive_id": d, "user_id": s.u3, "role": "admin"}),
            "PUT",
            p(&format!("/users/{}", s.u3)),
        ),
        W(
            "infomaniak_lock_drive_user",
            json!({"drive_id": d, "user_id": s.u3}),
            "POST",
            p(&format!("/users/{}/lock", s.u3)),
        ),
        W(
            "infomaniak_unlock_drive_user",
            json!({"drive_id": d, "user_id": s.u3}),
            "POST",
            p(&format!("/users/{}/unlock", s.u3)),
        ),
        W(
            "infomaniak_set_drive_user_manager",
            json!({"drive_id": d, "user_id": s.u3, "roles": ["statistic"]}),
            "PATCH",
            p(&format!("/users/{}/manager", s.u3)),
        ),
        W(
            "infomaniak_delete_drive_invitation",
            json!({"drive_id": d, "invitation_id": s.invitation}),
            "DELETE",
            p(&format!("/users/invitation/{}", s.invitation)),
        ),
        W(
            "infomaniak_update_drive_trash_settings",
            json!({"drive_id": d, "max_duration": 60}),
            "PUT",
            p("/settings/trash"),
        ),
        W(
            "infomaniak_manage_drive_settings",
            json!({"drive_id": d, "action": "update_office", "settings": {"text": "365"}}),
            "PUT",
            p("/settings/office"),
        ),
        W(
            "infomaniak_manage_drive_settings",
            json!({"drive_id": d, "action": "update_preferences", "settings": {"default_page": "trash"}}),
            "PUT",
            p("/preferences"),
        ),
        W(
            "infomaniak_restore_drive_trash_item",
            json!({"drive_id": d, "file_id": s.trashed, "destination_directory_id": 6}),
            "POST",
            p(&format!("/trash/{}/restore", s.trashed)),
        ),
        W(
            "infomaniak_remove_drive_trash_item",
            json!({"drive_id": d, "file_id": s.trashed + 1}),
            "DELETE",
            p(&format!("/trash/{}", s.trashed + 1)),
        ),
        W(
            "infomaniak_empty_drive_trash",
            json!({"drive_id": d}),
            "DELETE",
            p("/trash"),
        ),
        W(
            "infomaniak_create_drive_activity_report",
            json!({"drive_id": d, "actions": ["share_link_create"], "from": 1_700_000_000, "lang": "de"}),
            "POST",
            p("/activities/reports"),
        ),
        W(
            "infomaniak_delete_drive_activity_report",
            json!({"drive_id": d, "report_id": 90_001}),
            "DELETE",
            p("/activities/reports/90001"),
        ),
        W(
            "infomaniak_delete_drive_user",
            json!({"drive_id": d, "user_id": s.u3}),
            "DELETE",
            p(&format!("/users/{}", s.u3)),
        ),
    ];
    for W(tool, args, method, path) in table {
        let done = h.plan_and_apply(tool, args.clone()).await;
        assert_eq!(done.writes.len(), 1, "{tool}: one write: {:?}", done.writes);
        let w = &done.writes[0];
        assert_eq!(
            (w.method.as_str(), w.path.as_str()),
            (method, path.as_str()),
            "{tool}"
        );
        assert!(
            w.status < 300,
            "{tool}: the tenant accepted it ({})",
            w.status
        );
        let planned = &done.plan["effects"][0];
        if let Some(body) = &w.body {
            // A secret argument is sent as given and shown as its marker in the plan.
            let mut sent = body.clone();
            if let Some(password) = args.get("password") {
                assert_eq!(&sent["password"], password, "{tool}: the password is sent");
                sent["password"] = json!("«secret: password»");
            }
            assert_eq!(
                sent, planned["body"],
                "{tool}: the body sent is the body planned"
            );
        }
        assert!(
            done.plan["changes"]
                .as_array()
                .is_some_and(|c| !c.is_empty()),
            "{tool}: {}",
            done.plan
        );
        if tool == "infomaniak_restore_drive_trash_item" {
            assert!(
                done.result["results"][0]["cancel_id"].is_string(),
                "undo id: {}",
                done.result
            );
        }
        if tool == "infomaniak_create_drive_file_access_invitation" {
            assert_eq!(w.query.as_deref(), Some("lang=fr"));
        }
    }
    let world = h.sim.with_world(|w| w.drives[0].kdrive.clone());
    assert!(
        world.file(7).unwrap().link.is_none(),
        "created, then removed"
    );
    assert!(world.user(s.u3).is_none(), "deleted");
    assert_eq!(world.settings["trash"]["max_duration"], 60);
    assert!(
        world.files.iter().all(|f| f.trashed_at.is_none()),
        "trash emptied"
    );
    assert_eq!(world.preferences["default_page"], "trash");
    // A second identical call is a no-change answer, not a plan.
    let again = h
        .ok(
            "infomaniak_update_drive_trash_settings",
            json!({"drive_id": d, "max_duration": 60}),
        )
        .await;
    assert_eq!(again["status"], "no_change", "{again}");
}

#[tokio::test]
async fn a_stale_plan_is_refused_and_writes_nothing() {
    let h = start(Scale::Small).await;
    let s = seed(&h, 0);
    let args = json!({"drive_id": s.d, "file_id": 4, "valid_until": 1_900_000_000});
    let plan = h
        .ok("infomaniak_update_drive_share_link", args.clone())
        .await;
    assert_eq!(plan["status"], "plan");
    let changed = h
        .direct(
            Method::PUT,
            &format!("/2/drive/{}/files/4/link", s.d),
            Some(json!({"can_download": false})),
        )
        .await;
    assert_eq!(changed["result"], "success");
    let mark = h.mark();
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let err = h.err("infomaniak_update_drive_share_link", confirmed).await;
    assert_eq!(err["error"]["code"], "plan_stale", "{err}");
    assert!(h.writes_since(mark).is_empty());
}

#[tokio::test]
async fn bad_arguments_and_upstream_refusals_are_advice_and_write_nothing() {
    let h = start(Scale::Small).await;
    let s = seed(&h, 0);
    let d = s.d;
    for (tool, args, kind, needle) in [
        (
            "infomaniak_list_drive_users",
            json!({"drive_id": 4242}),
            "not_found",
            "list tool",
        ),
        (
            "infomaniak_get_drive_user",
            json!({"drive_id": d, "user_id": 1}),
            "not_found",
            "infomaniak_list_drive_users",
        ),
        (
            "infomaniak_remove_drive_share_link",
            json!({"drive_id": d, "file_id": 7}),
            "not_found",
            "infomaniak_create_drive_share_link",
        ),
        (
            "infomaniak_update_drive_trash_settings",
            json!({"drive_id": d, "max_duration": 400}),
            "invalid_args",
            "1 to 365",
        ),
        (
            "infomaniak_create_drive_share_link",
            json!({"drive_id": d, "file_id": 4, "right": "public"}),
            "conflict",
            "infomaniak_update_drive_share_link",
        ),
        (
            "infomaniak_create_drive_file_access_user",
            json!({"drive_id": d, "file_id": 3, "user_id": s.admin, "right": "owner"}),
            "invalid_args",
            "right",
        ),
        (
            "infomaniak_create_drive_user",
            json!({"drive_id": d, "role": "user", "emails": ["not-an-address"]}),
            "invalid_args",
            "e-mail",
        ),
        (
            "infomaniak_restore_drive_trash_item",
            json!({"drive_id": d, "file_id": 2}),
            "not_found",
            "infomaniak_list_drive_trash",
        ),
        (
            "infomaniak_manage_drive_settings",
            json!({"drive_id": d, "action": "update_link", "settings": {"bgColor": "red"}}),
            "invalid_args",
            "bgColor",
        ),
        (
            "infomaniak_list_drive_files",
            json!({"drive_id": d, "parent_id": 7}),
            "upstream",
            "not_a_directory",
        ),
    ] {
        let err = h.err(tool, args.clone()).await;
        assert_eq!(err["error"]["kind"], kind, "{tool} {args}: {err}");
        let text = format!("{} {}", err["error"]["message"], err["error"]["hint"]);
        assert!(text.contains(needle), "{tool}: {text}");
    }
    assert!(h.writes().is_empty(), "no write: {:?}", h.writes());
}

#[tokio::test]
async fn maintenance_is_a_try_later_and_the_sharing_audit_skips_it() {
    let h = start(Scale::Fleet).await;
    let m = h.sim.with_world(|w| {
        w.drives
            .iter()
            .find(|d| d.kdrive.in_maintenance)
            .unwrap()
            .id
    });
    let err = h
        .err("infomaniak_list_drive_users", json!({"drive_id": m}))
        .await;
    assert_eq!(err["error"]["kind"], "upstream", "{err}");
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("maintenance"),
        "{err}"
    );
    assert!(
        err["error"]["hint"].as_str().unwrap().contains("later"),
        "{err}"
    );
    let audit = h.ok("infomaniak_audit_drive_sharing", json!({})).await;
    assert!(
        audit["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["drive_id"] == m),
        "{}",
        audit["skipped"]
    );
    let total = h.sim.with_world(|w| w.drives.len());
    assert_eq!(audit["drives"].as_u64().unwrap() as usize, total - 1);
    assert!(
        !h.handler.progress.lock().unwrap().is_empty(),
        "the audit reports progress"
    );
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn the_sharing_audit_finds_each_seeded_problem_and_names_its_fix() {
    let h = start(Scale::Small).await;
    let s = seed(&h, 0);
    let audit = h.ok("infomaniak_audit_drive_sharing", json!({})).await;
    let findings = audit["findings"].as_array().unwrap();
    let find = |code: &str| {
        findings
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("{code} missing: {audit}"))
    };
    let f = find("public_link_no_password_no_expiry");
    assert_eq!(f["fix"]["tool"], "infomaniak_remove_drive_share_link");
    assert_eq!(f["fix"]["args"], json!({"drive_id": s.d, "file_id": 4}));
    assert_eq!(find("link_to_large_folder")["fix"]["args"]["file_id"], 5);
    let f = find("external_manager");
    assert_eq!(f["fix"]["tool"], "infomaniak_update_drive_file_access_user");
    assert_eq!(f["fix"]["args"]["user_id"], s.ext);
    let f = find("locked_user_with_rights");
    assert_eq!(
        f["fix"],
        json!({"tool": "infomaniak_offboard_drive_user", "args": {"drive_id": s.d, "user_id": s.locked}})
    );
    let stale: Vec<&Value> = findings
        .iter()
        .filter(|f| f["code"] == "stale_invitation")
        .collect();
    assert_eq!(
        stale.len(),
        2,
        "the two invitations pending for months, not the recent one"
    );
    assert_eq!(
        stale[0]["fix"]["tool"],
        "infomaniak_delete_drive_invitation"
    );
    // The fix really fixes: apply the first one and audit again.
    let fix = &find("public_link_no_password_no_expiry")["fix"];
    h.plan_and_apply(fix["tool"].as_str().unwrap(), fix["args"].clone())
        .await;
    let again = h.ok("infomaniak_audit_drive_sharing", json!({})).await;
    assert!(
        !again["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "public_link_no_password_no_expiry")
    );
    let admin = h
        .ok("infomaniak_audit_kdrive_admin", json!({"drive_id": s.d}))
        .await;
    assert!(
        admin["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "trash_not_empty"),
        "{admin}"
    );
}

#[tokio::test]
async fn offboarding_is_one_plan_of_every_right_and_link_that_goes() {
    let h = start(Scale::Small).await;
    let s = seed(&h, 0);
    let args = json!({"drive_id": s.d, "user_id": s.locked});
    let done = h
        .plan_and_apply("infomaniak_offboard_drive_user", args)
        .await;
    let changes = done.plan["changes"].as_array().unwrap();
    let targets: Vec<&str> = changes
        .iter()
        .map(|c| c["target"].as_str().unwrap())
        .collect();
    assert!(
        targets.iter().any(|t| t.starts_with("file 2 /Projects")),
        "{targets:?}"
    );
    assert!(
        targets.iter().any(|t| t.starts_with("file 4: share link")),
        "the link they created: {targets:?}"
    );
    let paths: Vec<String> = done
        .writes
        .iter()
        .map(|w| format!("{} {}", w.method, w.path))
        .collect();
    let d = s.d;
    let u = s.locked;
    assert_eq!(
        paths,
        [
            format!("DELETE /2/drive/{d}/files/2/access/users/{u}"),
            format!("DELETE /2/drive/{d}/files/4/link"),
            format!("DELETE /2/drive/{d}/users/{u}"),
        ]
    );
    let world = h.sim.with_world(|w| w.drives[0].kdrive.clone());
    assert!(world.user(u).is_none());
    assert!(
        world
            .files
            .iter()
            .all(|f| f.users.iter().all(|a| a.id != u))
    );
    assert!(world.file(4).unwrap().link.is_none());
}

#[tokio::test]
async fn a_token_without_the_drive_scope_is_told_which_scope_to_add() {
    let h = Harness::start(Options {
        config: UNPACED.into(),
        ..Options::dns_read_token()
    })
    .await;
    let d = seed(&h, 0).d;
    let err = h
        .err("infomaniak_list_drive_trash", json!({"drive_id": d}))
        .await;
    assert_eq!(err["error"]["kind"], "upstream", "{err}");
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("`drive` scope"),
        "{err}"
    );
    let err = h
        .err(
            "infomaniak_remove_drive_share_link",
            json!({"drive_id": d, "file_id": 4}),
        )
        .await;
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("`drive` scope"),
        "{err}"
    );
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn offboarding_with_lock_only_keeps_the_user_locked_and_lists_what_goes() {
    let h = start(Scale::Small).await;
    let s = seed(&h, 0);
    let done = h
        .plan_and_apply(
            "infomaniak_offboard_drive_user",
            json!({"drive_id": s.d, "user_id": s.ext, "lock_only": true}),
        )
        .await;
    let paths: Vec<String> = done
        .writes
        .iter()
        .map(|w| format!("{} {}", w.method, w.path))
        .collect();
    assert_eq!(
        paths,
        [
            format!("DELETE /2/drive/{}/files/2/access/users/{}", s.d, s.ext),
            format!("POST /2/drive/{}/users/{}/lock", s.d, s.ext),
        ]
    );
    let world = h.sim.with_world(|w| w.drives[0].kdrive.clone());
    assert_eq!(world.user(s.ext).unwrap().status, "locked");
    assert!(
        world
            .files
            .iter()
            .all(|f| f.users.iter().all(|a| a.id != s.ext))
    );
    // Nothing left to take: a second offboarding plans only the lock, which is already so.
    let plan = h
        .ok(
            "infomaniak_offboard_drive_user",
            json!({"drive_id": s.d, "user_id": s.ext, "lock_only": true}),
        )
        .await;
    assert_eq!(plan["changes"].as_array().unwrap().len(), 1, "{plan}");
}
