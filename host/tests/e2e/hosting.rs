//! The hosting plugin through the whole stack against the sandbox tenant: reads on both
//! roles, paged lists, plan-then-apply writes with read-back (Q1), the password change that
//! keeps grants (Q2), Node.js keyed by site id (Q20), find_site's request count, the
//! provisioning workflow, and errors that say what to do.

use ikmcp_sim::Faults;
use serde_json::json;

use crate::harness::{Harness, Options, Scale};

/// The first web hosting of the tenant and its prefix (read from the tenant's world).
fn first_hosting(h: &Harness) -> (u64, String) {
    h.sim
        .with_world(|w| (w.web_hostings[0].id, w.web_hostings[0].prefix.clone()))
}

/// Asserts that the GETs of `path` on `upstream` since `mark` read pages 1..=N of 100 items
/// each exactly once, N being what `n` items need (one page when empty).
fn assert_pages(h: &Harness, mark: u64, upstream: &str, path: &str, n: usize) {
    let mut pages: Vec<u64> = requests_since(h, mark)
        .iter()
        .filter(|r| r.method == "GET" && r.upstream == upstream && r.path == path)
        .map(|r| {
            let q = r.query.clone().unwrap_or_default();
            let param = |k: &str| {
                q.split('&')
                    .find_map(|kv| kv.strip_prefix(&format!("{k}=")).map(str::to_string))
            };
            assert_eq!(param("per_page").as_deref(), Some("100"), "{path}?{q}");
            param("page").and_then(|p| p.parse().ok()).unwrap_or(0)
        })
        .collect();
    pages.sort_unstable();
    let want: Vec<u64> = (1..=n.div_ceil(100).max(1) as u64).collect();
    assert_eq!(pages, want, "pages of {path} for {n} items");
}

fn requests_since(h: &Harness, mark: u64) -> Vec<ikmcp_sim::RecordedRequest> {
    h.sim
        .requests()
        .into_iter()
        .filter(|r| r.seq > mark)
        .collect()
}

#[tokio::test]
async fn reads_list_every_page_on_both_roles() {
    let h = Harness::start(Options {
        scale: Scale::Fleet,
        ..Options::default()
    })
    .await;
    let hostings = h.ok("infomaniak_list_hostings", json!({})).await;
    let nodejs = hostings["hostings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["is_nodejs"] == true)
        .count();
    assert_eq!(
        hostings["count"].as_u64().unwrap() as usize,
        46 + nodejs,
        "{hostings}"
    );
    assert!(nodejs >= 1);
    let (hid, _) = first_hosting(&h);
    // The first fleet hosting holds more databases, users and FTP users than one page.
    let (dbs, users, ftp, sites) = h.sim.with_world(|w| {
        (
            w.hosting
                .databases
                .iter()
                .filter(|d| d.hosting_id == hid)
                .count(),
            w.hosting
                .db_users
                .iter()
                .filter(|d| d.hosting_id == hid)
                .count(),
            w.hosting
                .ftp_users
                .iter()
                .filter(|d| d.hosting_id == hid)
                .count(),
            w.sites.iter().filter(|s| s.hosting_id == hid).count(),
        )
    });
    assert!(dbs > 100 && users > 100 && ftp > 100 && sites > 100);
    let base = format!("/1/web_hostings/{hid}");
    for (tool, path, n) in [
        ("infomaniak_list_databases", "databases", dbs),
        ("infomaniak_list_database_users", "database_users", users),
        ("infomaniak_list_hosting_users", "users", ftp),
        ("infomaniak_list_sites", "sites", sites),
    ] {
        let mark = h.mark();
        let out = h.ok(tool, json!({"hosting_id": hid})).await;
        assert_eq!(out["count"].as_u64().unwrap() as usize, n, "{tool}");
        assert_eq!(out["items"].as_array().unwrap().len(), n, "{tool}");
        assert_pages(&h, mark, "api", &format!("{base}/{path}"), n);
    }
    // The first site of that hosting has more aliases than one page (manager role).
    let (first_site, alias_count) = h.sim.with_world(|w| {
        let s = w.sites.iter().find(|s| s.hosting_id == hid).unwrap().id;
        let n = w.hosting.aliases.iter().filter(|(x, _)| *x == s).count();
        (s, n + 1)
    });
    let mark = h.mark();
    let out = h
        .ok(
            "infomaniak_list_site_aliases",
            json!({"hosting_id": hid, "site_id": first_site}),
        )
        .await;
    assert_eq!(out["count"].as_u64().unwrap() as usize, alias_count);
    assert!(alias_count > 100);
    let path = format!("/proxy{base}/sites/{first_site}/aliases");
    assert_pages(&h, mark, "manager", &path, alias_count);
    // The first Node.js app has more builds and names than one page (manager role).
    let app = h.sim.with_world(|w| w.hosting.nodejs[0].clone());
    assert!(app.jobs.len() > 100 && app.aliases.len() > 100);
    let args = json!({"hosting_id": app.site_id, "vhost_route_id": app.vhost_route_id});
    let node = format!("/proxy/1/hostings/{}", app.site_id);
    for (tool, path, n) in [
        (
            "infomaniak_nodejs_app_jobs",
            format!("{node}/nodejs/{}/jobs", app.vhost_route_id),
            app.jobs.len(),
        ),
        (
            "infomaniak_nodejs_app_aliases",
            format!("{node}/vhost_route/{}/aliases", app.vhost_route_id),
            app.aliases.len() + 1,
        ),
    ] {
        let mark = h.mark();
        let out = h.ok(tool, args.clone()).await;
        assert_eq!(out["data"].as_array().unwrap().len(), n, "{tool}");
        assert_pages(&h, mark, "manager", &path, n);
    }
    let site = h.sim.with_world(|w| {
        w.sites
            .iter()
            .find(|s| s.hosting_id == hid && s.ssl_status != "disabled")
            .cloned()
            .unwrap()
    });
    let cert = h
        .ok(
            "infomaniak_get_certificate",
            json!({"hosting_id": hid, "site_id": site.id}),
        )
        .await;
    assert_eq!(cert["installed"], true);
    assert_eq!(cert["certificate"]["site_id"], site.id);
    let mark = h.mark();
    let aliases = h
        .ok(
            "infomaniak_list_site_aliases",
            json!({"hosting_id": hid, "site_id": site.id}),
        )
        .await;
    assert_eq!(aliases["items"][0]["is_main"], true);
    let seen = requests_since(&h, mark);
    assert!(
        seen.iter()
            .all(|r| r.upstream == "manager" && r.path.starts_with("/proxy/1/web_hostings/")),
        "aliases are read on the manager: {seen:?}"
    );
    let db = h.sim.with_world(|w| {
        w.hosting
            .databases
            .iter()
            .find(|d| d.hosting_id == hid)
            .unwrap()
            .name
            .clone()
    });
    let got = h
        .ok(
            "infomaniak_get_database",
            json!({"hosting_id": hid, "database_name": db}),
        )
        .await;
    assert_eq!(got["item"]["name"], db.as_str());
    let user = h
        .ok(
            "infomaniak_get_database_user",
            json!({"hosting_id": hid, "user_name": db}),
        )
        .await;
    assert_eq!(user["item"]["name"], db.as_str());
    let domain = h.sim.with_world(|w| w.domains[0].name.clone());
    let full = h
        .ok("infomaniak_get_domain_full", json!({"domain": domain}))
        .await;
    assert_eq!(full["domain"]["customer_name"], domain.as_str());
    let last = h.sim.requests().last().cloned().unwrap();
    assert_eq!(
        last.path,
        format!("/proxy/1/domain/{domain}"),
        "singular manager path (Q19)"
    );
}

/// A fleet server whose client-side rate limit does not slow a full scan down.
async fn fleet_unthrottled() -> Harness {
    Harness::start(Options {
        scale: Scale::Fleet,
        env: vec![("IKMCP_REQUESTS_PER_MINUTE".into(), "100000".into())],
        ..Options::default()
    })
    .await
}

/// Pages of the site list of each web hosting, in the order `/1/products` lists them.
fn site_pages(h: &Harness) -> Vec<(u64, u64, usize)> {
    h.sim.with_world(|w| {
        w.products
            .iter()
            .filter(|p| p.service_name == "hosting")
            .map(|p| {
                let n = w.sites.iter().filter(|s| s.hosting_id == p.id).count();
                (p.id, p.account_id, n.div_ceil(100).max(1))
            })
            .collect()
    })
}

#[tokio::test]
async fn find_site_answers_from_the_product_index_in_at_most_three_requests() {
    let h = fleet_unthrottled().await;
    let site = h.sim.with_world(|w| w.sites[150].clone());
    for (name, want) in [
        (site.main_fqdn.clone(), 2),
        (format!("www.{}", site.main_fqdn), 3),
    ] {
        let mark = h.mark();
        let out = h.ok("infomaniak_find_site", json!({"domain": name})).await;
        let seen = requests_since(&h, mark);
        assert_eq!(seen.len(), want, "{name}: {seen:?}");
        assert_eq!(out["requests"], want);
        assert_eq!(out["via"], "products", "{out}");
        assert_eq!(out["found"], true, "{out}");
        assert_eq!(out["hosting_id"], site.hosting_id);
        assert_eq!(out["site"]["id"], site.id);
        assert_eq!(out["domain"], site.main_fqdn.as_str());
        assert!(seen[0].query.as_deref().unwrap().starts_with("fqdn="));
        let last = seen.last().unwrap();
        assert_eq!(
            last.path,
            format!("/1/web_hostings/{}/sites/{}", site.hosting_id, site.id)
        );
    }
    // A name no site has: the index is not proof of absence, so every hosting is read.
    let mark = h.mark();
    let out = h
        .ok(
            "infomaniak_find_site",
            json!({"domain": "nowhere.example.org"}),
        )
        .await;
    let every: usize = site_pages(&h).iter().map(|(_, _, p)| p).sum();
    assert_eq!(out["found"], false);
    assert_eq!(out["scanned_hostings"], site_pages(&h).len());
    assert_eq!(requests_since(&h, mark).len(), 1 + 1 + every);
    assert_eq!(out["requests"], 1 + 1 + every);
    assert!(out["hint"].as_str().unwrap().contains("alias"));
    // Limited to another account: neither the index nor the scan looks beyond it.
    let other = h.sim.with_world(|w| {
        w.accounts
            .iter()
            .find(|a| a.id != site.account_id)
            .unwrap()
            .id
    });
    let mark = h.mark();
    let out = h
        .ok(
            "infomaniak_find_site",
            json!({"domain": site.main_fqdn, "account_id": other}),
        )
        .await;
    assert_eq!(out["found"], false, "{out}");
    let of_other: Vec<usize> = site_pages(&h)
        .into_iter()
        .filter(|p| p.1 == other)
        .map(|p| p.2)
        .collect();
    assert_eq!(out["scanned_hostings"], of_other.len());
    let seen = requests_since(&h, mark);
    assert_eq!(seen.len(), 1 + 1 + of_other.iter().sum::<usize>());
    assert!(
        seen.iter().filter(|r| r.path == "/1/products").all(|r| r
            .query
            .as_deref()
            .unwrap()
            .contains(&format!("account_id={other}"))),
        "{seen:?}"
    );
    assert!(h.writes().is_empty());
    let bad = h
        .err("infomaniak_find_site", json!({"domain": "not a name"}))
        .await;
    assert_eq!(bad["error"]["kind"], "invalid_args", "{bad}");
}

#[tokio::test]
async fn find_site_scans_every_page_when_the_product_index_lists_no_site() {
    let h = fleet_unthrottled().await;
    h.sim
        .set_faults(Faults {
            products_without_sites: true,
            ..Faults::default()
        })
        .unwrap();
    let pages = site_pages(&h);
    // A site on the second page of the first hosting: the index is silent and no hosting
    // is named like the domain, so hostings are read in the API's order.
    let (first, _, first_pages) = pages[0];
    assert!(first_pages > 1);
    let (site, on_first) = h.sim.with_world(|w| {
        let on: Vec<_> = w.sites.iter().filter(|s| s.hosting_id == first).collect();
        (on.last().copied().cloned().unwrap(), on.len())
    });
    assert!(on_first > 100, "the site is on page 2");
    let mark = h.mark();
    let out = h
        .ok("infomaniak_find_site", json!({"domain": site.main_fqdn}))
        .await;
    assert_eq!(
        (out["found"].clone(), out["via"].clone()),
        (json!(true), json!("scan"))
    );
    assert_eq!(out["site"]["id"], site.id);
    let seen = requests_since(&h, mark);
    assert_eq!(seen.len(), 1 + 1 + first_pages, "{seen:?}");
    assert_eq!(out["requests"], seen.len());
    assert_eq!(out["scanned_hostings"], 1);
    assert_pages(
        &h,
        mark,
        "api",
        &format!("/1/web_hostings/{first}/sites"),
        on_first,
    );
    // A domain's apex site on the last account: the index still lists the domain's products
    // (by name), so the hostings of their accounts are read first.
    let (apex, accounts) = h.sim.with_world(|w| {
        let last = w.accounts.last().unwrap().id;
        let s = w
            .sites
            .iter()
            .find(|s| s.account_id == last && w.domains.iter().any(|d| d.name == s.main_fqdn))
            .cloned()
            .unwrap();
        let accounts: Vec<u64> = w
            .products
            .iter()
            .filter(|p| p.customer_name == s.main_fqdn)
            .map(|p| p.account_id)
            .collect();
        (s, accounts)
    });
    assert!(accounts.contains(&apex.account_id));
    let mark = h.mark();
    let out = h
        .ok(
            "infomaniak_find_site",
            json!({"domain": format!("www.{}", apex.main_fqdn)}),
        )
        .await;
    assert_eq!(out["found"], true, "{out}");
    assert_eq!(out["domain"], apex.main_fqdn.as_str());
    assert_eq!(out["hosting_id"], apex.hosting_id);
    let likely: Vec<&(u64, u64, usize)> =
        pages.iter().filter(|p| accounts.contains(&p.1)).collect();
    let rank = likely.iter().position(|p| p.0 == apex.hosting_id).unwrap();
    let read: Vec<u64> = requests_since(&h, mark)
        .iter()
        .filter_map(|r| {
            let id = r.path.strip_suffix("/sites")?;
            id.strip_prefix("/1/web_hostings/")?.parse().ok()
        })
        .collect();
    let want: Vec<u64> = likely[..=rank]
        .iter()
        .flat_map(|p| std::iter::repeat_n(p.0, p.2))
        .collect();
    assert_eq!(
        read, want,
        "the domain's accounts' hostings first, in order"
    );
    // www. and bare index lookups, the hosting list, then the site pages read.
    assert_eq!(out["requests"], 2 + 1 + want.len());
    assert_eq!(requests_since(&h, mark).len(), 2 + 1 + want.len());
    assert!(h.writes().is_empty());
}

#[tokio::test]
async fn create_site_goes_through_the_manager_and_is_read_back() {
    let h = Harness::start(Options::default()).await;
    let (hid, _) = first_hosting(&h);
    let args = json!({"hosting_id": hid, "fqdn": "new-shop.example-shop.ch"});
    let applied = h
        .plan_and_apply("infomaniak_create_site", args.clone())
        .await;
    assert_eq!(applied.result["status"], "created", "{:?}", applied.result);
    assert_eq!(applied.writes.len(), 1);
    let w = &applied.writes[0];
    assert_eq!(
        (w.upstream.as_str(), w.method.as_str(), w.path.as_str()),
        (
            "manager",
            "POST",
            format!("/proxy/1/web_hostings/{hid}/sites").as_str()
        )
    );
    assert_eq!(
        w.body.as_ref().unwrap()["force_fqdn"],
        true,
        "Q1 fields sent"
    );
    assert!(h.sim.with_world(|w| {
        w.sites
            .iter()
            .any(|s| s.main_fqdn == "new-shop.example-shop.ch")
    }));
    // Same call again: it exists, no plan, no write.
    let mark = h.mark();
    let again = h.ok("infomaniak_create_site", args).await;
    assert_eq!(again["status"], "no_change", "{again}");
    assert!(h.writes_since(mark).is_empty());
}

#[tokio::test]
async fn a_create_the_api_silently_ignores_is_not_reported_applied() {
    let h = Harness::start(Options::default()).await;
    let (hid, _) = first_hosting(&h);
    h.sim
        .set_faults(Faults {
            hosting_silent_noop: true,
            ..Faults::default()
        })
        .unwrap();
    let args = json!({"hosting_id": hid, "database_name": "ghost"});
    let plan = h.ok("infomaniak_create_database", args.clone()).await;
    assert_eq!(plan["status"], "plan");
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let err = h.err("infomaniak_create_database", confirmed).await;
    let text = err.to_string();
    assert!(
        text.contains("not_created") && text.contains("Q1"),
        "{text}"
    );
}

#[tokio::test]
async fn a_database_password_change_keeps_the_grants() {
    let h = Harness::start(Options::default()).await;
    let (hid, _) = first_hosting(&h);
    let user = h.sim.with_world(|w| {
        w.hosting
            .db_users
            .iter()
            .find(|u| u.hosting_id == hid && !u.permissions.is_empty())
            .cloned()
            .unwrap()
    });
    let args = json!({"hosting_id": hid, "user_name": user.name, "password": "N3wPassword"});
    let plan = h
        .ok("infomaniak_change_database_user_password", args.clone())
        .await;
    let shown = plan.to_string();
    assert!(
        shown.contains("Q2") && shown.contains(&user.permissions[0].0),
        "the plan shows the grants at risk: {shown}"
    );
    assert!(
        !shown.contains("N3wPassword"),
        "the password is not in the plan"
    );
    let applied = h
        .plan_and_apply("infomaniak_change_database_user_password", args)
        .await;
    assert_eq!(applied.result["status"], "password_changed");
    let now = h.sim.with_world(|w| {
        w.hosting
            .db_users
            .iter()
            .find(|u| u.name == user.name)
            .cloned()
            .unwrap()
    });
    assert_eq!(now.permissions, user.permissions, "grants kept");
    assert_eq!(now.password_version, user.password_version + 1);
    let audit = std::fs::read_to_string(h.audit_path()).unwrap();
    assert!(
        !audit.contains("N3wPassword"),
        "the password never reaches the audit log"
    );
}

#[tokio::test]
async fn ftp_users_are_created_changed_and_deleted() {
    let h = Harness::start(Options::default()).await;
    let (hid, prefix) = first_hosting(&h);
    let weak = h.err("infomaniak_create_hosting_user", json!({"hosting_id": hid, "connection_type": "ftp", "login": "bob", "password": "weak"})).await;
    assert_eq!(weak["error"]["kind"], "invalid_args");
    let created = h.plan_and_apply("infomaniak_create_hosting_user", json!({"hosting_id": hid, "connection_type": "ftp", "login": "bob", "password": "Secret123"})).await;
    assert_eq!(created.result["status"], "created");
    let login = format!("{prefix}bob");
    let switched = h
        .plan_and_apply(
            "infomaniak_change_hosting_user_connection_type",
            json!({"hosting_id": hid, "login": login, "connection_type": "ssh"}),
        )
        .await;
    assert_eq!(
        switched.writes[0].body.as_ref().unwrap()["login"],
        "bob",
        "short login in the body"
    );
    assert_eq!(
        switched.writes[0].path,
        format!("/proxy/1/web_hostings/{hid}/users/{login}")
    );
    h.plan_and_apply(
        "infomaniak_change_hosting_user_password",
        json!({"hosting_id": hid, "login": login, "password": "Other456X"}),
    )
    .await;
    h.plan_and_apply(
        "infomaniak_delete_hosting_user",
        json!({"hosting_id": hid, "login": login}),
    )
    .await;
    assert!(
        !h.sim
            .with_world(|w| w.hosting.ftp_users.iter().any(|u| u.login == login))
    );
}

#[tokio::test]
async fn nodejs_tools_use_the_site_id_and_actions_apply() {
    let h = Harness::start(Options::default()).await;
    let app = h.sim.with_world(|w| w.hosting.nodejs[0].clone());
    let apps = h
        .ok(
            "infomaniak_list_nodejs_apps",
            json!({"hosting_id": app.site_id}),
        )
        .await;
    assert_eq!(
        apps["apps"][0]["vhost_route_id"], app.vhost_route_id,
        "{apps}"
    );
    let a = json!({"hosting_id": app.site_id, "vhost_route_id": app.vhost_route_id});
    for tool in [
        "infomaniak_get_nodejs_app",
        "infomaniak_nodejs_app_status",
        "infomaniak_nodejs_app_aliases",
        "infomaniak_nodejs_app_jobs",
        "infomaniak_nodejs_app_logs",
        "infomaniak_nodejs_app_thumbnail",
    ] {
        h.ok(tool, a.clone()).await;
    }
    let wrong = h
        .err(
            "infomaniak_list_nodejs_apps",
            json!({"hosting_id": app.parent_hosting_id}),
        )
        .await;
    assert!(
        wrong.to_string().contains("Node.js hosting's own id"),
        "{wrong}"
    );
    let action = if app.status == "Running" {
        "stop"
    } else {
        "start"
    };
    let mut args = a.clone();
    args["action"] = json!(action);
    let applied = h.plan_and_apply("infomaniak_nodejs_app_action", args).await;
    assert_eq!(applied.writes.len(), 1);
    let now = h.sim.with_world(|w| w.hosting.nodejs[0].status.clone());
    assert_ne!(now, app.status);
}

#[tokio::test]
async fn provision_site_full_is_one_plan_applied_in_order() {
    let h = Harness::start(Options::default()).await;
    let (hid, prefix) = first_hosting(&h);
    let zone = ikmcp_sim::seed::ZONE_COMPLETE;
    let fqdn = format!("shop2.{zone}");
    let applied = h
        .plan_and_apply(
            "infomaniak_provision_site_full",
            json!({"hosting_id": hid, "fqdn": fqdn, "database_name": "shop2"}),
        )
        .await;
    let effects = applied.plan["effects"].as_array().unwrap();
    assert_eq!(effects.len(), 4, "{}", applied.plan);
    let order: Vec<(String, String)> = applied
        .writes
        .iter()
        .map(|w| (w.upstream.clone(), w.path.clone()))
        .collect();
    assert_eq!(
        order,
        vec![
            (
                "manager".into(),
                format!("/proxy/1/web_hostings/{hid}/sites")
            ),
            (
                "manager".into(),
                format!("/proxy/1/web_hostings/{hid}/databases")
            ),
            ("api".into(), format!("/2/zones/{zone}/records")),
            ("api".into(), format!("/2/zones/{zone}/records")),
        ]
    );
    assert_eq!(applied.result["status"], "provisioned");
    assert!(h.sim.with_world(|w| {
        w.hosting
            .databases
            .iter()
            .any(|d| d.name == format!("{prefix}shop2"))
    }));
}

#[tokio::test]
async fn provision_stops_at_the_first_step_the_api_ignores() {
    let h = Harness::start(Options::default()).await;
    let (hid, _) = first_hosting(&h);
    let fqdn = format!("shop3.{}", ikmcp_sim::seed::ZONE_COMPLETE);
    let args = json!({"hosting_id": hid, "fqdn": fqdn, "database_name": "shop3"});
    let mark = h.mark();
    let plan = h.ok("infomaniak_provision_site_full", args.clone()).await;
    h.sim
        .set_faults(Faults {
            hosting_silent_noop: true,
            ..Faults::default()
        })
        .unwrap();
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let err = h.err("infomaniak_provision_site_full", confirmed).await;
    let text = err.to_string();
    assert!(
        text.contains("step 1 of 4") && text.contains("nothing was created"),
        "{text}"
    );
    let writes = h.writes_since(mark);
    assert_eq!(writes.len(), 1, "stopped after the site POST: {writes:?}");
}

#[tokio::test]
async fn every_other_write_plans_then_applies_exactly_its_effects() {
    let h = Harness::start(Options::default()).await;
    let (hid, prefix) = first_hosting(&h);
    let site = h.sim.with_world(|w| {
        w.sites
            .iter()
            .find(|s| s.hosting_id == hid)
            .cloned()
            .unwrap()
    });
    let a = h.plan_and_apply("infomaniak_add_site_aliases", json!({"hosting_id": hid, "site_id": site.id, "aliases": ["alias1.example-shop.ch", "*.dev.example-shop.ch"]})).await;
    assert_eq!(a.result["status"], "added", "{:?}", a.result);
    let d = h
        .plan_and_apply(
            "infomaniak_delete_site_alias",
            json!({"hosting_id": hid, "site_id": site.id, "alias": "*.dev.example-shop.ch"}),
        )
        .await;
    assert_eq!(
        d.writes[0].path,
        format!(
            "/proxy/1/web_hostings/{hid}/sites/{}/aliases/%2A.dev.example-shop.ch",
            site.id
        )
    );
    let main = h
        .err(
            "infomaniak_delete_site_alias",
            json!({"hosting_id": hid, "site_id": site.id, "alias": site.main_fqdn}),
        )
        .await;
    assert_eq!(main["error"]["kind"], "invalid_args", "{main}");
    let r = h
        .plan_and_apply(
            "infomaniak_request_certificate",
            json!({"hosting_id": hid, "site_id": site.id, "type": "free"}),
        )
        .await;
    assert_eq!(
        r.writes[0].body.as_ref().unwrap(),
        &json!({"site_id": site.id, "type": "free"})
    );
    h.plan_and_apply(
        "infomaniak_delete_certificate",
        json!({"hosting_id": hid, "site_id": site.id}),
    )
    .await;
    let cert = h
        .ok(
            "infomaniak_get_certificate",
            json!({"hosting_id": hid, "site_id": site.id}),
        )
        .await;
    assert_eq!(cert["installed"], false);
    let dbs: Vec<String> = h.sim.with_world(|w| {
        w.hosting
            .databases
            .iter()
            .filter(|d| d.hosting_id == hid)
            .map(|d| d.name.clone())
            .collect()
    });
    let user = h.sim.with_world(|w| {
        w.hosting
            .db_users
            .iter()
            .find(|u| u.hosting_id == hid)
            .unwrap()
            .name
            .clone()
    });
    let short = dbs[1].strip_prefix(&prefix).unwrap().to_string();
    let g = h.plan_and_apply("infomaniak_change_database_user_permissions", json!({"hosting_id": hid, "user_name": user, "grants": [{"database": short, "read": true, "write": false, "admin": false}]})).await;
    let body = g.writes[0].body.clone().unwrap();
    assert_eq!(
        body["permissions"].as_object().unwrap().len(),
        dbs.len(),
        "every database listed: {body}"
    );
    let now = h.sim.with_world(|w| {
        w.hosting
            .db_users
            .iter()
            .find(|u| u.name == user)
            .unwrap()
            .permissions
            .clone()
    });
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].0, dbs[1]);
    h.plan_and_apply(
        "infomaniak_delete_database",
        json!({"hosting_id": hid, "database_name": dbs[0]}),
    )
    .await;
    h.plan_and_apply(
        "infomaniak_delete_site",
        json!({"hosting_id": hid, "site_id": site.id}),
    )
    .await;
    assert!(
        !h.sim
            .with_world(|w| w.sites.iter().any(|s| s.id == site.id))
    );
    let audit = h
        .ok("infomaniak_audit_hosting", json!({"hosting_id": hid}))
        .await;
    assert_eq!(audit["certificates_checked"], true);
    assert!(
        audit["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["issue"].as_str().unwrap().contains("SSH")),
        "{audit}"
    );
}

#[tokio::test]
async fn bad_arguments_stale_plans_and_upstream_errors_write_nothing() {
    let h = Harness::start(Options::default()).await;
    let (hid, _) = first_hosting(&h);
    let mark = h.mark();
    for (tool, args, kind) in [
        (
            "infomaniak_list_sites",
            json!({"hosting_id": 424242}),
            "not_found",
        ),
        (
            "infomaniak_create_site",
            json!({"hosting_id": hid, "fqdn": "bad name"}),
            "invalid_args",
        ),
        (
            "infomaniak_create_site",
            json!({"hosting_id": hid, "fqdn": "x.example-shop.ch", "directory": "/etc"}),
            "invalid_args",
        ),
        (
            "infomaniak_create_database",
            json!({"hosting_id": hid, "database_name": "Bad-Name"}),
            "invalid_args",
        ),
        (
            "infomaniak_create_database",
            json!({"hosting_id": 424242, "database_name": "ok"}),
            "not_found",
        ),
        (
            "infomaniak_request_certificate",
            json!({"hosting_id": hid, "site_id": 1, "type": "paid"}),
            "invalid_args",
        ),
        (
            "infomaniak_nodejs_app_action",
            json!({"hosting_id": hid, "vhost_route_id": 1, "action": "deploy"}),
            "invalid_args",
        ),
        (
            "infomaniak_provision_site_full",
            json!({"hosting_id": hid, "fqdn": "p.example-shop.ch", "database_name": "p", "ttl": 5}),
            "invalid_args",
        ),
        (
            "infomaniak_get_database",
            json!({"hosting_id": hid, "database_name": "missing"}),
            "not_found",
        ),
    ] {
        let e = h.err(tool, args).await;
        assert_eq!(e["error"]["kind"], kind, "{tool}: {e}");
        assert!(
            e["error"]["hint"].as_str().is_some_and(|x| !x.is_empty()),
            "{tool} gives a hint: {e}"
        );
    }
    assert!(
        h.writes_since(mark).is_empty(),
        "no write on a refused call"
    );
    // A stale plan: the site list changes between plan and confirmation.
    let args = json!({"hosting_id": hid, "fqdn": "stale.example-shop.ch"});
    let plan = h.ok("infomaniak_create_site", args.clone()).await;
    let s = h.sim.manager_session();
    let resp = reqwest::Client::new()
        .post(format!("{}/proxy/1/web_hostings/{hid}/sites", h.sim.manager_url().trim_end_matches('/')))
        .header("cookie", format!("SASESSION={}", s.sasession))
        .header("x-xsrf-token", s.xsrf)
        .json(&json!({"fqdn": "stale.example-shop.ch", "directory": "/sites/stale.example-shop.ch", "force_fqdn": true, "environment": "apache_php"}))
        .send().await.unwrap();
    assert!(resp.status().is_success());
    let mark = h.mark();
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let again = h.call("infomaniak_create_site", confirmed).await;
    let text = crate::harness::text(&again);
    assert!(
        text.contains("already_exists") || text.contains("stale"),
        "{text}"
    );
    assert!(
        h.writes_since(mark).is_empty(),
        "no write after the world changed"
    );
}

#[tokio::test]
async fn a_token_without_the_web_scope_is_told_which_scope_to_add() {
    let h = Harness::start(Options::dns_read_token()).await;
    let (hid, _) = first_hosting(&h);
    let e = h
        .err("infomaniak_list_databases", json!({"hosting_id": hid}))
        .await;
    assert!(
        e["error"]["hint"].as_str().unwrap().contains("web scope"),
        "{e}"
    );
}

/// Two confirmed writes on one hosting, confirmed at once: the tenant answers
/// `operation_in_progress` to overlapping operations on a hosting (as Infomaniak does), so
/// both apply only because each effect holds the `hosting:{id}` lock and the host runs them
/// one after the other (host/tests/e2e/locks.rs proves applies on other keys run at once).
#[tokio::test]
async fn writes_on_one_hosting_are_serialized_by_the_hosting_lock() {
    let h = Harness::start(Options::default()).await;
    let (hid, prefix) = first_hosting(&h);
    let a = json!({"hosting_id": hid, "database_name": "lock_a"});
    let b = json!({"hosting_id": hid, "database_name": "lock_b"});
    let plan_a = h.ok("infomaniak_create_database", a.clone()).await;
    let plan_b = h.ok("infomaniak_create_database", b.clone()).await;
    for p in [&plan_a, &plan_b] {
        assert_eq!(p["effects"][0]["lock"], format!("hosting:{hid}"), "{p}");
    }
    let confirm = |mut args: serde_json::Value, plan: &serde_json::Value| {
        args["confirmation_token"] = plan["confirmation_token"].clone();
        args
    };
    let (ra, rb) = tokio::join!(
        h.call("infomaniak_create_database", confirm(a, &plan_a)),
        h.call("infomaniak_create_database", confirm(b, &plan_b)),
    );
    for r in [&ra, &rb] {
        assert_ne!(r.is_error, Some(true), "{}", crate::harness::text(r));
    }
    let names: Vec<String> = h
        .sim
        .with_world(|w| w.hosting.databases.iter().map(|d| d.name.clone()).collect());
    for n in ["lock_a", "lock_b"] {
        assert!(
            names.contains(&format!("{prefix}{n}")),
            "{n} created: {names:?}"
        );
    }
    let refused = h.sim.requests().iter().filter(|r| r.status == 400).count();
    assert_eq!(refused, 0, "no operation_in_progress");
}

#[tokio::test]
async fn audit_findings_name_the_call_that_fixes_them_and_the_call_does() {
    let h = Harness::start(Options::default()).await;
    let (hid, _) = first_hosting(&h);
    let audit = h
        .ok("infomaniak_audit_hosting", json!({"hosting_id": hid}))
        .await;
    let findings = audit["findings"].as_array().unwrap().clone();
    let tools: Vec<String> = h.tools().await.iter().map(|t| t.name.to_string()).collect();
    let mut fixed = Vec::new();
    for f in &findings {
        let fix = f["fix"].as_str().unwrap();
        let Some(call) = f.get("call").filter(|c| !c.is_null()) else {
            assert!(fix.starts_with("no tool"), "{f}");
            continue;
        };
        let tool = call["tool"].as_str().unwrap();
        assert!(tools.iter().any(|t| t == tool) && fix.contains(tool), "{f}");
        assert_eq!(call["arguments"]["hosting_id"], hid, "{f}");
        if tool == "infomaniak_get_certificate" {
            h.ok(tool, call["arguments"].clone()).await;
        } else {
            let applied = h.plan_and_apply(tool, call["arguments"].clone()).await;
            assert!(!applied.writes.is_empty(), "{f}");
            fixed.push((f["target"].clone(), f["issue"].clone()));
        }
    }
    assert!(
        fixed
            .iter()
            .any(|(_, issue)| issue.as_str().unwrap().contains("SSH")),
        "the fixture has an SSH user: {findings:?}"
    );
    let after = h
        .ok("infomaniak_audit_hosting", json!({"hosting_id": hid}))
        .await;
    for (target, issue) in &fixed {
        assert!(
            !after["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| &f["target"] == target && &f["issue"] == issue),
            "{target} {issue} is fixed by its call: {after}"
        );
    }
}

#[tokio::test]
async fn a_site_name_taken_on_another_hosting_is_refused_with_the_way_to_find_it() {
    let h = fleet_unthrottled().await;
    let (hid, taken) = h.sim.with_world(|w| {
        let other = w
            .sites
            .iter()
            .find(|s| s.hosting_id != w.web_hostings[0].id)
            .unwrap();
        (w.web_hostings[0].id, other.clone())
    });
    let args = json!({"hosting_id": hid, "fqdn": taken.main_fqdn});
    let plan = h.ok("infomaniak_create_site", args.clone()).await;
    assert_eq!(plan["status"], "plan", "not on this hosting: {plan}");
    let mark = h.mark();
    let mut confirmed = args;
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let refused = h.call("infomaniak_create_site", confirmed).await;
    assert_eq!(refused.is_error, Some(true));
    let text = crate::harness::text(&refused);
    assert!(
        text.contains("infomaniak_find_site") && text.contains(&taken.main_fqdn),
        "{text}"
    );
    let writes = h.writes_since(mark);
    assert_eq!(writes.len(), 1, "only the planned POST: {writes:?}");
    assert_eq!(writes[0].status, 409);
    let found = h
        .ok("infomaniak_find_site", json!({"domain": taken.main_fqdn}))
        .await;
    assert_eq!(found["hosting_id"], taken.hosting_id);
    assert_eq!(
        h.sim.with_world(|w| w
            .sites
            .iter()
            .filter(|s| s.main_fqdn == taken.main_fqdn)
            .count()),
        1
    );
}
