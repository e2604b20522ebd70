//! Every response shape the sim serves for a DNS or core operation is validated against the
//! official OpenAPI document (response schema for that operation and status, `$ref`s resolved
//! inside the document). A response the spec rejects is a simulator bug.
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
//! - Undocumented routes (`/1/account`, `/1/domain/{name}`, `/2/domains/domains*`, the
//!   invitations list) have no schema; `/1/account` is checked against `/1/accounts`'s.

mod common;

use std::collections::BTreeSet;
use std::sync::Mutex;

use common::*;
use ikmcp_sim::openapi::{self, Spec};
use ikmcp_sim::seed::{ZONE_COMPLETE, ZONE_DNSSEC, ZONE_WILDCARD};
use ikmcp_sim::{Scale, SimHandle};
use serde_json::{Value, json};

/// Operations proven valid (2xx) so far, to assert coverage of the DNS document.
static COVERED: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());

fn declared(spec: Spec, template: &str, method: &str, status: u16) -> bool {
    openapi::document(spec)
        .pointer(&openapi::response_pointer(template, method, status))
        .is_some()
}

/// Calls `path` (an instance of `template`) and validates the answer; returns the body.
async fn exercise(
    sim: &SimHandle,
    token: &str,
    (spec, method, template): (Spec, &str, &str),
    path: &str,
    body: Option<Value>,
    want: u16,
) -> Value {
    let (status, _, v) = call(sim, token, method, path, body).await;
    assert_eq!(status, want, "{method} {path}: {v}");
    if declared(spec, template, method, status) {
        validate_response(spec, template, method, status, &v);
    } else {
        assert!(
            status >= 400,
            "{method} {template}: success status {status} is not declared"
        );
        validate_at(
            spec,
            "/components/schemas/ErrorResponse",
            &v,
            &format!("{method} {path} -> {status} (generic)"),
        );
        assert_error(&v, v["error"]["code"].as_str().unwrap_or("?"));
    }
    if status < 300 {
        COVERED
            .lock()
            .unwrap()
            .insert((template.to_string(), method.to_string()));
    }
    v
}

fn check_items(spec: Spec, component: &str, body: &Value, what: &str) {
    assert_eq!(body["result"], "success", "{what}");
    let items = body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: data is a list"));
    assert!(!items.is_empty(), "{what}: non-empty");
    for (i, item) in items.iter().enumerate() {
        validate_at(
            spec,
            &format!("/components/schemas/{component}"),
            item,
            &format!("{what} item {i}"),
        );
    }
}

#[tokio::test]
async fn dns_operations_match_the_spec() {
    let sim = start(Scale::Small, None).await;
    let t = sim.token().to_string();
    let d = Spec::Dns;
    let z = ZONE_COMPLETE;

    // Domain-level DNS.
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/domains/{domain}/dnssec/check"),
        &format!("/2/domains/{z}/dnssec/check"),
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/domains/{domain}/dnssec/check"),
        &format!("/2/domains/{ZONE_DNSSEC}/dnssec/check"),
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "POST", "/2/domains/{domain}/dnssec/enable"),
        &format!("/2/domains/{z}/dnssec/enable"),
        Some(json!({"dnssec_data": ["256 3 13 ABCD"]})),
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "POST", "/2/domains/{domain}/dnssec/disable"),
        &format!("/2/domains/{z}/dnssec/disable"),
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/domains/{domain}/dnssec/check"),
        "/2/domains/nope.ch/dnssec/check",
        None,
        404,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "PUT", "/2/domains/{domain}/nameservers"),
        &format!("/2/domains/{ZONE_WILDCARD}/nameservers"),
        Some(json!({"use_infomaniak_ns": true})),
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "PUT", "/2/domains/{domain}/nameservers"),
        &format!("/2/domains/{ZONE_WILDCARD}/nameservers"),
        Some(json!({"nameservers": [1, 2]})),
        422,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/domains/{domain}/zones"),
        &format!("/2/domains/{z}/zones"),
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/domains/{domain}/zones"),
        &format!("/2/domains/{z}/zones?page=1&per_page=5"),
        None,
        200,
    )
    .await;
    let v = exercise(
        &sim,
        &t,
        (d, "GET", "/2/domains/{domain}/zones"),
        &format!("/2/domains/{z}/zones?return=total"),
        None,
        200,
    )
    .await;
    assert_eq!(v["data"], 1);

    // Zones.
    for q in [
        "",
        "?with=records",
        "?with=records,idn,records_description",
        "?with=skel",
    ] {
        exercise(
            &sim,
            &t,
            (d, "GET", "/2/zones/{zone}"),
            &format!("/2/zones/{z}{q}"),
            None,
            200,
        )
        .await;
    }
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/zones/{zone}"),
        "/2/zones/nope.ch",
        None,
        404,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/zones/{zone}"),
        &format!("/2/zones/{z}?with=nope"),
        None,
        422,
    )
    .await;
    exercise(
        &sim,
        "bad-token",
        (d, "GET", "/2/zones/{zone}"),
        &format!("/2/zones/{z}"),
        None,
        401,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "POST", "/2/zones/{zone}"),
        "/2/zones/fresh-zone.ch?with=records",
        Some(json!({"skel": "www 300 IN A 192.0.2.1"})),
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "POST", "/2/zones/{zone}"),
        "/2/zones/fresh-zone.ch",
        None,
        400,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "PUT", "/2/zones/{zone}"),
        "/2/zones/fresh-zone.ch",
        Some(json!({"skel": "api IN A 192.0.2.2"})),
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "PUT", "/2/zones/{zone}"),
        "/2/zones/nope.ch",
        Some(json!({"skel": ""})),
        404,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/zones/{zone}/exists"),
        "/2/zones/fresh-zone.ch/exists",
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "DELETE", "/2/zones/{zone}"),
        "/2/zones/fresh-zone.ch",
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "DELETE", "/2/zones/{zone}"),
        "/2/zones/fresh-zone.ch",
        None,
        404,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/zones/{zone}/exists"),
        "/2/zones/fresh-zone.ch/exists",
        None,
        404,
    )
    .await;

    // Records.
    let rp = format!("/2/zones/{z}/records");
    for q in [
        "",
        "?with=idn",
        "?with=records_description",
        "?page=2&per_page=3",
        "?filter[types][]=MX",
        "?search=mta",
    ] {
        exercise(
            &sim,
            &t,
            (d, "GET", "/2/zones/{zone}/records"),
            &format!("{rp}{q}"),
            None,
            200,
        )
        .await;
    }
    let (_, _, v) = call(&sim, &t, "GET", &format!("{rp}?return=total"), None).await;
    assert!(
        v["data"].is_u64(),
        "return=total is a count (deviation: the records schema only allows an array)"
    );
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/zones/{zone}/records"),
        "/2/zones/nope.ch/records",
        None,
        404,
    )
    .await;
    let created = exercise(&sim, &t, (d, "POST", "/2/zones/{zone}/records"), &format!("{rp}?with=idn"),
        Some(json!({"source": "conf", "type": "SRV", "target": "10 5 443 svc.example.com", "ttl": 300})), 200).await;
    let id = created["data"]["id"].as_u64().unwrap();
    exercise(&sim, &t, (d, "POST", "/2/zones/{zone}/records"), &rp, Some(json!({"source": "conf", "type": "SRV", "target": "10 5 443 svc.example.com", "ttl": 300})), 400).await;
    exercise(
        &sim,
        &t,
        (d, "POST", "/2/zones/{zone}/records"),
        &rp,
        Some(json!({"type": "HINFO", "target": "x", "ttl": 300})),
        400,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "POST", "/2/zones/{zone}/records"),
        &rp,
        Some(json!({"type": "AAAA", "target": "1.2.3.4", "ttl": 300})),
        400,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "POST", "/2/zones/{zone}/records"),
        &rp,
        Some(json!({"source": "www", "type": "TXT", "target": "x", "ttl": 300})),
        400,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "POST", "/2/zones/{zone}/records"),
        &rp,
        Some(json!({"type": "A", "target": "1.2.3.4", "ttl": 59})),
        422,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "POST", "/2/zones/{zone}/records"),
        "/2/zones/nope.ch/records",
        Some(json!({"type": "A", "target": "1.2.3.4", "ttl": 300})),
        404,
    )
    .await;
    exercise(
        &sim,
        sim.readonly_dns_token(),
        (d, "POST", "/2/zones/{zone}/records"),
        &rp,
        Some(json!({"type": "A", "target": "1.2.3.4", "ttl": 300})),
        403,
    )
    .await;
    let one = format!("{rp}/{id}");
    for q in ["", "?with=idn,records_description"] {
        exercise(
            &sim,
            &t,
            (d, "GET", "/2/zones/{zone}/records/{record}"),
            &format!("{one}{q}"),
            None,
            200,
        )
        .await;
    }
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/zones/{zone}/records/{record}"),
        &format!("{rp}/1"),
        None,
        404,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/zones/{zone}/records/{record}"),
        &format!("{rp}/abc"),
        None,
        404,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "PUT", "/2/zones/{zone}/records/{record}"),
        &one,
        Some(json!({"target": "20 5 443 svc.example.com", "ttl": 600})),
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "PUT", "/2/zones/{zone}/records/{record}"),
        &one,
        Some(json!({"target": "bad"})),
        400,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "PUT", "/2/zones/{zone}/records/{record}"),
        &format!("{rp}/1"),
        Some(json!({"ttl": 600})),
        404,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/zones/{zone}/records/{record}/check"),
        &format!("{one}/check"),
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/zones/{zone}/records/{record}/check"),
        &format!("{rp}/1/check"),
        None,
        404,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "DELETE", "/2/zones/{zone}/records/{record}"),
        &one,
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (d, "DELETE", "/2/zones/{zone}/records/{record}"),
        &one,
        None,
        404,
    )
    .await;
    call(
        &sim,
        &t,
        "PUT",
        &format!("/2/domains/{z}/nameservers"),
        Some(json!({"nameservers": ["a.example.net", "b.example.net"]})),
    )
    .await;
    let rid = sim.with_world(|w| w.zone(z).unwrap().records[0].id);
    exercise(
        &sim,
        &t,
        (d, "GET", "/2/zones/{zone}/records/{record}/check"),
        &format!("{rp}/{rid}/check"),
        None,
        400,
    )
    .await;

    // Every operation of the DNS document was served and validated.
    let doc = openapi::document(Spec::Dns);
    let covered = COVERED.lock().unwrap().clone();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops
            .as_object()
            .unwrap()
            .keys()
            .filter(|m| ["get", "post", "put", "delete", "patch"].contains(&m.as_str()))
        {
            let key = (path.clone(), method.to_ascii_uppercase());
            assert!(
                covered.contains(&key),
                "DNS operation {method} {path} was not exercised"
            );
        }
    }
}

#[tokio::test]
async fn core_operations_match_the_spec() {
    let sim = start(Scale::Fleet, None).await;
    let t = sim.token().to_string();
    let c = Spec::Core;
    let acc = sim.with_world(|w| w.accounts[0].id);
    let team = sim.with_world(|w| w.teams[0].id);
    let inv = sim.with_world(|w| w.invitations[0].id);

    exercise(
        &sim,
        &t,
        (c, "GET", "/1/accounts"),
        "/1/accounts",
        None,
        200,
    )
    .await;
    let (_, _, v) = call(&sim, &t, "GET", "/1/account", None).await;
    validate_response(c, "/1/accounts", "GET", 200, &v);
    exercise(
        &sim,
        &t,
        (c, "GET", "/1/accounts/{account_id}"),
        &format!("/1/accounts/{acc}"),
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (c, "GET", "/1/accounts/{account_id}"),
        "/1/accounts/1",
        None,
        404,
    )
    .await;
    exercise(
        &sim,
        "nope",
        (c, "GET", "/1/accounts/{account_id}"),
        &format!("/1/accounts/{acc}"),
        None,
        401,
    )
    .await;
    exercise(
        &sim,
        &t,
        (c, "GET", "/1/accounts/{account_id}/services"),
        &format!("/1/accounts/{acc}/services"),
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (c, "GET", "/1/accounts/{account_id}/services"),
        "/1/accounts/1/services",
        None,
        404,
    )
    .await;

    let (_, _, v) = call(&sim, &t, "GET", &format!("/1/accounts/{acc}/tags"), None).await;
    check_items(c, "087adaad_Tag", &v, "tags (spec says data: string)");
    let (_, _, v) = call(
        &sim,
        &t,
        "GET",
        &format!("/1/accounts/{acc}/products"),
        None,
    )
    .await;
    check_items(
        c,
        "087adaad_Product",
        &v,
        "account products (spec says data: string)",
    );

    for q in [
        "",
        "?page=2&per_page=20",
        "?service_name=domain",
        "?limit=3&skip=2",
        "?account_id=1",
    ] {
        exercise(
            &sim,
            &t,
            (c, "GET", "/1/products"),
            &format!("/1/products{q}"),
            None,
            200,
        )
        .await;
    }
    exercise(
        &sim,
        &t,
        (c, "GET", "/1/products"),
        "/1/products?page=zero",
        None,
        422,
    )
    .await;
    exercise(&sim, &t, (c, "GET", "/2/profile"), "/2/profile", None, 200).await;

    let (_, _, v) = call(
        &sim,
        &t,
        "GET",
        &format!("/2/accounts/{acc}/users?page=1&per_page=3"),
        None,
    )
    .await;
    check_items(
        c,
        "087adaad_Userorpendinguser",
        &v,
        "users (spec says data: object)",
    );
    validate_at(c, "/components/schemas/Pagination", &v, "users pagination");
    exercise(
        &sim,
        &t,
        (c, "GET", "/2/accounts/{account}/users"),
        "/2/accounts/1/users",
        None,
        404,
    )
    .await;

    for q in ["", "?page=1&per_page=1", "?search=web"] {
        exercise(
            &sim,
            &t,
            (c, "GET", "/1/accounts/{account}/teams"),
            &format!("/1/accounts/{acc}/teams{q}"),
            None,
            200,
        )
        .await;
    }
    exercise(
        &sim,
        &t,
        (c, "GET", "/1/accounts/{account}/teams"),
        "/1/accounts/1/teams",
        None,
        404,
    )
    .await;
    exercise(
        &sim,
        &t,
        (c, "GET", "/1/accounts/{account}/teams/{team}"),
        &format!("/1/accounts/{acc}/teams/{team}"),
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (c, "GET", "/1/accounts/{account}/teams/{team}"),
        &format!("/1/accounts/{acc}/teams/1"),
        None,
        404,
    )
    .await;
    exercise(
        &sim,
        &t,
        (c, "GET", "/1/accounts/{account}/invitations/{invitation}"),
        &format!("/1/accounts/{acc}/invitations/{inv}"),
        None,
        200,
    )
    .await;
    exercise(
        &sim,
        &t,
        (c, "GET", "/1/accounts/{account}/invitations/{invitation}"),
        &format!("/1/accounts/{acc}/invitations/1"),
        None,
        404,
    )
    .await;
    let (_, _, v) = call(
        &sim,
        &t,
        "GET",
        &format!("/1/accounts/{acc}/invitations"),
        None,
    )
    .await;
    check_items(
        c,
        "087adaad_AccountInvitation",
        &v,
        "invitations list (undocumented route)",
    );
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
        check_items(Spec::Core, "087adaad_Userorpendinguser", &v, "users");
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
