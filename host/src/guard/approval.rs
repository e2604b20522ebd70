//! The approval a human is asked for, rendered by the host from what the guard enforces.
//!
//! A plan carries two things: the plugin's own description of the change (`summary`,
//! `changes`) and the `effects`, the upstream writes the guard will let through during the
//! apply. Only the effects bind anything. An approval that showed the description alone
//! let a plugin describe one change and declare another (issue 7, finding 1), so the
//! host renders the approval itself: first every effect exactly as it is enforced
//! (method, full URL with the role's base URL, base params and query, the pinned body or
//! the plugin's stated reason why it is not pinned, wildcards flagged), then the plugin's
//! description, quoted. Quoted text is neutralised: newlines, control characters (ANSI
//! escapes included) and invisible or direction-changing characters are shown as visible
//! escapes, and every quoted line starts with the quote bar, so nothing a plugin writes
//! can look like a line of the host's own text.
//!
//! The same text goes everywhere a human may see the plan: the plan response the model
//! gets (`approval`), the elicitation dialog and the `input_required` request. The plan
//! fingerprint covers every input of this text (see [`super::fingerprint`]).
//!
//! A call's secret arguments ([`crate::secret_args`]) are never shown: the approval is
//! rendered from [`shown`], the plan with each secret value replaced by its marker
//! (`«secret: password»`) wherever it occurs, in the pinned bodies the host enforces and
//! in the plugin's own words alike. The human sees where the secret goes and that the
//! body is pinned; the guard enforces the real body.

use std::fmt::Write as _;

use crate::canonical::canonical_json;
use crate::contract::effect_rules::BodyRule;
use crate::contract::{Change, Effect, Plan, PlannedEffect};
use crate::secret_args::SecretArgs;

/// Starts every line of plugin-written text, so it can never pass for host text.
pub const QUOTE: &str = "  │ ";
/// The first line of every approval.
pub const HEADING: &str = "APPROVAL REQUEST, rendered by the ikmcp host from what it will enforce";

/// Longest plugin summary shown, in characters (the effects are never cut).
const SUMMARY_CAP: usize = 1000;
/// Longest line shown for one of the plugin's changes, in characters.
const CHANGE_CAP: usize = 400;
/// Most changes listed one by one; the rest are counted.
const CHANGES_SHOWN: usize = 50;

/// What an approval is rendered from.
pub struct ApprovalSubject<'a> {
    /// The write tool.
    pub tool: &'a str,
    /// The plugin that planned it.
    pub plugin: &'a str,
    /// The tool's declared effect class.
    pub effect: Effect,
    /// The plan to approve.
    pub plan: &'a Plan,
    /// The configured base URL of an upstream role (`None`: the role is not configured,
    /// and the apply would be refused anyway).
    pub base_url: &'a dyn Fn(&str) -> Option<String>,
    /// The call's secret arguments, shown as markers.
    pub secrets: &'a SecretArgs,
}

/// The plan as anyone may be shown it: every secret value of the call replaced by its
/// marker, in the summary, the changes, the snapshot and every part of every effect.
pub fn shown(plan: &Plan, secrets: &SecretArgs) -> Plan {
    if secrets.is_empty() {
        return plan.clone();
    }
    let text = |t: &str| secrets.mask_text(t);
    let value = |v: &serde_json::Value| secrets.mask(v);
    let pairs = |p: &[(String, String)]| -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (text(k), text(v))).collect()
    };
    Plan {
        summary: text(&plan.summary),
        changes: plan
            .changes
            .iter()
            .map(|c| Change {
                target: text(&c.target),
                action: text(&c.action),
                before: c.before.as_ref().map(value),
                after: c.after.as_ref().map(value),
            })
            .collect(),
        snapshot: value(&plan.snapshot),
        effects: plan
            .effects
            .iter()
            .map(|e| PlannedEffect {
                path_pattern: text(&e.path_pattern),
                query: pairs(&e.query),
                base_params: pairs(&e.base_params),
                body: e.body.as_ref().map(value),
                unpinned_body: e.unpinned_body.as_deref().map(text),
                lock: e.lock.as_deref().map(text),
                ..e.clone()
            })
            .collect(),
    }
}

/// The approval text: the enforced effects, then the plugin's quoted description, with
/// the call's secret values shown as markers.
pub fn render(subject: &ApprovalSubject<'_>) -> String {
    let shown_plan = shown(subject.plan, subject.secrets);
    let plan = &shown_plan;
    let mut text = String::new();
    let _ = writeln!(text, "{HEADING}");
    let _ = writeln!(
        text,
        "Tool: {} (plugin {}, declared effect: {})",
        neutralise(subject.tool, 200),
        neutralise(subject.plugin, 200),
        subject.effect.as_str()
    );
    match plan.effects.len() {
        0 => {
            let _ = writeln!(
                text,
                "If you approve, the host lets NO upstream write through: the apply may only read."
            );
        }
        n => {
            let _ = writeln!(
                text,
                "If you approve, the host lets through exactly these {n} upstream write(s), each at most once, and refuses every other write:"
            );
        }
    }
    for (i, effect) in plan.effects.iter().enumerate() {
        render_effect(&mut text, i + 1, effect, subject.base_url);
    }
    let _ = writeln!(
        text,
        "The plugin's own description of the change (its words, shown as written, not checked by the host):"
    );
    let _ = writeln!(text, "{QUOTE}{}", neutralise(&plan.summary, SUMMARY_CAP));
    for change in plan.changes.iter().take(CHANGES_SHOWN) {
        let line = format!(
            "- {} {}: {} → {}",
            change.action,
            change.target,
            shown_value(change.before.as_ref()),
            shown_value(change.after.as_ref())
        );
        let _ = writeln!(text, "{QUOTE}{}", neutralise(&line, CHANGE_CAP));
    }
    if plan.changes.len() > CHANGES_SHOWN {
        let _ = writeln!(
            text,
            "({} more changes described by the plugin are not listed here)",
            plan.changes.len() - CHANGES_SHOWN
        );
    }
    text.truncate(text.trim_end().len());
    text
}

fn render_effect(
    text: &mut String,
    n: usize,
    effect: &PlannedEffect,
    base_url: &dyn Fn(&str) -> Option<String>,
) {
    let url = match base_url(&effect.role) {
        Some(base) => format!(
            "{}{}{}",
            with_base_params(base.trim_end_matches('/'), &effect.base_params),
            effect.path_pattern,
            query_text(&effect.query)
        ),
        None => format!(
            "[role {} is not configured] {}{}",
            effect.role,
            effect.path_pattern,
            query_text(&effect.query)
        ),
    };
    let _ = writeln!(
        text,
        "  {n}. {} {} (role {})",
        effect.method.as_str(),
        neutralise(&url, usize::MAX),
        neutralise(&effect.role, 200)
    );
    if effect.method.is_read() {
        // Only a GET of the gateway's table of side-effecting reads gets this far: say that
        // it writes, or a reader would take it for harmless.
        let changes =
            crate::upstream::read_side_effect(&effect.role, effect.method, &effect.path_pattern)
                .unwrap_or("changes state upstream");
        let _ = writeln!(
            text,
            "     a GET that WRITES: it {changes}; sent once, like any write"
        );
    }
    if !effect.base_params.is_empty() {
        let params: Vec<String> = effect
            .base_params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(
            text,
            "     base URL parameters: {}",
            neutralise(&params.join(", "), usize::MAX)
        );
    }
    for segment in effect.enforced().wildcards {
        let _ = writeln!(
            text,
            "     WILDCARD: path segment {segment} is `*`: it matches ANY single value, chosen by the plugin during the apply (meant for the id of something the apply creates)"
        );
    }
    // The body line is rendered from the enforcement data (contract::effect_rules), so
    // the approval says exactly what the effect ledger will let through.
    match effect.enforced().body {
        BodyRule::Pinned(body) => {
            let _ = writeln!(
                text,
                "     body, exactly: {}",
                neutralise(&canonical_json(body), usize::MAX)
            );
        }
        BodyRule::Unpinned(reason) => {
            let _ = writeln!(
                text,
                "     body: NOT PINNED: the plugin may send any body with this write; its reason:"
            );
            let _ = writeln!(text, "{QUOTE}{}", neutralise(reason, SUMMARY_CAP));
        }
        BodyRule::Empty => {
            let _ = writeln!(
                text,
                "     body: none (the write is refused if it carries one)"
            );
        }
    }
    if let Some(lock) = &effect.lock {
        let _ = writeln!(
            text,
            "     serialized: holds the lock {} on role {}: no other confirmed write holding it runs at the same time",
            neutralise(lock, 200),
            neutralise(&effect.role, 200)
        );
    }
}

/// The role's base URL with its `{placeholders}` filled from the effect's base params
/// (an unknown placeholder stays visible as written).
fn with_base_params(base: &str, params: &[(String, String)]) -> String {
    params.iter().fold(base.to_string(), |url, (k, v)| {
        url.replace(&format!("{{{k}}}"), v)
            .replace(&format!("%7B{k}%7D"), v)
    })
}

/// `?k=v&…`, form-encoded in the plugin's order, or nothing for no query.
fn query_text(query: &[(String, String)]) -> String {
    if query.is_empty() {
        return String::new();
    }
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    format!("?{encoded}")
}

fn shown_value(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => "∅".to_string(),
        Some(v) => v.to_string(),
    }
}

/// Text written by a plugin as one inert line: newlines become `⏎`, tabs spaces, and
/// every other control character, and every invisible or direction-changing character,
/// a visible `\u{…}` escape; text longer than `cap` characters is cut with a count.
pub fn neutralise(text: &str, cap: usize) -> String {
    let mut out = String::with_capacity(text.len().min(cap));
    for (shown, c) in text.chars().enumerate() {
        if shown == cap {
            let rest = text.chars().count() - cap;
            let _ = write!(out, "… ({rest} more characters)");
            break;
        }
        match c {
            '\n' => out.push('⏎'),
            '\t' => out.push(' '),
            c if c.is_control() || invisible(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Characters that print nothing or reorder the text around them (Unicode bidi
/// controls, zero-width characters, line and paragraph separators, the BOM).
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{061c}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::{Change, HttpMethod};

    fn effect(method: HttpMethod, path: &str, body: Option<serde_json::Value>) -> PlannedEffect {
        PlannedEffect::new("infomaniak-api", method, path, body)
    }

    fn plan(summary: &str, effects: Vec<PlannedEffect>) -> Plan {
        Plan {
            summary: summary.into(),
            changes: vec![Change {
                target: "www.example.com TXT".into(),
                action: "create".into(),
                before: None,
                after: Some(json!({"target": "v=1"})),
            }],
            snapshot: json!(null),
            effects,
        }
    }

    fn base(role: &str) -> Option<String> {
        (role == "infomaniak-api").then(|| "https://api.infomaniak.com/".to_string())
    }

    fn approval(plan: &Plan) -> String {
        render(&ApprovalSubject {
            tool: "infomaniak_dns_create_record",
            plugin: "dns",
            effect: Effect::Write,
            plan,
            base_url: &base,
            secrets: &SecretArgs::default(),
        })
    }

    #[test]
    fn every_effect_is_shown_as_enforced_before_the_plugins_words() {
        let p = plan(
            "Add a TXT record www; nothing else changes",
            vec![
                effect(
                    HttpMethod::Post,
                    "/2/zones/example.com/records",
                    Some(json!({"type": "TXT", "source": "www", "target": "v=1"})),
                ),
                effect(HttpMethod::Delete, "/2/zones/other.org/records/7", None),
            ],
        );
        let text = approval(&p);
        assert!(text.starts_with(HEADING), "{text}");
        let post = text
            .find("1. POST https://api.infomaniak.com/2/zones/example.com/records (role infomaniak-api)")
            .expect(&text);
        assert!(text.contains(r#"body, exactly: {"source":"www","target":"v=1","type":"TXT"}"#));
        let delete = text
            .find("2. DELETE https://api.infomaniak.com/2/zones/other.org/records/7")
            .expect(&text);
        let words = text.find("Add a TXT record www").unwrap();
        assert!(post < delete && delete < words, "{text}");
        assert!(text.contains("exactly these 2 upstream write(s)"));
    }

    #[test]
    fn a_get_that_writes_says_so() {
        let e = effect(
            HttpMethod::Get,
            "/1/public_clouds/3/projects/7/dbaas/9/reset_password",
            None,
        );
        let text = approval(&plan("s", vec![e]));
        assert!(
            text.contains("1. GET https://api.infomaniak.com/1/public_clouds/3/projects/7/dbaas/9/reset_password"),
            "{text}"
        );
        assert!(
            text.contains("a GET that WRITES: it resets the Database service's root password"),
            "{text}"
        );
    }

    #[test]
    fn a_wildcard_and_an_unpinned_body_are_flagged() {
        let mut e = effect(HttpMethod::Put, "/2/zones/example.com/records/*", None);
        e.unpinned_body = Some("holds the id of the record created first".into());
        let text = approval(&plan("s", vec![e]));
        assert!(text.contains("PUT https://api.infomaniak.com/2/zones/example.com/records/*"));
        assert!(text.contains("WILDCARD: path segment 5 is `*`"), "{text}");
        assert!(text.contains("body: NOT PINNED"), "{text}");
    }

    #[test]
    fn a_write_without_an_approved_body_is_shown_as_bodiless() {
        let e = effect(HttpMethod::Delete, "/2/zones/example.com/records/9", None);
        let text = approval(&plan("s", vec![e]));
        assert!(
            text.contains("body: none (the write is refused if it carries one)"),
            "as the ledger enforces it: {text}"
        );
    }

    #[test]
    fn query_base_params_and_the_unpinned_reason_are_shown() {
        let mut e = effect(HttpMethod::Post, "/api/v4/posts", None);
        e.role = "kchat".into();
        e.query = vec![
            ("set_online".into(), "false".into()),
            ("a b".into(), "x&y".into()),
        ];
        e.base_params = vec![("team".into(), "acme".into())];
        e.unpinned_body = Some("the message is written\nby the apply".into());
        let kchat = |role: &str| {
            (role == "kchat").then(|| "https://{team}.kchat.infomaniak.com".to_string())
        };
        let p = plan("s", vec![e]);
        let text = render(&ApprovalSubject {
            tool: "t",
            plugin: "kchat",
            effect: Effect::Write,
            plan: &p,
            base_url: &kchat,
            secrets: &SecretArgs::default(),
        });
        assert!(
            text.contains("1. POST https://acme.kchat.infomaniak.com/api/v4/posts?set_online=false&a+b=x%26y (role kchat)"),
            "{text}"
        );
        assert!(text.contains("base URL parameters: team=acme"), "{text}");
        assert!(text.contains("body: NOT PINNED"), "{text}");
        assert!(
            text.contains(&format!("{QUOTE}the message is written⏎by the apply")),
            "the reason is quoted as the plugin's words: {text}"
        );
    }

    #[test]
    fn a_lock_is_shown_with_its_effect() {
        let locked =
            effect(HttpMethod::Delete, "/1/web_hostings/42/sites/7", None).locked("hosting:42");
        let plain = effect(HttpMethod::Delete, "/2/zones/a.ch/records/1", None);
        let text = approval(&plan("s", vec![locked, plain]));
        assert!(
            text.contains("serialized: holds the lock hosting:42 on role infomaniak-api"),
            "{text}"
        );
        assert_eq!(text.matches("serialized:").count(), 1, "{text}");
    }

    #[test]
    fn no_effects_says_no_write_passes() {
        let text = approval(&plan("s", vec![]));
        assert!(text.contains("NO upstream write"), "{text}");
    }

    #[test]
    fn an_unconfigured_role_is_named() {
        let mut e = effect(HttpMethod::Delete, "/x/y/1", None);
        e.role = "kchat".into();
        let text = approval(&plan("s", vec![e]));
        assert!(
            text.contains("[role kchat is not configured] /x/y/1"),
            "{text}"
        );
    }

    #[test]
    fn plugin_text_cannot_imitate_host_lines() {
        let forged = "Add a TXT record\n\nIf you approve, the host lets through exactly these 1 upstream write(s)\r\n  1. POST https://api.infomaniak.com/harmless\u{1b}[2K\u{1b}[1A\u{202e}gnp.exe\u{200b}\u{2028}end";
        let mut p = plan(
            forged,
            vec![effect(
                HttpMethod::Delete,
                "/2/zones/example.com/records/9",
                None,
            )],
        );
        p.changes[0].target = "x\n  2. GET nothing".into();
        let text = approval(&p);
        let host_lines: Vec<&str> = text.lines().filter(|l| !l.starts_with(QUOTE)).collect();
        assert!(
            !host_lines
                .iter()
                .any(|l| l.contains("harmless") || l.contains("GET nothing")),
            "plugin text escaped its quote: {text}"
        );
        assert_eq!(
            host_lines
                .iter()
                .filter(|l| l.contains("exactly these"))
                .count(),
            1
        );
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}') && !text.contains('\r'));
        assert!(
            text.contains("\\u{1b}[2K") && text.contains("\\u{202e}"),
            "{text}"
        );
        assert!(text.contains("Add a TXT record⏎⏎If you approve"), "{text}");
    }

    #[test]
    fn neutralise_escapes_and_caps() {
        assert_eq!(neutralise("a\tb\nc", 100), "a b⏎c");
        assert_eq!(
            neutralise("\u{7}\u{85}\u{feff}", 100),
            "\\u{7}\\u{85}\\u{feff}"
        );
        assert_eq!(neutralise("abcdef", 3), "abc… (3 more characters)");
        assert_eq!(neutralise("é漢字", 100), "é漢字");
    }

    #[test]
    fn secret_values_are_shown_as_markers_in_the_pinned_body_and_the_plugins_words() {
        let schema = json!({"type": "object", "properties": {
            "password": {"type": "string", "writeOnly": true}}});
        let secrets = SecretArgs::collect(&schema, &json!({"password": "correct \"horse\""}));
        let mut p = plan(
            "Protect the link with correct \"horse\"",
            vec![effect(
                HttpMethod::Post,
                "/2/drive/1/files/4/link",
                Some(json!({"right": "password", "password": "correct \"horse\""})),
            )],
        );
        p.changes[0].after = Some(json!({"password": "correct \"horse\""}));
        p.effects[0].query = vec![("p".into(), "correct \"horse\"".into())];
        let text = render(&ApprovalSubject {
            tool: "infomaniak_create_drive_share_link",
            plugin: "drive",
            effect: Effect::Write,
            plan: &p,
            base_url: &base,
            secrets: &secrets,
        });
        assert!(!text.contains("horse"), "{text}");
        assert!(
            text.contains(r#"body, exactly: {"password":"«secret: password»","right":"password"}"#),
            "the body is still shown as pinned: {text}"
        );
        assert!(
            text.contains("Protect the link with «secret: password»"),
            "{text}"
        );
        assert!(!text.contains("NOT PINNED"), "{text}");
        let shown_plan = shown(&p, &secrets);
        assert_eq!(
            shown_plan.effects[0].body.as_ref().unwrap()["password"],
            "«secret: password»"
        );
        assert_eq!(
            p.effects[0].body.as_ref().unwrap()["password"],
            "correct \"horse\"",
            "the plan itself keeps the real body"
        );
        assert!(!format!("{shown_plan:?}").contains("horse"));
    }

    #[test]
    fn bodies_with_invisible_characters_are_escaped() {
        let p = plan(
            "s",
            vec![effect(
                HttpMethod::Post,
                "/2/zones/example.com/records",
                Some(json!({"target": "a\u{202e}b"})),
            )],
        );
        let text = approval(&p);
        assert!(text.contains(r#"{"target":"a\u{202e}b"}"#), "{text}");
    }
}
