//! The Public Cloud document's table (`openapi/public-cloud.json`): every operation the
//! tenant serves (those the `cloud` plugin uses), successes, the 202 asynchronous answers
//! (Q12), `account_id` required, bodies refused with 422, unknown ids, and the status feed
//! of the core document (run by its own test, below the cloud one).

use ikmcp_sim::SimHandle;
use serde_json::json;

use super::{Case, Check, Vars, case, get};

const CLOUDS: &str = "/1/public_clouds";
const CLOUD: &str = "/1/public_clouds/{public_cloud_id}";
const ACCESSES: &str = "/1/public_clouds/accesses";
const CONFIG: &str = "/1/public_clouds/config";
const ALL_DBAAS: &str = "/1/public_clouds/dbaas";
const ALL_KAAS: &str = "/1/public_clouds/kaas";
const PROJECTS: &str = "/1/public_clouds/{public_cloud_id}/projects";
const INVITE: &str = "/1/public_clouds/{public_cloud_id}/projects/invite";
const PROJECT: &str = "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}";
const USERS: &str = "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}/users";
const USER_INVITE: &str =
    "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}/users/invite";
const USER: &str = "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}/users/{public_cloud_user_id}";
const USER_REINVITE: &str = "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}/users/{public_cloud_user_id}/invite";
const DBAAS: &str = "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}/dbaas";
const ONE_DBAAS: &str =
    "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}/dbaas/{dbaas_id}";
const RESET: &str = "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}/dbaas/{dbaas_id}/reset_password";
const KAAS: &str = "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}/kaas";
const ONE_KAAS: &str =
    "/1/public_clouds/{public_cloud_id}/projects/{public_cloud_project_id}/kaas/{kaas_id}";
/// The seeded project under test.
const P: &str = "/1/public_clouds/{pc}/projects/{p}";

/// The first account, public cloud and project of the small tenant.
pub fn vars(sim: &SimHandle) -> Vars {
    let (acc, pc, p) = sim.with_world(|w| {
        let c = &w.cloud.clouds[0];
        (c.account_id, c.id, c.projects[0].id)
    });
    Vars::from([
        ("acc".into(), acc.to_string()),
        ("pc".into(), pc.to_string()),
        ("p".into(), p.to_string()),
    ])
}

/// The cases, in order (later ones depend on earlier writes).
pub fn table() -> Vec<Case> {
    let mut t = vec![
        get(CLOUDS, "/1/public_clouds?account_id={acc}", 200),
        get(
            CLOUDS,
            "/1/public_clouds?account_id={acc}&page=1&per_page=1",
            200,
        ),
        get(CLOUDS, "/1/public_clouds", 422),
        get(CLOUD, "/1/public_clouds/{pc}", 200),
        get(CLOUD, "/1/public_clouds/1", 404),
        get(ACCESSES, "/1/public_clouds/accesses?account_id={acc}", 200),
        // Deviation: `account_resource_level` is declared `type: integer` with a string
        // enum ("1".."4"), which no value satisfies; the tenant sends the integer.
        get(CONFIG, "/1/public_clouds/config?account_id={acc}", 200).check(Check::Status),
        get(
            ALL_DBAAS,
            "/1/public_clouds/dbaas?account_id={acc}&page=1&per_page=2",
            200,
        ),
        get(
            ALL_DBAAS,
            "/1/public_clouds/dbaas?account_id={acc}&public_cloud_id={pc}",
            200,
        ),
        get(ALL_DBAAS, "/1/public_clouds/dbaas", 422),
        get(
            ALL_KAAS,
            "/1/public_clouds/kaas?account_id={acc}&page=1&per_page=2",
            200,
        ),
        get(
            PROJECTS,
            "/1/public_clouds/{pc}/projects?page=1&per_page=2",
            200,
        ),
        get(PROJECT, P, 200),
        get(PROJECT, "/1/public_clouds/{pc}/projects/1", 404),
        get(USERS, format!("{P}/users?page=1&per_page=100"), 200)
            .save("u", "/data/0/public_cloud_user_id"),
        get(USER, format!("{P}/users/{{u}}"), 200),
        get(DBAAS, format!("{P}/dbaas?page=1&per_page=100"), 200).save("d", "/data/0/id"),
        get(ONE_DBAAS, format!("{P}/dbaas/{{d}}"), 200),
        get(KAAS, format!("{P}/kaas?page=1&per_page=100"), 200).save("k", "/data/0/kaas_id"),
        get(ONE_KAAS, format!("{P}/kaas/{{k}}"), 200),
    ];
    for what in ["regions", "packs", "types", "configurations"] {
        let op = match what {
            "regions" => "/1/public_clouds/dbaas/regions",
            "packs" => "/1/public_clouds/dbaas/packs",
            "types" => "/1/public_clouds/dbaas/types",
            _ => "/1/public_clouds/dbaas/configurations",
        };
        t.push(get(op, format!("/1/public_clouds/dbaas/{what}"), 200));
    }
    for (op, path) in [
        ("/1/public_clouds/kaas/packs", "/1/public_clouds/kaas/packs"),
        (
            "/1/public_clouds/kaas/versions",
            "/1/public_clouds/kaas/versions",
        ),
        (
            "/1/public_clouds/kaas/regions",
            "/1/public_clouds/kaas/regions",
        ),
        (
            "/1/public_clouds/kaas/availability_zones",
            "/1/public_clouds/kaas/availability_zones?region=dc4-a",
        ),
    ] {
        t.push(get(op, path, 200));
    }
    t.extend([
        // Writes: 202 asynchronous on projects and users (Q12), 201 on service creation.
        case("POST", INVITE, "/1/public_clouds/{pc}/projects/invite", 202)
            .body(json!({"project_name": "conf", "user_email": "ops@example.com"}))
            .save("np", "/data")
            .expect("/result", json!("asynchronous")),
        case("POST", INVITE, "/1/public_clouds/{pc}/projects/invite", 422)
            .body(json!({"project_name": "conf"})),
        // Still being created: it cannot be deleted yet.
        case("DELETE", PROJECT, "/1/public_clouds/{pc}/projects/{np}", 400),
        get(PROJECT, "/1/public_clouds/{pc}/projects/{np}", 200).expect("/data/status", json!("ok")),
        case("PATCH", PROJECT, "/1/public_clouds/{pc}/projects/{np}", 202).body(json!({"name": "conf2"})),
        case("PATCH", PROJECT, "/1/public_clouds/{pc}/projects/{np}", 422).body(json!({"name": 1})),
        case("POST", USER_INVITE, format!("{P}/users/invite"), 202)
            .body(json!({"email": "dev@example.com", "description": "dev"}))
            .save("nu", "/data"),
        case("POST", USER_REINVITE, format!("{P}/users/{{nu}}/invite"), 202)
            .body(json!({"email": "dev2@example.com"})),
        case("PATCH", USER, format!("{P}/users/{{nu}}"), 200).body(json!({"description": "renamed"})),
        case("DELETE", USER, format!("{P}/users/{{nu}}"), 202),
        case("DELETE", USER, format!("{P}/users/{{nu}}"), 404),
        case("POST", DBAAS, format!("{P}/dbaas"), 201)
            .body(json!({"name": "conf-db", "pack_id": "1", "region": "dc4-a", "type": "mysql", "version": "8.0.42"}))
            .save("nd", "/data/id"),
        case("POST", DBAAS, format!("{P}/dbaas"), 422).body(json!({"name": "x"})),
        // A GET that writes: a new password; none while the service is still initializing.
        get(RESET, format!("{P}/dbaas/{{d}}/reset_password"), 200),
        get(RESET, format!("{P}/dbaas/{{nd}}/reset_password"), 400),
        case("PATCH", ONE_DBAAS, format!("{P}/dbaas/{{nd}}"), 200).body(json!({"name": "conf-db2"})),
        case("DELETE", ONE_DBAAS, format!("{P}/dbaas/{{nd}}"), 200).body(json!({"keep_backup_files": true})),
        case("POST", KAAS, format!("{P}/kaas"), 201)
            .body(json!({"name": "conf-k8s", "kaas_pack_id": 1, "kubernetes_version": "1.31", "region": "dc3-a"}))
            .save("nk", "/data"),
        case("POST", KAAS, format!("{P}/kaas"), 422)
            .body(json!({"name": "x", "kaas_pack_id": 1, "kubernetes_version": "0.1", "region": "dc3-a"})),
        case("PATCH", ONE_KAAS, format!("{P}/kaas/{{nk}}"), 200).body(json!({"kubernetes_version": "1.30"})),
        case("DELETE", ONE_KAAS, format!("{P}/kaas/{{nk}}"), 200),
        case("DELETE", ONE_KAAS, format!("{P}/kaas/{{nk}}"), 404),
        get(PROJECTS, "/1/public_clouds/{pc}/projects", 200),
        case("DELETE", PROJECT, "/1/public_clouds/{pc}/projects/{np}", 202),
        get(PROJECT, "/1/public_clouds/{pc}/projects/{np}", 404),
    ]);
    t
}

/// The status feed of the core document.
pub fn status_table() -> Vec<Case> {
    vec![
        get(
            "/2/events/public-cloud-status",
            "/2/events/public-cloud-status",
            200,
        )
        .check(Check::Spec),
    ]
}
