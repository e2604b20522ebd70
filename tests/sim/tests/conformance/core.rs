//! The core document's table (`openapi/core.json`): accounts, products, profile, users,
//! teams, invitations. Deviations (lists the spec types as a string or an object) are
//! checked item by item, see `openapi_conformance.rs`.

use ikmcp_sim::SimHandle;

use serde_json::json;

use super::{Case, Check, Token, Vars, case, get};

/// The variables the table starts from: an account, a team and an invitation of the tenant.
pub fn vars(sim: &SimHandle) -> Vars {
    sim.with_world(|w| {
        Vars::from([
            ("acc".into(), w.accounts[0].id.to_string()),
            ("team".into(), w.teams[0].id.to_string()),
            ("inv".into(), w.invitations[0].id.to_string()),
            ("user".into(), w.users[0].user_id.to_string()),
            (
                "admin".into(),
                w.users
                    .iter()
                    .find(|u| u.account_id == w.accounts[0].id && u.role_type == "admin")
                    .map(|u| u.user_id.to_string())
                    .unwrap_or_default(),
            ),
            ("other".into(), w.accounts[1].id.to_string()),
            ("site".into(), w.sites[0].main_fqdn.clone()),
            (
                "drive".into(),
                w.drives
                    .iter()
                    .find(|d| d.account_id == w.accounts[0].id)
                    .map(|d| d.id.to_string())
                    .unwrap_or_default(),
            ),
            (
                "mail".into(),
                w.mail_hostings
                    .iter()
                    .find(|m| m.account_id == w.accounts[0].id)
                    .map(|m| m.id.to_string())
                    .unwrap_or_default(),
            ),
        ])
    })
}

/// The cases, in order.
pub fn table() -> Vec<Case> {
    let items = |component| Check::Items {
        component,
        paged: false,
    };
    let mut t = vec![
        get("/1/accounts", "/1/accounts", 200),
        // Undocumented alias, checked against /1/accounts.
        get("/1/accounts", "/1/account", 200),
        get("/1/accounts/{account_id}", "/1/accounts/{acc}", 200),
        get("/1/accounts/{account_id}", "/1/accounts/1", 404),
        get("/1/accounts/{account_id}", "/1/accounts/{acc}", 401).token(Token::Invalid),
        get(
            "/1/accounts/{account_id}/services",
            "/1/accounts/{acc}/services",
            200,
        ),
        get(
            "/1/accounts/{account_id}/services",
            "/1/accounts/1/services",
            404,
        ),
        get(
            "/1/accounts/{account_id}/tags",
            "/1/accounts/{acc}/tags",
            200,
        )
        .check(items("087adaad_Tag")),
        get(
            "/1/accounts/{account_id}/products",
            "/1/accounts/{acc}/products",
            200,
        )
        .check(items("087adaad_Product")),
    ];
    for q in [
        "",
        "?page=2&per_page=20",
        "?service_name=domain",
        "?limit=3&skip=2",
        "?account_id=1",
    ] {
        t.push(get("/1/products", format!("/1/products{q}"), 200));
    }
    t.extend([
        get("/1/products", "/1/products?fqdn={site}", 200),
        get("/1/products", "/1/products?page=zero", 422),
        get("/2/profile", "/2/profile", 200),
        get(
            "/2/accounts/{account}/users",
            "/2/accounts/{acc}/users?page=1&per_page=3",
            200,
        )
        .check(Check::Items {
            component: "087adaad_Userorpendinguser",
            paged: true,
        }),
        get("/2/accounts/{account}/users", "/2/accounts/1/users", 404),
    ]);
    for q in ["", "?page=1&per_page=1", "?search=web"] {
        t.push(get(
            "/1/accounts/{account}/teams",
            format!("/1/accounts/{{acc}}/teams{q}"),
            200,
        ));
    }
    t.extend([
        get("/1/accounts/{account}/teams", "/1/accounts/1/teams", 404),
        get(
            "/1/accounts/{account}/teams/{team}",
            "/1/accounts/{acc}/teams/{team}",
            200,
        ),
        get(
            "/1/accounts/{account}/teams/{team}",
            "/1/accounts/{acc}/teams/1",
            404,
        ),
        get(
            "/1/accounts/{account}/invitations/{invitation}",
            "/1/accounts/{acc}/invitations/{inv}",
            200,
        ),
        get(
            "/1/accounts/{account}/invitations/{invitation}",
            "/1/accounts/{acc}/invitations/1",
            404,
        ),
        // Undocumented list route: items against the invitation schema.
        get(
            "/1/accounts/{account}/invitations",
            "/1/accounts/{acc}/invitations",
            200,
        )
        .check(items("087adaad_AccountInvitation")),
    ]);
    t
}

/// The number a variable of `vars` holds (ids that request bodies carry as integers).
fn num(vars: &Vars, name: &str) -> u64 {
    vars[name]
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number"))
}

/// The writes (teams, team users, invitations and their accesses) and the reads around them,
/// in an order where each case sets up the next; every documented write is exercised.
pub fn writes(vars: &Vars) -> Vec<Case> {
    let (user, team, drive, mail, other) = (
        num(vars, "user"),
        num(vars, "team"),
        num(vars, "drive"),
        num(vars, "mail"),
        num(vars, "other"),
    );
    const TEAMS: &str = "/1/accounts/{account}/teams";
    const TEAM: &str = "/1/accounts/{account}/teams/{team}";
    const TEAM_USERS: &str = "/1/accounts/{account}/teams/{team}/users";
    const INVS: &str = "/1/accounts/{account}/invitations";
    const INV: &str = "/1/accounts/{account}/invitations/{invitation}";
    const DRIVE: &str = "/1/accounts/{account}/invitations/{invitation}/drive";
    const DRIVE_ID: &str = "/1/accounts/{account}/invitations/{invitation}/drive/{drive_id}";
    const KSUITE: &str = "/1/accounts/{account}/invitations/{invitation}/ksuite";
    const MAIL: &str = "/1/accounts/{account}/invitations/{invitation}/mailbox/{mail_id}";
    const MAIL_INVITE: &str = "/1/accounts/{account}/invitations/{invitation}/mailbox/invite";
    const KCHAT: &str = "/1/accounts/{account}/invitations/{invitation}/kchat";
    const B2B: &str = "/1/accounts/{account}/invitations/{invitation}/b2b";
    const B2B_ID: &str = "/1/accounts/{account}/invitations/{invitation}/b2b/{partnership_id}";
    let perms = json!({"can_access_logs": true, "can_change_password": true,
        "can_configure_mail_folders": true, "can_manage_aliases": false, "can_manage_auto_reply": true,
        "can_manage_filters": true, "can_manage_redirections": false, "can_manage_security": false,
        "can_manage_signatures": true});
    const USERS: &str = "/2/accounts/{account}/users";
    let users = |component| Check::Items {
        component,
        paged: true,
    };
    vec![
        // Pending invitations are listed as pending users; their rows match the schema too.
        get(USERS, "/2/accounts/{acc}/users?filter[state_in_account]=pending&page=1", 200)
            .check(users("087adaad_Userorpendinguser")),
        get(USERS, "/2/accounts/{acc}/users?filter[has_otp]=false&page=1", 200)
            .check(users("087adaad_Userorpendinguser")),
        // Deviation: the spec types the `teams` expansion as a string; it is a list.
        get(USERS, "/2/accounts/{acc}/users?with=teams&page=1", 200).check(Check::Status),
        get(USERS, "/2/accounts/{acc}/users?with=nope", 422),
        get(USERS, "/2/accounts/{acc}/users?filter[has_otp]=maybe", 422),
        case("POST", TEAMS, "/1/accounts/{acc}/teams", 201)
            .body(json!({"name": "Conformance team", "permissions": {"services": [1]}}))
            .save("t2", "/data/id"),
        case("POST", TEAMS, "/1/accounts/{acc}/teams", 422).body(json!({"name": ""})),
        case("POST", TEAMS, "/1/accounts/{acc}/teams", 422)
            .body(json!({"name": "Conformance team"})),
        case("PATCH", TEAM, "/1/accounts/{acc}/teams/{t2}", 200)
            .body(json!({"name": "Renamed team"}))
            .expect("/data/name", json!("Renamed team")),
        case("PATCH", TEAM, "/1/accounts/{acc}/teams/1", 404).body(json!({"name": "x"})),
        case("POST", TEAM_USERS, "/1/accounts/{acc}/teams/{t2}/users", 201)
            .body(json!({"user_ids": [user]})),
        case("POST", TEAM_USERS, "/1/accounts/{acc}/teams/{t2}/users", 422)
            .body(json!({"user_ids": [1]})),
        get(TEAM_USERS, "/1/accounts/{acc}/teams/{t2}/users?page=1&per_page=10", 200),
        get(TEAM_USERS, "/1/accounts/{acc}/teams/{team}/users", 200),
        case("DELETE", TEAM_USERS, "/1/accounts/{acc}/teams/{t2}/users", 422)
            .body(json!({"user_ids": [1]})),
        case("DELETE", TEAM_USERS, "/1/accounts/{acc}/teams/{t2}/users", 200)
            .body(json!({"user_ids": [user]})),
        case("DELETE", TEAM, "/1/accounts/{acc}/teams/{t2}", 200),
        get(TEAM, "/1/accounts/{acc}/teams/{t2}", 404),
        get(
            "/2/accounts/{account}/users/{user}/app_accesses",
            "/2/accounts/{acc}/users/{user}/app_accesses",
            200,
        ),
        get(
            "/2/accounts/{account}/users/{user}/app_accesses",
            "/2/accounts/{acc}/users/1/app_accesses",
            404,
        ),
        get(
            "/1/accounts/{account}/invitations/users/{user}",
            "/1/accounts/{acc}/invitations/users/{admin}",
            200,
        ),
        get("/1/accounts/{account_id}/basic/teams", "/1/accounts/{acc}/basic/teams", 200)
            .check(Check::Status),
        get("/1/accounts/current/products", "/1/accounts/current/products", 200)
            .check(Check::Items { component: "087adaad_Product", paged: false }),
        case("POST", INVS, "/1/accounts/{acc}/invitations", 201)
            .body(json!({"email": "new.person@example.org", "first_name": "New", "last_name": "Person", "locale": "en_GB", "role_type": "normal", "teams": [team]}))
            .save("inv2", "/data/id"),
        case("POST", INVS, "/1/accounts/{acc}/invitations", 422)
            .body(json!({"email": "x@example.org", "first_name": "X", "last_name": "Y", "role_type": "normal"})),
        case("PATCH", INV, "/1/accounts/{acc}/invitations/{inv2}", 200)
            .body(json!({"role_type": "admin", "has_billing": true}))
            .expect("/data/role_type", json!("admin")),
        case("POST", DRIVE, "/1/accounts/{acc}/invitations/{inv2}/drive", 201)
            .body(json!({"drive_id": drive, "role": "user"})),
        case("POST", DRIVE, "/1/accounts/{acc}/invitations/{inv2}/drive", 409)
            .body(json!({"drive_id": drive, "role": "user"})),
        case("PATCH", DRIVE_ID, "/1/accounts/{acc}/invitations/{inv2}/drive/{drive}", 200)
            .body(json!({"right": "write"})),
        case("DELETE", DRIVE_ID, "/1/accounts/{acc}/invitations/{inv2}/drive/{drive}", 200),
        case("POST", KSUITE, "/1/accounts/{acc}/invitations/{inv2}/ksuite", 201)
            .body(json!({"ksuite_access": {"kchat_role": "user", "kdrive_role": "admin"}}))
            .expect("/data/has_ksuite", json!(true)),
        // (the spec's 422 for this route only knows `signature_mailbox_id`; the body check
        // is exercised on kChat instead)
        case("PATCH", KCHAT, "/1/accounts/{acc}/invitations/{inv2}/kchat", 422)
            .body(json!({"role": "boss"})),
        case("DELETE", KSUITE, "/1/accounts/{acc}/invitations/{inv2}/ksuite", 200),
        case("DELETE", KSUITE, "/1/accounts/{acc}/invitations/{inv2}/ksuite", 404),
        case("POST", MAIL, "/1/accounts/{acc}/invitations/{inv2}/mailbox/{mail}", 201)
            .body(json!({"mailbox_name": "new.person", "mailbox_permissions": perms})),
        case("PATCH", MAIL, "/1/accounts/{acc}/invitations/{inv2}/mailbox/{mail}", 200)
            .body(json!({"mailbox_name": "new.person", "mailbox_permissions": perms})),
        case("DELETE", MAIL, "/1/accounts/{acc}/invitations/{inv2}/mailbox/{mail}", 200)
            .body(json!({"mailbox_name": "new.person"})),
        case("POST", MAIL_INVITE, "/1/accounts/{acc}/invitations/{inv2}/mailbox/invite", 200)
            .body(json!({"email": "new.person@example.org", "key": "k", "mail_id": mail, "mailbox_name": "shared"})),
        case("PATCH", KCHAT, "/1/accounts/{acc}/invitations/{inv2}/kchat", 200)
            .body(json!({"role": "admin"})),
        case("POST", B2B, "/1/accounts/{acc}/invitations/{inv2}/b2b", 201)
            .body(json!({"partnership_ids": [other]})),
        get(B2B, "/1/accounts/{acc}/invitations/{inv2}/b2b", 200),
        case("DELETE", B2B_ID, "/1/accounts/{acc}/invitations/{inv2}/b2b/{other}", 200),
        case("DELETE", B2B_ID, "/1/accounts/{acc}/invitations/{inv2}/b2b/{other}", 404),
        case("DELETE", INV, "/1/accounts/{acc}/invitations/{inv2}", 200),
        case("DELETE", INV, "/1/accounts/{acc}/invitations/{inv2}", 400),
        get(INV, "/1/accounts/{acc}/invitations/{inv2}", 200)
            .expect("/data/status", json!("cancelled")),
    ]
}
