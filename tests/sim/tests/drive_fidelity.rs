//! kDrive behaviours beyond the conformance table: cursor walks that stay whole while the
//! list grows, mixed directory pages checked item by item, CSV exports, maintenance (Q18),
//! the `drive` scope, and `fleet` sizes that need several pages in both styles.

mod common;

use common::*;
use ikmcp_sim::openapi::Spec;
use serde_json::{Value, json};

fn drive_id(sim: &ikmcp_sim::SimHandle, index: usize) -> u64 {
    sim.with_world(|w| w.drives[index].id)
}

/// Every item of a cursor list, following `cursor` while `has_more`; `between` runs after
/// the first page.
async fn walk(
    sim: &ikmcp_sim::SimHandle,
    path: &str,
    between: Option<(&str, Value)>,
) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    let mut between = between;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=100&cursor={c}"),
            None => format!("{path}{sep}limit=100"),
        };
        let (s, v) = get(sim, &url).await;
        assert_eq!(s, 200, "{url}: {v}");
        pages += 1;
        items.extend(v["data"].as_array().unwrap().iter().cloned());
        if let Some((post, body)) = between.take() {
            let (s, _, v) = call(sim, sim.token(), "POST", post, Some(body)).await;
            assert!(s < 300, "{v}");
        }
        if v["has_more"] != true {
            return (items, pages);
        }
        cursor = Some(v["cursor"].as_str().unwrap().to_string());
    }
}

#[tokio::test]
async fn a_cursor_walk_is_whole_while_the_list_grows() {
    let sim = start(ikmcp_sim::Scale::Fleet, None).await;
    let d = drive_id(&sim, 0);
    let before: usize = sim.with_world(|w| {
        w.drives[0]
            .kdrive
            .files
            .iter()
            .filter(|f| f.link.is_some() && f.trashed_at.is_none())
            .count()
    });
    assert!(before > 200, "fleet has {before} links");
    // A link is created on a file with a low id while the walk is between pages.
    let (items, pages) = walk(
        &sim,
        &format!("/3/drive/{d}/files/links"),
        Some((
            &format!("/2/drive/{d}/files/7/link"),
            json!({"right": "public"}),
        )),
    )
    .await;
    assert!(pages >= 3, "{pages} pages");
    let mut ids: Vec<u64> = items.iter().map(|i| i["id"].as_u64().unwrap()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "no item twice");
    assert_eq!(
        n, before,
        "every item that existed when the walk began, none skipped"
    );
}

#[tokio::test]
async fn fleet_lists_need_several_pages_in_both_styles() {
    let sim = start(ikmcp_sim::Scale::Fleet, None).await;
    let d = drive_id(&sim, 0);
    for list in [
        "/3/drive/{d}/files/1/files",
        "/3/drive/{d}/trash",
        "/3/drive/{d}/activities",
    ] {
        let (items, pages) = walk(&sim, &list.replace("{d}", &d.to_string()), None).await;
        assert!(
            pages >= 3 && items.len() > 250,
            "{list}: {} items in {pages} pages",
            items.len()
        );
    }
    let (_, v) = get(&sim, &format!("/2/drive/{d}/users?page=1&per_page=100")).await;
    assert!(v["pages"].as_u64().unwrap() >= 2, "{}", v["pages"]);
}

#[tokio::test]
async fn mixed_directory_pages_hold_valid_directories_and_files() {
    let sim = small().await;
    let d = drive_id(&sim, 0);
    let (items, _) = walk(&sim, &format!("/3/drive/{d}/files/1/files"), None).await;
    let kinds: Vec<&str> = items.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"dir") && kinds.contains(&"file"));
    for item in &items {
        let component = if item["type"] == "dir" {
            "91ac10ff_DirectoryV3"
        } else {
            "91ac10ff_FileV3"
        };
        let errors = schema_errors(
            Spec::Kdrive,
            &format!("/components/schemas/{component}"),
            item,
        )
        .unwrap();
        assert!(errors.is_empty(), "{item}: {errors:?}");
    }
    let root: Vec<u64> = items
        .iter()
        .map(|i| i["parent_id"].as_u64().unwrap())
        .collect();
    assert!(root.iter().all(|p| *p == 1), "the root directory is id 1");
}

#[tokio::test]
async fn exports_answer_csv() {
    let sim = small().await;
    let d = drive_id(&sim, 0);
    for path in [
        format!("/2/drive/{d}/activities/reports/90001/export"),
        format!("/2/drive/{d}/statistics/sizes/export?from=1&until=2&interval=24&metrics[]=files"),
        format!(
            "/2/drive/{d}/statistics/activities/export?from=1&until=2&interval=24&metric=users"
        ),
        format!("/2/drive/{d}/statistics/activities/links/export?from=1&until=2"),
    ] {
        let resp = client()
            .get(format!("{}{path}", sim.api_url()))
            .bearer_auth(sim.token())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("csv"),
            "{path}"
        );
        let text = resp.text().await.unwrap();
        assert!(text.lines().count() >= 2, "{path}: {text}");
    }
}

#[tokio::test]
async fn a_drive_in_maintenance_answers_503_on_its_routes_but_stays_listed() {
    let sim = start(ikmcp_sim::Scale::Fleet, None).await;
    let (d, acc) = sim.with_world(|w| {
        let d = w
            .drives
            .iter()
            .find(|d| d.kdrive.in_maintenance)
            .expect("a drive in maintenance");
        (d.id, d.account_id)
    });
    for path in [
        format!("/2/drive/{d}/users"),
        format!("/3/drive/{d}/files/1/files"),
        format!("/2/drive/{d}/settings"),
    ] {
        let (s, v) = get(&sim, &path).await;
        assert_eq!(s, 503, "{path}");
        assert_eq!(v["error"]["code"], "drive_is_in_maintenance_error");
    }
    let (s, v) = get(&sim, &format!("/2/drive?account_id={acc}")).await;
    assert_eq!(s, 200);
    assert!(
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == d && x["in_maintenance"] == true)
    );
}

#[tokio::test]
async fn drive_routes_need_the_drive_scope() {
    let sim = small().await;
    let d = drive_id(&sim, 0);
    let (s, _, v) = call(
        &sim,
        sim.readonly_dns_token(),
        "GET",
        &format!("/3/drive/{d}/trash"),
        None,
    )
    .await;
    assert_eq!(s, 403, "{v}");
    assert!(
        v["error"]["description"]
            .as_str()
            .unwrap()
            .contains("drive")
    );
}
