//! The mail document's table (`openapi/mail.json`): every operation the tenant serves,
//! success and error answers, and the quirks of infomaniak-api.md §8 that touch mail
//! (limit/skip paging, string redirection ids, `redirect_adresses`, `with=*` → 500,
//! creates answering 201).

use ikmcp_sim::SimHandle;
use serde_json::json;

use super::{Case, Check, Token, Vars, case, get};

const MBS: &str = "/1/mail_hostings/{mail_hosting_id}/mailboxes";
const MB: &str = "/1/mail_hostings/{mail_hosting_id}/mailboxes/{mailbox_name}";
const H: &str = "/1/mail_hostings/{mail_hosting_id}";

fn op(suffix: &str) -> &'static str {
    Box::leak(format!("{MB}{suffix}").into_boxed_str())
}

fn hop(suffix: &str) -> &'static str {
    Box::leak(format!("{H}{suffix}").into_boxed_str())
}

/// The variables the table starts from: the small tenant's mail hosting and mailbox `info`.
pub fn vars(sim: &SimHandle) -> Vars {
    sim.with_world(|w| {
        let h = &w.mail_hostings[0];
        Vars::from([
            ("h".into(), h.id.to_string()),
            ("d".into(), h.domain.clone()),
            ("m".into(), "info".into()),
        ])
    })
}

/// The cases, in order (later ones depend on earlier writes).
pub fn table() -> Vec<Case> {
    let m = "/1/mail_hostings/{h}/mailboxes/{m}";
    let h = "/1/mail_hostings/{h}";
    let cond = json!({"property": "subject", "operator": "contains", "value": "x"});
    let act = json!({"value": "move", "create_a_folder": "X"});
    vec![
        // Mailboxes: limit/skip and page paging, `with` checked, `with=*` answers 500 (Q16).
        get(MBS, format!("{h}/mailboxes"), 200),
        get(MBS, format!("{h}/mailboxes?limit=2&skip=1"), 200),
        get(MBS, format!("{h}/mailboxes?page=1&per_page=2&with=aliases,size"), 200),
        get(MBS, format!("{h}/mailboxes?with=nope"), 422),
        get(MBS, format!("{h}/mailboxes?with=*"), 500),
        get(MBS, "/1/mail_hostings/1/mailboxes", 404),
        get(MBS, format!("{h}/mailboxes"), 401).token(Token::Invalid),
        case("POST", MBS, format!("{h}/mailboxes"), 201).body(json!({"mailbox_name": "conf", "password": "ignored (Q17)"})),
        case("POST", MBS, format!("{h}/mailboxes"), 409).body(json!({"mailbox_name": "conf"})),
        case("POST", MBS, format!("{h}/mailboxes"), 422).body(json!({"note": "no name"})),
        get(MB, m, 200),
        get(MB, format!("{m}?with=auto_responder,redirection,full_aliases,size,count_devices,has_dkim_signature"), 200),
        get(MB, format!("{m}?with=all"), 500),
        get(MB, format!("{h}/mailboxes/nobody"), 404),
        // Aliases.
        get(op("/aliases"), format!("{m}/aliases"), 200),
        case("POST", op("/aliases"), format!("{m}/aliases"), 200).body(json!({"alias": "conf-alias"})),
        case("POST", op("/aliases"), format!("{m}/aliases"), 409).body(json!({"alias": "conf-alias"})),
        case("POST", op("/aliases"), format!("{m}/aliases"), 422).body(json!({"alias": 3})),
        case("PUT", op("/aliases"), format!("{m}/aliases"), 200).body(json!({"aliases": ["postmaster", "conf-alias", "conf-2"]})),
        case("DELETE", op("/aliases/{alias}"), format!("{m}/aliases/conf-2"), 200),
        case("DELETE", op("/aliases/{alias}"), format!("{m}/aliases/conf-2"), 400),
        // Forwarding (`redirect_adresses`, Q15).
        get(op("/forwarding_addresses"), format!("{m}/forwarding_addresses"), 200),
        case("POST", op("/forwarding_addresses"), format!("{m}/forwarding_addresses"), 201).body(json!({"redirect_address": "fw@partner.example"})),
        get(op("/forwarding_addresses"), format!("{m}/forwarding_addresses"), 200)
            .expect("/data/redirect_adresses/0/email", json!("fw@partner.example")),
        case("POST", op("/forwarding_addresses"), format!("{m}/forwarding_addresses"), 400).body(json!({"redirect_address": "not-an-address"})),
        case("PUT", op("/forwarding_addresses"), format!("{m}/forwarding_addresses"), 200).body(json!({"redirect_addresses": ["a@partner.example", "b@partner.example"], "has_forward_spam": true})),
        case("DELETE", op("/forwarding_addresses/{redirect_addresses}"), format!("{m}/forwarding_addresses/a@partner.example"), 200),
        case("DELETE", op("/forwarding_addresses/{redirect_addresses}"), format!("{m}/forwarding_addresses/a@partner.example"), 400),
        case("DELETE", op("/forwarding_addresses"), format!("{m}/forwarding_addresses"), 200),
        // Filters and scripts. Deviation: mail.json types a filter action's `value` as an
        // object that is one of a string or an array, which nothing satisfies (its own
        // example sends a string), so listings holding actions are checked by status.
        get(op("/auth/filters"), format!("{m}/auth/filters"), 200).check(Check::Status),
        case("POST", op("/auth/filters"), format!("{m}/auth/filters"), 201).body(json!({"name": "conf", "conditions": cond, "actions": act, "has_all_of": true, "is_enabled": true})),
        case("POST", op("/auth/filters"), format!("{m}/auth/filters"), 422).body(json!({"name": "bad", "conditions": cond, "actions": {"value": "explode"}, "has_all_of": true, "is_enabled": true})),
        case("PATCH", op("/auth/filters"), format!("{m}/auth/filters"), 200).body(json!({"old_name": "conf", "name": "conf2", "conditions": cond, "actions": act, "has_all_of": false, "is_enabled": true})),
        case("PUT", op("/auth/filters/set_activation"), format!("{m}/auth/filters/set_activation"), 200).body(json!({"name": "conf2", "is_enabled": false})),
        case("PUT", op("/auth/filters/reorder"), format!("{m}/auth/filters/reorder"), 200).body(json!({"order": ["conf2", "Invoices"]})),
        case("PUT", op("/auth/filters/reorder"), format!("{m}/auth/filters/reorder"), 422).body(json!({"order": ["conf2"]})),
        get(op("/auth/filters"), format!("{m}/auth/filters"), 200).check(Check::Status).expect("/data/filters/0/name", json!("conf2")),
        case("DELETE", op("/auth/filters"), format!("{m}/auth/filters"), 200).body(json!({"name": "conf2"})),
        case("DELETE", op("/auth/filters"), format!("{m}/auth/filters"), 404).body(json!({"name": "conf2"})),
        case("POST", op("/auth/filters/scripts"), format!("{m}/auth/filters/scripts"), 200).body(json!({"name": "s", "content": "keep;"})),
        case("PATCH", op("/auth/filters/scripts"), format!("{m}/auth/filters/scripts"), 200).body(json!({"old_name": "s", "name": "s2", "content": "keep;", "is_enabled": false})),
        case("PUT", op("/auth/filters/scripts/set_activation"), format!("{m}/auth/filters/scripts/set_activation"), 200).body(json!({"name": "s2", "is_enabled": true})),
        case("DELETE", op("/auth/filters/scripts"), format!("{m}/auth/filters/scripts"), 200).body(json!({"name": "s2"})),
        // Folders.
        get(op("/auth/folders"), format!("{m}/auth/folders"), 200),
        case("PUT", op("/auth/folders"), format!("{m}/auth/folders"), 200).body(json!({"archives_folder": "A", "draft_folder": "D", "sent_folder": "S", "trash_folder": "T"})),
        case("PUT", op("/auth/folders"), format!("{m}/auth/folders"), 422).body(json!({"archives_folder": "A"})),
        case("DELETE", op("/auth/folders/spam"), format!("{m}/auth/folders/spam"), 200),
        case("DELETE", op("/auth/folders/trash"), format!("{m}/auth/folders/trash"), 200),
        // Auto-reply models (create answers 201 with an integer id).
        case("POST", op("/auto_reply/model"), format!("{m}/auto_reply/model"), 201)
            .body(json!({"name": "Away", "message": "Later", "is_recurrent": false, "reply_from_id": 1}))
            .save("ar", "/data"),
        get(op("/auto_reply/model"), format!("{m}/auto_reply/model"), 200),
        get(op("/auto_reply/model/{model_id}"), format!("{m}/auto_reply/model/{{ar}}"), 200),
        case("PATCH", op("/auto_reply/model/{model_id}"), format!("{m}/auto_reply/model/{{ar}}"), 200).body(json!({"is_active": true})),
        case("PUT", op("/auto_reply/reset"), format!("{m}/auto_reply/reset"), 200),
        case("DELETE", op("/auto_reply/model/{model_id}"), format!("{m}/auto_reply/model/{{ar}}"), 200),
        get(op("/auto_reply/model/{model_id}"), format!("{m}/auto_reply/model/{{ar}}"), 404),
        // Redirections: string ids (Q10), create 201.
        get(hop("/redirections"), format!("{h}/redirections"), 200),
        case("POST", hop("/redirections"), format!("{h}/redirections"), 201)
            .body(json!({"name": "conf-team", "targets": ["x@partner.example"]}))
            .save("r", "/data"),
        case("POST", hop("/redirections"), format!("{h}/redirections"), 409).body(json!({"name": "conf-team", "targets": ["x@partner.example"]})),
        case("POST", hop("/redirections"), format!("{h}/redirections"), 422).body(json!({"name": "conf-x"})),
        get(hop("/redirections/{redirection_id}"), format!("{h}/redirections/{{r}}"), 200).expect("/data/id", json!("{r}")),
        case("PUT", hop("/redirections/{redirection_id}"), format!("{h}/redirections/{{r}}"), 200).body(json!({"targets": ["y@partner.example"]})),
        case("PUT", hop("/redirections/{redirection_id}/enable"), format!("{h}/redirections/{{r}}/enable"), 200),
        case("DELETE", hop("/redirections/{redirection_id}"), format!("{h}/redirections/{{r}}"), 200),
        get(hop("/redirections/{redirection_id}"), format!("{h}/redirections/{{r}}"), 404),
        // Service level.
        get(hop("/preferences"), format!("{h}/preferences"), 200),
        case("PATCH", hop("/preferences"), format!("{h}/preferences"), 200).body(json!({"spam_filter_enabled": false, "blocked_senders": ["x@y.example"]})),
        case("PATCH", hop("/preferences"), format!("{h}/preferences"), 422).body(json!({"spam_filter_enabled": "no"})),
        get(hop("/auto_replies"), format!("{h}/auto_replies"), 200),
        get(hop("/filters"), format!("{h}/filters"), 200).check(Check::Status),
        // Deviation: mail.json's `who_can_send`/`who_can_subscribe` are integers whose enum
        // lists strings ("0"…), which no value satisfies: checked by status.
        get(hop("/mailing_lists"), format!("{h}/mailing_lists"), 200).check(Check::Status),
    ]
}
