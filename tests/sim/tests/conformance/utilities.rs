//! The Swiss Backup, AI Tools and URL shortener tables (`swiss-backup.json`,
//! `ai-tools.json`, `url-shortener.json`): the operations the tenant serves, successes,
//! `account_id` required, bodies refused with 422, unknown ids.

use ikmcp_sim::SimHandle;
use serde_json::json;

use super::{Case, Check, Vars, case, get};

const BACKUPS: &str = "/1/swiss_backups";
const BACKUP: &str = "/1/swiss_backups/{swiss_backup_id}";
const ACRONIS: &str = "/1/swiss_backups/{swiss_backup_id}/acronis_informations";
const ADMIN: &str = "/1/swiss_backups/{swiss_backup_id}/admin";
const SLOTS: &str = "/1/swiss_backups/{swiss_backup_id}/slots";
const SLOT: &str = "/1/swiss_backups/{swiss_backup_id}/slots/{slot_id}";
const ENABLE: &str = "/1/swiss_backups/{swiss_backup_id}/slots/{slot_id}/enable";
const DISABLE: &str = "/1/swiss_backups/{swiss_backup_id}/slots/{slot_id}/disable";

/// The first account, Swiss Backup product and AI product of the small tenant.
pub fn vars(sim: &SimHandle) -> Vars {
    let (acc, b, ai) = sim.with_world(|w| (w.accounts[0].id, w.backups[0].id, w.ai_products[0].id));
    Vars::from([
        ("acc".into(), acc.to_string()),
        ("b".into(), b.to_string()),
        ("ai".into(), ai.to_string()),
    ])
}

/// Swiss Backup, in order (later cases use earlier writes).
pub fn backup_table() -> Vec<Case> {
    vec![
        get(BACKUPS, "/1/swiss_backups?account_id={acc}", 200),
        get(BACKUPS, "/1/swiss_backups?account_id={acc}&page=1&per_page=1", 200),
        get(BACKUPS, "/1/swiss_backups", 422),
        get(BACKUP, "/1/swiss_backups/{b}", 200).expect("/data/is_demo", json!("false")),
        get(BACKUP, "/1/swiss_backups/1", 404),
        get(ACRONIS, "/1/swiss_backups/{b}/acronis_informations", 200),
        get(SLOTS, "/1/swiss_backups/{b}/slots", 200).save("s", "/data/0/id"),
        get(SLOT, "/1/swiss_backups/{b}/slots/{s}", 200),
        get(SLOT, "/1/swiss_backups/{b}/slots/1", 404),
        get("/1/swiss_backups/pricing", "/1/swiss_backups/pricing", 200),
        get("/1/swiss_backups/calculate", "/1/swiss_backups/calculate?size=1000000000000&slot=2", 200),
        case("POST", SLOTS, "/1/swiss_backups/{b}/slots", 201)
            .body(json!({"customer_name": "conf", "email": "it@example.ch", "size": 1_000_000_000u64, "type": "linux"}))
            .save("ns", "/data/id"),
        case("POST", SLOTS, "/1/swiss_backups/{b}/slots", 422).body(json!({"customer_name": "conf"})),
        case("POST", SLOTS, "/1/swiss_backups/{b}/slots", 400)
            .body(json!({"customer_name": "huge", "email": "it@example.ch", "size": 1_000_000_000_000_000u64, "type": "linux"})),
        case("PUT", SLOT, "/1/swiss_backups/{b}/slots/{ns}", 200).body(json!({"size": 2_000_000_000u64, "customer_name": "conf2"})),
        case("PUT", SLOT, "/1/swiss_backups/{b}/slots/{ns}", 422).body(json!({"size": "big"})),
        case("POST", DISABLE, "/1/swiss_backups/{b}/slots/{ns}/disable", 200),
        get(SLOT, "/1/swiss_backups/{b}/slots/{ns}", 200).expect("/data/locked", json!(true)),
        case("POST", ENABLE, "/1/swiss_backups/{b}/slots/{ns}/enable", 200),
        // Deviation: `data` is `oneOf: [{type: boolean}, {nullable: true}]`; the second
        // branch has no type, so `true` matches both and no boolean can pass. Status only.
        case("DELETE", SLOT, "/1/swiss_backups/{b}/slots/{ns}", 200).check(Check::Status),
        case("DELETE", SLOT, "/1/swiss_backups/{b}/slots/{ns}", 404),
        case("POST", ADMIN, "/1/swiss_backups/{b}/admin", 201).body(json!({"email": "admin@example.ch"})),
        case("PUT", ADMIN, "/1/swiss_backups/{b}/admin", 200).body(json!({"email": "boss@example.ch"})),
        case("PUT", ADMIN, "/1/swiss_backups/{b}/admin", 422).body(json!({})),
        get(BACKUP, "/1/swiss_backups/{b}", 200).expect("/data/admin", json!("boss@example.ch")),
    ]
}

/// AI Tools.
pub fn ai_table() -> Vec<Case> {
    vec![
        get("/1/ai", "/1/ai", 200),
        get("/1/ai/models", "/1/ai/models", 200),
        get(
            "/1/ai/{product_id}/consumptions",
            "/1/ai/{ai}/consumptions?page=2&per_page=10",
            200,
        ),
        get(
            "/1/ai/{product_id}/consumptions",
            "/1/ai/1/consumptions",
            404,
        ),
        // Deviation: the result's `data` is `type: object` (nullable) and `oneOf: [string,
        // array]` at once, which no value satisfies. Status only.
        get(
            "/1/ai/{product_id}/results/{batch_id}",
            "/1/ai/{ai}/results/batch-{ai}",
            200,
        )
        .check(Check::Status),
        get(
            "/1/ai/{product_id}/results/{batch_id}",
            "/1/ai/{ai}/results/nope",
            404,
        ),
        get(
            "/1/ai/{product_id}/results/{batch_id}/download",
            "/1/ai/{ai}/results/batch-{ai}/download",
            200,
        ),
        // Deviation: the spec declares `data` as one model object; the OpenAI list (and
        // every OpenAI client) has an array of them. Only the status is checked.
        get(
            "/2/ai/{product_id}/openai/v1/models",
            "/2/ai/{ai}/openai/v1/models",
            200,
        )
        .check(Check::Status),
    ]
}

/// URL shortener v2.
pub fn short_url_table() -> Vec<Case> {
    vec![
        get(
            "/2/url-shortener",
            "/2/url-shortener?page=1&per_page=2",
            200,
        ),
        get("/2/url-shortener/quota", "/2/url-shortener/quota", 200),
        case("POST", "/2/url-shortener", "/2/url-shortener", 200).body(
            json!({"url": "https://example.com/conformance", "expiration_date": 1_900_000_000}),
        ),
        // The document has no error schema at all (its 422 declares no content).
        case("POST", "/2/url-shortener", "/2/url-shortener", 422)
            .body(json!({"expiration_date": 1}))
            .check(Check::Status),
    ]
}
