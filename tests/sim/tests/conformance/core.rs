//! The core document's table (`openapi/core.json`): accounts, products, profile, users,
//! teams, invitations. Deviations (lists the spec types as a string or an object) are
//! checked item by item, see `openapi_conformance.rs`.

use ikmcp_sim::SimHandle;

use super::{Case, Check, Token, Vars, get};

/// The variables the table starts from: an account, a team and an invitation of the tenant.
pub fn vars(sim: &SimHandle) -> Vars {
    sim.with_world(|w| {
        Vars::from([
            ("acc".into(), w.accounts[0].id.to_string()),
            ("team".into(), w.teams[0].id.to_string()),
            ("inv".into(), w.invitations[0].id.to_string()),
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
