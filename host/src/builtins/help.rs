//! `infomaniak_help`: from a task in plain words to the tools that fit it.
//!
//! A tool matches on its name (strongest), the keywords its plugin declares (the words a
//! user says that the name lacks: `spf`, `mx`, `whois`…), then its title, description and
//! category. The host knows no domain's vocabulary: only everyday verbs map to the verbs
//! tool names use, and a plural finds its singular.

use serde_json::{Value, json};

use crate::registry::{RegisteredTool, Registry};

const STOPWORDS: &[&str] = &[
    "a", "an", "the", "to", "of", "for", "on", "in", "my", "i", "want", "and", "or", "is", "with",
    "how", "do", "can", "please", "me", "all", "from",
];

/// Everyday verbs and the words tool names use for them ('remove' finds delete tools), and
/// the host's own tools ('history' finds the audit log). Domain words belong in the
/// keywords of the plugin that knows them.
const SYNONYMS: &[(&str, &[&str])] = &[
    ("remove", &["delete"]),
    ("add", &["create"]),
    ("new", &["create"]),
    ("change", &["update", "manage"]),
    ("edit", &["update"]),
    ("modify", &["update"]),
    ("show", &["list", "get"]),
    ("find", &["list", "search"]),
    ("check", &["audit", "check"]),
    ("history", &["audit", "log"]),
];

/// Points for a term found in the name, the keywords, or the rest of the text.
const NAME: i64 = 3;
const KEYWORD: i64 = 2;
const TEXT: i64 = 1;

/// The answer of `infomaniak_help`: the best `limit` matches, each with why it matched.
pub fn help(args: &Value, registry: &Registry) -> Value {
    let intent = args["intent"].as_str().unwrap_or_default().to_lowercase();
    let limit = args["limit"].as_u64().unwrap_or(5) as usize;
    let terms = terms(&intent);
    let mut scored: Vec<(i64, Value)> = registry
        .tools()
        .iter()
        .filter_map(|t| {
            let (score, matched) = score(t, &terms);
            let d = &t.descriptor;
            (score > 0).then(|| {
                (score, json!({"name": d.name, "title": d.title, "effect": d.effect.as_str(), "category": d.category, "score": score, "matched": matched}))
            })
        })
        .collect();
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1["name"].as_str().cmp(&b.1["name"].as_str()))
    });
    let matches: Vec<Value> = scored.into_iter().take(limit).map(|(_, v)| v).collect();
    json!({"matches": matches})
}

/// The words of `intent` worth matching: no stopwords, verbs widened, plurals singular too.
fn terms(intent: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in intent
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(w))
    {
        terms.push(word.to_string());
        if let Some(singular) = word.strip_suffix('s').filter(|s| s.len() > 2) {
            terms.push(singular.to_string());
        }
        if let Some((_, more)) = SYNONYMS.iter().find(|(w, _)| *w == word) {
            terms.extend(more.iter().map(|s| s.to_string()));
        }
    }
    terms.sort();
    terms.dedup();
    terms
}

fn score(tool: &RegisteredTool, terms: &[String]) -> (i64, Vec<String>) {
    let d = &tool.descriptor;
    let name = d.name.to_lowercase();
    let keywords: Vec<String> = d.keywords.iter().map(|k| k.to_lowercase()).collect();
    let text = format!("{} {} {}", d.title, d.description, d.category).to_lowercase();
    let mut score = 0;
    let mut matched = Vec::new();
    for term in terms {
        let in_name = name
            .split('_')
            .any(|part| part == term || (term.len() > 3 && part.starts_with(term.as_str())));
        let points = if in_name {
            NAME
        } else if keywords.iter().any(|k| k == term) {
            KEYWORD
        } else if text.contains(term.as_str()) {
            TEXT
        } else {
            continue;
        };
        score += points;
        matched.push(term.clone());
    }
    (score, matched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Effect, ToolDescriptor};
    use crate::registry::ToolPolicy;

    fn tool(name: &str, description: &str, keywords: &[&str]) -> ToolDescriptor {
        ToolDescriptor {
            name: name.into(),
            title: name.into(),
            description: description.into(),
            input_schema: json!({"type": "object"}),
            output_schema: json!({"type": "object"}),
            effect: Effect::Read,
            idempotent: true,
            category: "c".into(),
            undo_tool: None,
            toolset: "t".into(),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
        }
    }

    fn best(registry: &Registry, intent: &str) -> Vec<String> {
        help(&json!({"intent": intent}), registry)["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect()
    }

    fn registry() -> Registry {
        Registry::build(
            vec![
                tool(
                    "mail_create_alias",
                    "Create an alias of a mailbox.",
                    &["forward", "redirect"],
                ),
                tool(
                    "dns_create_record",
                    "Create a record in a zone.",
                    &["spf", "mx"],
                ),
                tool("dns_delete_record", "Delete a record.", &["mx"]),
                tool("kdrive_list_files", "Files of a drive.", &[]),
            ],
            vec![],
            &ToolPolicy::default(),
        )
        .unwrap()
    }

    #[test]
    fn declared_keywords_find_tools_across_plugins() {
        let r = registry();
        assert_eq!(
            best(&r, "set up mail forwarding")[0],
            "mail_create_alias",
            "{:?}",
            best(&r, "forward")
        );
        assert_eq!(best(&r, "forward my mail")[0], "mail_create_alias");
        assert_eq!(best(&r, "add an SPF entry")[0], "dns_create_record");
        assert_eq!(best(&r, "remove the mx")[0], "dns_delete_record");
    }

    #[test]
    fn plurals_and_everyday_verbs_match_tool_names() {
        let r = registry();
        assert_eq!(best(&r, "show files")[0], "kdrive_list_files");
        assert_eq!(
            best(&r, "records")[..2],
            ["dns_create_record", "dns_delete_record"]
        );
        assert!(best(&r, "xyzzy").is_empty());
        let m = help(&json!({"intent": "add spf"}), &r);
        let matched = m["matches"][0]["matched"].as_array().unwrap();
        assert!(
            matched.contains(&json!("spf")) && matched.contains(&json!("create")),
            "{m}"
        );
    }
}
