//! Every response shape the sim serves for a DNS or core operation is validated against the
//! official OpenAPI document (response schema for that operation and status, `$ref`s resolved
//! inside the document). A response the spec rejects is a simulator bug. Each document's
//! coverage is a table of cases (`conformance/<domain>.rs`) run by `conformance::run`; a new
//! domain adds its table and one test below.
//!
//! Where the spec itself is wrong, the deviation is documented here and the body is checked
//! against the closest correct schema instead:
//! - `/1/accounts/{id}/tags` and `/1/accounts/{id}/products` declare `data: string`; they are
//!   lists, so each item is checked against `087adaad_Tag` / `087adaad_Product`.
//! - `/2/accounts/{account}/users` declares `data` as one object; it is a list, so each item is
//!   checked against `087adaad_Userorpendinguser` (pagination keys against `Pagination`).
//! - `return=total` turns `data` into an integer; only `/2/domains/{domain}/zones` declares that
//!   (`oneOf(array, integer)`), so for other lists the count is checked to be an integer.
//! - Statuses an operation does not declare (401 on some DNS routes, 403 for scopes, 422,
//!   429, 500 faults) are checked against the generic `ErrorResponse` schema plus the error
//!   envelope shape (`code`, `description`, `errors`).
//! - `/1/public_clouds/config` declares `account_resource_level` as an integer whose enum
//!   lists strings: no value can match, so only its status is checked.
//! - `/2/ai/{product_id}/openai/v1/models` declares `data` as one model object; the OpenAI
//!   list has an array of them, so only its status is checked.
//! - Swiss Backup's slot DELETE declares `data: oneOf[boolean, {nullable: true}]`: the
//!   untyped branch matches everything, so the `true` it answers can never validate.
//! - An AI batch result's `data` is declared `type: object` and `oneOf[string, array]` at
//!   once: unsatisfiable, so only the status is checked.
//! - Undocumented routes (`/1/account`, `/1/domain/{name}`, `/2/domains/domains*`, the
//!   invitations list) have no schema; `/1/account` is checked against `/1/accounts`'s.

mod common;
mod conformance;

use common::*;
use conformance::{Case, Check, Token, Vars, case, check, run, uncovered};
use ikmcp_sim::openapi::{self, Spec};
use ikmcp_sim::{Scale, SimHandle};
use serde_json::json;

/// Runs a document's table against `sim`; panics with the failing case.
async fn run_table(
    sim: &SimHandle,
    spec: Spec,
    table: &[Case],
    mut vars: Vars,
) -> conformance::Covered {
    run(sim, spec, table, &mut vars)
        .await
        .unwrap_or_else(|e| panic!("{spec:?} conformance: {e}"))
}

#[tokio::test]
async fn dns_operations_match_the_spec() {
    let sim = start(Scale::Small, None).await;
    let vars = conformance::dns::vars(&sim);
    let covered = run_table(&sim, Spec::Dns, &conformance::dns::table(), vars).await;
    let missing = uncovered(Spec::Dns, &covered);
    assert!(
        missing.is_empty(),
        "DNS operations not exercised: {missing:?}"
    );
}

#[tokio::test]
async fn kdrive_operations_match_the_spec() {
    let sim = start(Scale::Small, None).await;
    let vars = conformance::drive::vars(&sim);
    let table = conformance::drive::table(&vars);
    run_table(&sim, Spec::Kdrive, &table, vars).await;
}

#[tokio::test]
async fn mail_operations_match_the_spec() {
    let sim = start(Scale::Small, None).await;
    let vars = conformance::mail::vars(&sim);
    let other = sim.with_world(|w| w.users[1].user_id);
    let mut table = conformance::mail::table();
    table.extend(conformance::mail::access_table(other));
    run_table(&sim, Spec::Mail, &table, vars.clone()).await;
    run_table(
        &sim,
        Spec::Newsletter,
        &conformance::mail::newsletter_table(),
        vars,
    )
    .await;
}

#[tokio::test]
async fn kchat_operations_match_the_spec_and_the_team_is_the_host() {
    let sim = start(Scale::Small, None).await;
    let mut vars = conformance::kchat::vars(&sim);
    let covered = conformance::kchat::run(&sim, &mut vars)
        .await
        .unwrap_or_else(|e| panic!("Kchat conformance: {e}"));
    // Every operation the kChat listener serves (39 of kchat.json's 173), each validated.
    assert_eq!(covered.len(), 39, "{covered:?}");
    // The Host picks the team as on kchat.infomaniak.com; an unknown team is a 404 AppError.
    let get = |host: &'static str| {
        client()
            .get(format!("{}/api/v4/teams", sim.kchat_root()))
            .header("host", host)
            .bearer_auth(sim.token())
            .send()
    };
    let teams: serde_json::Value = get("acme-labs.kchat.infomaniak.com")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(teams[0]["name"], "acme-labs");
    let unknown = get("nosuch.kchat.infomaniak.com").await.unwrap();
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["id"], "app.team.get_by_name.missing.app_error");
    // The request log names the team and the API path.
    let log = sim.requests();
    let last = log.last().unwrap();
    assert_eq!(
        (last.upstream.as_str(), last.path.as_str()),
        ("kchat:nosuch", "/api/v4/teams")
    );
    assert!(
        log.iter()
            .any(|r| r.upstream == "kchat:acme" && r.path == "/api/v4/roles")
    );
    // A kChat bot token works on kChat only.
    let bot = client()
        .get(format!("{}/t/acme/api/v4/bots", sim.kchat_root()))
        .bearer_auth(sim.kchat_bot_token())
        .send()
        .await
        .unwrap();
    assert_eq!(bot.status(), 200);
    let (status, _, _) = call(&sim, sim.kchat_bot_token(), "GET", "/1/products", None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn kchat_pages_are_zero_based_and_capped_at_200() {
    let sim = start(Scale::Fleet, None).await;
    let tid = sim.with_world(|w| w.kchat.teams[0].id.clone());
    let page = |p: u32, per: u32| {
        client()
            .get(format!(
                "{}/t/acme/api/v4/teams/{tid}/channels?page={p}&per_page={per}",
                sim.kchat_root()
            ))
            .bearer_auth(sim.token())
            .send()
    };
    let first: Vec<serde_json::Value> = page(0, 500).await.unwrap().json().await.unwrap();
    assert_eq!(first.len(), 200, "per_page is capped at 200");
    let second: Vec<serde_json::Value> = page(1, 200).await.unwrap().json().await.unwrap();
    assert_eq!(second.len(), 200);
    assert_ne!(first[0]["id"], second[0]["id"]);
    let last: Vec<serde_json::Value> = page(2, 200).await.unwrap().json().await.unwrap();
    assert!(!last.is_empty() && last.len() < 200, "{}", last.len());
    let bad = client()
        .get(format!("{}/t/acme/api/v4/bots?page=x", sim.kchat_root()))
        .bearer_auth(sim.token())
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn public_cloud_operations_match_the_spec() {
    let sim = start(Scale::Small, None).await;
    let vars = conformance::cloud::vars(&sim);
    run_table(
        &sim,
        Spec::PublicCloud,
        &conformance::cloud::table(),
        vars.clone(),
    )
    .await;
    run_table(&sim, Spec::Core, &conformance::cloud::status_table(), vars).await;
}

#[tokio::test]
async fn swiss_backup_ai_and_url_shortener_operations_match_the_spec() {
    let sim = start(Scale::Small, None).await;
    let vars = conformance::utilities::vars(&sim);
    let t = &conformance::utilities::backup_table();
    run_table(&sim, Spec::SwissBackup, t, vars.clone()).await;
    run_table(
        &sim,
        Spec::AiTools,
        &conformance::utilities::ai_table(),
        vars.clone(),
    )
    .await;
    run_table(
        &sim,
        Spec::UrlShortener,
        &conformance::utilities::short_url_table(),
        vars,
    )
    .await;
}

#[tokio::test]
async fn core_operations_match_the_spec() {
    let sim = start(Scale::Fleet, None).await;
    let vars = conformance::core::vars(&sim);
    let table = [conformance::core::table(), conformance::core::writes(&vars)].concat();
    run_table(&sim, Spec::Core, &table, vars).await;
}

#[tokio::test]
async fn every_fleet_product_and_account_validates() {
    // Every generated product of every service, not just the first page.
    let sim = start(Scale::Fleet, None).await;
    let mut page = 1;
    loop {
        let (_, v) = get(&sim, &format!("/1/products?page={page}&per_page=100")).await;
        validate_response(Spec::Core, "/1/products", "GET", 200, &v);
        if page >= v["pages"].as_u64().unwrap() {
            break;
        }
        page += 1;
    }
    let accounts: Vec<u64> = sim.with_world(|w| w.accounts.iter().map(|a| a.id).collect());
    for acc in accounts {
        let (_, v) = get(&sim, &format!("/1/accounts/{acc}")).await;
        validate_response(Spec::Core, "/1/accounts/{account_id}", "GET", 200, &v);
        let (_, v) = get(&sim, &format!("/2/accounts/{acc}/users")).await;
        let users = conformance::get("/2/accounts/{account}/users", "", 200).check(Check::Items {
            component: "087adaad_Userorpendinguser",
            paged: false,
        });
        check(Spec::Core, &users, 200, &v).unwrap_or_else(|e| panic!("users of {acc}: {e}"));
    }
    let zones: Vec<String> = sim.with_world(|w| w.zones.iter().map(|z| z.fqdn.clone()).collect());
    for z in zones {
        let (_, v) = get(
            &sim,
            &format!("/2/zones/{z}?with=records,idn,records_description"),
        )
        .await;
        validate_response(Spec::Dns, "/2/zones/{zone}", "GET", 200, &v);
    }
}

#[test]
fn the_validation_is_not_vacuous() {
    // Shapes the spec must reject, so a passing run above means something.
    let ptr = openapi::response_pointer("/2/zones/{zone}/records", "GET", 200);
    let v = openapi::validator(Spec::Dns, &ptr).unwrap();
    let good = json!({"result": "success", "data": [{"id": 1, "source": ".", "type": "A", "ttl": 60, "target": "1.2.3.4", "updated_at": 1}]});
    assert!(v.is_valid(&good));
    let string_id = json!({"result": "success", "data": [{"id": "1", "source": ".", "type": "A", "ttl": 60, "target": "1.2.3.4", "updated_at": 1}]});
    assert!(!v.is_valid(&string_id), "v2 record ids are integers");
    let missing = json!({"result": "success", "data": [{"id": 1, "source": ".", "type": "A", "ttl": 60, "updated_at": 1}]});
    assert!(!v.is_valid(&missing), "target is required");
    assert!(!v.is_valid(&json!({"result": "bogus", "data": []})));
    let zone = openapi::validator(
        Spec::Dns,
        &openapi::response_pointer("/2/zones/{zone}", "GET", 200),
    )
    .unwrap();
    assert!(!zone.is_valid(&json!({"result": "success", "data": {"id": 1, "fqdn": "a.ch", "dnssec": {"is_enabled": false}, "nameservers": []}})),
        "the spec requires a top-level is_enabled on zones");
    let e404 = openapi::validator(
        Spec::Dns,
        &openapi::response_pointer("/2/zones/{zone}/records", "GET", 404),
    )
    .unwrap();
    assert!(!e404.is_valid(&json!({"result": "error", "error": {"code": "zone_does_not_exists", "description": "x"}})),
        "records list only declares object_not_found for 404");
}

#[test]
fn the_table_check_rejects_wrong_answers() {
    // The check every table relies on fails on answers the spec does not allow.
    let list = conformance::get("/2/zones/{zone}/records", "/2/zones/a.ch/records", 200);
    let good = json!({"result": "success", "data": [{"id": 1, "source": ".", "type": "A", "ttl": 60, "target": "1.2.3.4", "updated_at": 1}]});
    assert_eq!(check(Spec::Dns, &list, 200, &good), Ok(()));
    let string_id = json!({"result": "success", "data": [{"id": "1", "source": ".", "type": "A", "ttl": 60, "target": "1.2.3.4", "updated_at": 1}]});
    assert!(
        check(Spec::Dns, &list, 200, &string_id).is_err(),
        "v2 record ids are integers"
    );
    assert!(check(Spec::Dns, &list, 404, &good).is_err(), "wrong status");
    let created = case("POST", "/2/zones/{zone}/records", "/x", 201);
    assert!(
        check(Spec::Dns, &created, 201, &good).is_err(),
        "an undeclared success status"
    );
    let error = conformance::get("/2/zones/{zone}", "/x", 429);
    let envelope = json!({"result": "error", "error": {"code": "too_many_requests", "description": "slow down", "errors": []}});
    assert_eq!(check(Spec::Dns, &error, 429, &envelope), Ok(()));
    let bare =
        json!({"result": "error", "error": {"code": "too_many_requests", "description": ""}});
    assert!(
        check(Spec::Dns, &error, 429, &bare).is_err(),
        "error envelope"
    );
    let items = conformance::get("/1/accounts/{account_id}/tags", "/x", 200).check(Check::Items {
        component: "087adaad_Tag",
        paged: false,
    });
    assert!(
        check(
            Spec::Core,
            &items,
            200,
            &json!({"result": "success", "data": []})
        )
        .is_err()
    );
    assert!(
        check(
            Spec::Core,
            &items,
            200,
            &json!({"result": "success", "data": [{"id": "x"}]})
        )
        .is_err()
    );
    let count = conformance::get("/2/zones/{zone}/records", "/x", 200).check(Check::Count);
    assert!(check(Spec::Dns, &count, 200, &good).is_err());
    let expecting = list.clone().expect("/data/0/target", json!("5.6.7.8"));
    assert!(
        check(Spec::Dns, &expecting, 200, &good).is_err(),
        "expected value"
    );
}

#[tokio::test]
async fn a_table_run_stops_at_a_wrong_answer() {
    // Against the live tenant: a case whose expectation the answer does not meet fails the
    // run, names the case, and later cases do not run.
    let sim = small().await;
    let table = [
        conformance::get("/2/zones/{zone}", "/2/zones/{z}", 200),
        conformance::get("/2/zones/{zone}", "/2/zones/{z}", 200).token(Token::Invalid),
        conformance::get("/2/zones/{zone}", "/2/zones/{z}", 200),
    ];
    let mut vars = conformance::dns::vars(&sim);
    sim.clear_requests();
    let err = run(&sim, Spec::Dns, &table, &mut vars).await.unwrap_err();
    assert!(err.starts_with("case 1: GET /2/zones/"), "{err}");
    assert!(err.contains("status 401, expected 200"), "{err}");
    assert_eq!(
        sim.requests().len(),
        2,
        "the run stopped at the failing case"
    );
    let mut vars = conformance::dns::vars(&sim);
    let missing = uncovered(
        Spec::Dns,
        &run(&sim, Spec::Dns, &table[..1], &mut vars).await.unwrap(),
    );
    assert!(
        missing.contains(&"POST /2/zones/{zone}/records".to_string()),
        "{missing:?}"
    );
}
