//! Built-in host tools: find the right tool, explain one, and read the audit log.
//!
//! They run in the host (no plugin, no upstream) and only read.

mod help;
pub mod toolsets;

use std::path::Path;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audit::{self, AuditPhase, AuditQuery};
use crate::contract::{Effect, ErrorKind, ToolDescriptor, ToolError};
use crate::registry::{Registry, Runner};

/// What a built-in tool may look at.
pub struct BuiltinContext<'a> {
    /// Every offered tool.
    pub registry: &'a Registry,
    /// The audit log file.
    pub audit_path: &'a Path,
}

const HELP: &str = "infomaniak_help";
const CATALOG: &str = "infomaniak_tool_catalog";
const EXPLAIN: &str = "infomaniak_explain";
const TAIL: &str = "infomaniak_audit_log_tail";
const SEARCH: &str = "infomaniak_audit_log_search";

/// Descriptors of the built-in tools, in listing order.
pub fn descriptors() -> Vec<ToolDescriptor> {
    let entry = json!({"type": "object"});
    vec![
        descriptor(
            HELP,
            "Find tools for a task",
            "Tools that fit a task told in plain words (e.g. 'add an MX record'), and why. Start here.",
            json!({"type":"object","properties":{
                "intent":{"type":"string","minLength":1,"description":"What you want to do."},
                "limit":{"type":"integer","minimum":1,"maximum":50,"default":5}
            },"required":["intent"],"additionalProperties":false}),
            json!({"type":"object","required":["matches"],"properties":{"matches":{"type":"array","items":{"type":"object","properties":{
                "name":{"type":"string"},"title":{"type":"string"},"effect":{"type":"string"},"category":{"type":"string"},"score":{"type":"integer"},"matched":{"type":"array","items":{"type":"string"}}}}}}}),
        ),
        descriptor(
            CATALOG,
            "List every tool",
            "Every offered tool (category, toolset, effect) and the loaded plugins; filter by category or effect.",
            json!({"type":"object","properties":{
                "category":{"type":"string"},
                "effect":{"type":"string","enum":["read","write","destructive"]}
            },"additionalProperties":false}),
            json!({"type":"object","required":["tools","plugins"],"properties":{
                "tools":{"type":"array","items":{"type":"object"}},
                "plugins":{"type":"array","items":{"type":"object"}},
                "categories":{"type":"object"}}}),
        ),
        descriptor(
            EXPLAIN,
            "Explain one tool",
            "One tool in full: schemas, effect, confirmation, undo tool.",
            json!({"type":"object","properties":{"tool":{"type":"string","minLength":1}},"required":["tool"],"additionalProperties":false}),
            json!({"type":"object","required":["name"],"properties":{
                "name":{"type":"string"},"title":{"type":"string"},"description":{"type":"string"},
                "plugin":{"type":"string"},"effect":{"type":"string"},"idempotent":{"type":"boolean"},
                "category":{"type":"string"},"toolset":{"type":"string"},"undo_tool":{"type":"string"},
                "requires_confirmation":{"type":"boolean"},"input_schema":{"type":"object"},"output_schema":{"type":"object"}}}),
        ),
        descriptor(
            TAIL,
            "Latest audit log entries",
            "The newest entries of the local audit log (every phase of every call), oldest first.",
            json!({"type":"object","properties":{"limit":{"type":"integer","minimum":1,"maximum":500,"default":50}},"additionalProperties":false}),
            json!({"type":"object","required":["entries"],"properties":{"path":{"type":"string"},"entries":{"type":"array","items":entry.clone()},"truncated":{"type":"boolean"},"hint":{"type":"string"}}}),
        ),
        descriptor(
            SEARCH,
            "Search the audit log",
            "Search the local audit log; newest matches, oldest first.",
            json!({"type":"object","properties":{
                "tool":{"type":"string","description":"Part of a tool name."},
                "phase":{"type":"string","enum":["read","plan","apply_attempt","applied","failed","denied"]},
                "risk":{"type":"string","enum":["read","write","destructive"]},
                "since":{"type":"string","description":"RFC 3339, e.g. 2026-11-21T00:00:00Z"},
                "until":{"type":"string","description":"RFC 3339"},
                "text":{"type":"string","description":"Text anywhere in the entry, any case."},
                "limit":{"type":"integer","minimum":1,"maximum":500,"default":50}
            },"additionalProperties":false}),
            json!({"type":"object","required":["entries"],"properties":{"path":{"type":"string"},"entries":{"type":"array","items":entry},"truncated":{"type":"boolean"},"hint":{"type":"string"}}}),
        ),
    ]
}

/// A built-in's descriptor: read-only, idempotent, category `introspection`.
fn descriptor(
    name: &str,
    title: &str,
    description: &str,
    input: Value,
    output: Value,
) -> ToolDescriptor {
    ToolDescriptor {
        name: name.into(),
        title: title.into(),
        description: description.into(),
        input_schema: input,
        output_schema: output,
        effect: Effect::Read,
        idempotent: true,
        category: "introspection".into(),
        undo_tool: None,
        toolset: "builtin".into(),
        keywords: Vec::new(),
    }
}

/// Runs built-in `name` with validated `args`. The audit tools read files, so they run
/// on tokio's blocking pool, never on the async runtime's workers.
pub async fn run(name: &str, args: &Value, ctx: &BuiltinContext<'_>) -> Result<Value, ToolError> {
    match name {
        HELP => Ok(help::help(args, ctx.registry)),
        CATALOG => Ok(catalog(args, ctx.registry)),
        EXPLAIN => explain(args, ctx.registry),
        TAIL | SEARCH => {
            let (name, args, path) = (name.to_string(), args.clone(), ctx.audit_path.to_path_buf());
            tokio::task::spawn_blocking(move || audit_entries(&name, &args, &path))
                .await
                .unwrap_or_else(|e| {
                    Err(ToolError::new(
                        ErrorKind::Internal,
                        "audit_query_failed",
                        format!("the audit query stopped unexpectedly: {e}"),
                    )
                    .with_hint("retry; if it persists, run `ikmcp audit verify`"))
                })
        }
        other => Err(ToolError::new(
            ErrorKind::Internal,
            "unknown_builtin",
            format!("{other} is not a built-in tool"),
        )),
    }
}

fn catalog(args: &Value, registry: &Registry) -> Value {
    let category = args["category"].as_str();
    let effect = args["effect"].as_str();
    let mut categories = serde_json::Map::new();
    let tools: Vec<Value> = registry
        .tools()
        .iter()
        .filter(|t| category.is_none_or(|c| t.descriptor.category.eq_ignore_ascii_case(c)))
        .filter(|t| effect.is_none_or(|e| t.descriptor.effect.as_str() == e))
        .map(|t| {
            let d = &t.descriptor;
            let count = categories.entry(d.category.clone()).or_insert(json!(0));
            *count = json!(count.as_u64().unwrap_or(0) + 1);
            json!({"name": d.name, "title": d.title, "category": d.category, "toolset": t.toolset, "effect": d.effect.as_str(), "idempotent": d.idempotent, "undo_tool": d.undo_tool})
        })
        .collect();
    json!({"tools": tools, "plugins": registry.plugins(), "categories": categories})
}

fn explain(args: &Value, registry: &Registry) -> Result<Value, ToolError> {
    let name = args["tool"].as_str().unwrap_or_default();
    let tool = registry.get(name).ok_or_else(|| {
        ToolError::new(
            ErrorKind::NotFound,
            "unknown_tool",
            format!("no tool named {name} is offered"),
        )
        .with_hint("call infomaniak_tool_catalog for the list of tools")
    })?;
    let d = &tool.descriptor;
    Ok(json!({
        "name": d.name, "title": d.title, "description": d.description,
        "plugin": tool.plugin_id, "toolset": tool.toolset, "effect": d.effect.as_str(), "idempotent": d.idempotent,
        "category": d.category, "undo_tool": d.undo_tool,
        "requires_confirmation": d.effect.is_mutation(),
        "runs_in": if matches!(tool.runner, Runner::Builtin) { "host" } else { "sandboxed plugin" },
        "input_schema": tool.advertised_input, "output_schema": tool.advertised_output,
    }))
}

fn audit_entries(name: &str, args: &Value, path: &Path) -> Result<Value, ToolError> {
    let time = |key: &str| -> Result<Option<OffsetDateTime>, ToolError> {
        match args[key].as_str() {
            None => Ok(None),
            Some(s) => OffsetDateTime::parse(s, &Rfc3339).map(Some).map_err(|e| {
                ToolError::new(
                    ErrorKind::InvalidArgs,
                    crate::contract::INVALID_ARGS,
                    format!("{key} {s:?} is not an RFC 3339 time ({e})"),
                )
                .with_hint("use a time like 2026-11-21T08:00:00Z")
            }),
        }
    };
    let phase = match args["phase"].as_str() {
        None => None,
        Some(p) => Some(serde_json::from_value::<AuditPhase>(json!(p)).map_err(|_| {
            ToolError::new(
                ErrorKind::InvalidArgs,
                crate::contract::INVALID_ARGS,
                format!("unknown phase {p}"),
            )
        })?),
    };
    let query = AuditQuery {
        tool: (name == SEARCH)
            .then(|| args["tool"].as_str().map(String::from))
            .flatten(),
        phase,
        risk: args["risk"].as_str().map(String::from),
        since: time("since")?,
        until: time("until")?,
        text: args["text"].as_str().map(String::from),
        limit: args["limit"].as_u64().unwrap_or(50) as usize,
        max_scan: AUDIT_SCAN_LINES,
    };
    let found = audit::query(path, &query).map_err(|e| {
        ToolError::new(ErrorKind::Internal, "audit_unreadable", e.to_string())
            .with_hint("run `ikmcp audit verify` to check the log")
    })?;
    let mut answer = json!({"path": path.display().to_string(), "entries": found.entries});
    if found.truncated {
        answer["truncated"] = json!(true);
        answer["hint"] = json!(format!(
            "only the newest {AUDIT_SCAN_LINES} entries were searched; narrow with since/until for older ones"
        ));
    }
    Ok(answer)
}

/// Entries one audit tool call reads at most, newest first: a search for something rare
/// in a huge log answers in bounded time and says it stopped.
const AUDIT_SCAN_LINES: u64 = 200_000;
