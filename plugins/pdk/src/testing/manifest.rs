//! The manifest checks every plugin's unit tests run: what the host would refuse at load,
//! the compact-schema rules, and the tool-surface budget the model pays for.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::{Effect, Manifest, ToolDescriptor};

/// Estimate of bytes per token (a rough rule for English and JSON; `make bench` uses the same).
pub const BYTES_PER_TOKEN: usize = 4;
/// Average model-visible tokens per tool a plugin may spend (name + description + input
/// schema, as the host advertises it): the project's budget of 100. A plugin that has not
/// reached it yet says so with [`check_manifest_within`] and its own figure.
pub const AVERAGE_TOKEN_BUDGET: usize = 100;
/// What any one tool may spend: a record-creation tool with a type enum needs more than a
/// listing, but not without bound.
pub const TOOL_TOKEN_CEILING: usize = 300;
/// What the host adds to a write tool's model-visible surface: the two-phase suffix of its
/// description and the `confirmation_token` property. The host's registry tests keep its
/// additions within this allowance.
pub const HOST_WRITE_ALLOWANCE_BYTES: usize = 90;

/// Model-visible bytes of `tool` once the host offers it: `{name, description,
/// inputSchema}` as JSON, plus the host's additions to a write tool.
pub fn surface_bytes(tool: &ToolDescriptor) -> usize {
    let mut input: Value = serde_json::from_str(&tool.input_schema).unwrap_or(Value::Null);
    // The host advertises inputs without the closed-schema marker (it refuses unknown
    // arguments itself), so the estimate leaves it out too.
    if let Some(obj) = input.as_object_mut()
        && obj.get("additionalProperties") == Some(&Value::Bool(false))
    {
        obj.remove("additionalProperties");
    }
    let host = if tool.effect == Effect::Read {
        0
    } else {
        HOST_WRITE_ALLOWANCE_BYTES
    };
    // Name + description + input schema, as `make bench` counts them.
    tool.name.len() + tool.description.len() + input.to_string().len() + host
}

/// Model-visible tokens of `tool` (bytes / 4, rounded up).
pub fn surface_tokens(tool: &ToolDescriptor) -> usize {
    surface_bytes(tool).div_ceil(BYTES_PER_TOKEN)
}

/// Checks `manifest` against the host's load rules and the surface budget, given every
/// tool name the plugin declares (its `ALL_TOOLS`, see [`crate::tool_names!`]). Panics
/// listing every problem, so one test run shows them all.
pub fn check_manifest(manifest: &Manifest, declared: &[&str]) {
    check_manifest_within(manifest, declared, AVERAGE_TOKEN_BUDGET);
}

/// [`check_manifest`] with a plugin's own average budget, for a plugin still above
/// [`AVERAGE_TOKEN_BUDGET`]: the figure it passes is the one it must not grow past.
pub fn check_manifest_within(manifest: &Manifest, declared: &[&str], average_budget: usize) {
    let problems = manifest_problems_within(manifest, declared, average_budget);
    assert!(
        problems.is_empty(),
        "manifest of {} has problems:\n- {}",
        manifest.id,
        problems.join("\n- ")
    );
}

/// What [`check_manifest`] would complain about, one line each.
pub fn manifest_problems(manifest: &Manifest, declared: &[&str]) -> Vec<String> {
    manifest_problems_within(manifest, declared, AVERAGE_TOKEN_BUDGET)
}

fn manifest_problems_within(
    manifest: &Manifest,
    declared: &[&str],
    average_budget: usize,
) -> Vec<String> {
    let mut problems = Vec::new();
    let registered: BTreeSet<&str> = manifest.tools.iter().map(|t| t.name.as_str()).collect();
    if registered.len() != manifest.tools.len() {
        problems.push("two tools share a name".to_string());
    }
    let declared_set: BTreeSet<&str> = declared.iter().copied().collect();
    for name in declared_set.difference(&registered) {
        problems.push(format!("{name} is declared but not registered"));
    }
    for name in registered.difference(&declared_set) {
        problems.push(format!(
            "{name} is registered but not in the declared names"
        ));
    }
    let mut total = 0;
    for tool in &manifest.tools {
        let name = &tool.name;
        let valid = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            problems.push(format!("{name:?} breaks ^[a-zA-Z0-9_-]{{1,64}}$"));
        }
        if tool.description.trim().is_empty() {
            problems.push(format!("{name} has no description"));
        }
        if let Some(undo) = &tool.undo_tool
            && !registered.contains(undo.as_str())
        {
            problems.push(format!(
                "{name}'s undo tool {undo} is not a tool of this plugin"
            ));
        }
        if tool.effect != Effect::Read {
            let text = tool.description.to_ascii_lowercase();
            for said_by_host in ["two-phase", "confirmation_token", "returns a plan"] {
                if text.contains(said_by_host) {
                    problems.push(format!(
                        "{name}'s description says {said_by_host:?}: the host explains the two-phase contract, leave it out"
                    ));
                }
            }
        }
        problems.extend(schema_problems(name, "input", &tool.input_schema, true));
        problems.extend(schema_problems(name, "output", &tool.output_schema, false));
        let tokens = surface_tokens(tool);
        total += tokens;
        if tokens > TOOL_TOKEN_CEILING {
            problems.push(format!(
                "{name} costs {tokens} tokens model-visible (ceiling {TOOL_TOKEN_CEILING}): shorten its description or property descriptions"
            ));
        }
    }
    if !manifest.tools.is_empty() {
        let average = total.div_ceil(manifest.tools.len());
        if average > average_budget {
            problems.push(format!(
                "the tools cost {average} tokens each on average (budget {average_budget})"
            ));
        }
    }
    problems
}

fn schema_problems(tool: &str, side: &str, text: &str, input: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let schema: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return vec![format!("{tool}'s {side} schema is not JSON: {e}")],
    };
    if schema["type"] != "object" {
        problems.push(format!("{tool}'s {side} schema is not an object schema"));
    }
    if input {
        if schema["additionalProperties"] != false {
            problems.push(format!(
                "{tool}'s input accepts unknown fields: add #[serde(deny_unknown_fields)]"
            ));
        }
        if schema
            .get("properties")
            .and_then(|p| p.get("confirmation_token"))
            .is_some()
        {
            problems.push(format!(
                "{tool} declares confirmation_token: the host adds it"
            ));
        }
    }
    let mut found = BTreeSet::new();
    find_loose_keys(&schema, input, &mut found);
    for key in found {
        problems.push(format!("{tool}'s {side} schema has {key} (not compact)"));
    }
    problems
}

/// Keys the compact form never has: `format`, `$schema`, a `type` array; on inputs also
/// `$ref` (inputs are self-contained).
fn find_loose_keys(node: &Value, input: bool, found: &mut BTreeSet<&'static str>) {
    match node {
        Value::Object(obj) => {
            if obj.get("format").is_some_and(Value::is_string) {
                found.insert("format");
            }
            if obj.contains_key("$schema") {
                found.insert("$schema");
            }
            if obj.get("type").is_some_and(Value::is_array) {
                found.insert("a type array");
            }
            if input && obj.contains_key("$ref") {
                found.insert("$ref");
            }
            obj.values().for_each(|v| find_loose_keys(v, input, found));
        }
        Value::Array(items) => items.iter().for_each(|v| find_loose_keys(v, input, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(name: &str, effect: Effect, description: &str, input: Value) -> ToolDescriptor {
        ToolDescriptor {
            name: name.into(),
            title: name.into(),
            description: description.into(),
            input_schema: input.to_string(),
            output_schema: json!({"type": "object", "properties": {"x": {"type": "string"}}})
                .to_string(),
            effect,
            idempotent: true,
            category: "t".into(),
            undo_tool: None,
            toolset: None,
            keywords: Vec::new(),
        }
    }

    fn input() -> Value {
        json!({"type": "object", "properties": {"zone": {"type": "string"}}, "additionalProperties": false})
    }

    fn manifest(tools: Vec<ToolDescriptor>) -> Manifest {
        Manifest {
            id: "t".into(),
            version: "1.0.0".into(),
            contract_version: crate::CONTRACT_VERSION.into(),
            description: "t".into(),
            roles: vec![],
            tools,
        }
    }

    #[test]
    fn a_compact_manifest_passes() {
        let m = manifest(vec![
            tool("t_list", Effect::Read, "Lists things.", input()),
            tool("t_add", Effect::Write, "Adds a thing.", input()),
        ]);
        check_manifest(&m, &["t_list", "t_add"]);
    }

    #[test]
    fn every_problem_is_reported() {
        let mut add = tool(
            "t_add",
            Effect::Write,
            "Adds a thing. Two-phase: returns a plan to confirm.",
            json!({"type": "object", "properties": {"n": {"type": ["integer", "null"], "format": "uint32"}, "confirmation_token": {"type": "string"}}}),
        );
        add.undo_tool = Some("t_remove".into());
        let huge = tool("t_huge", Effect::Read, &"word ".repeat(300), input());
        let m = manifest(vec![
            add,
            huge,
            tool("bad name", Effect::Read, "x", input()),
        ]);
        let problems = manifest_problems(&m, &["t_add", "t_huge", "t_other"]).join("\n");
        for expected in [
            "t_other is declared but not registered",
            "bad name is registered but not in the declared names",
            "breaks ^[a-zA-Z0-9_-]{1,64}$",
            "undo tool t_remove is not a tool of this plugin",
            "says \"two-phase\"",
            "accepts unknown fields",
            "declares confirmation_token",
            "has format",
            "has a type array",
            "t_huge costs",
            "on average",
        ] {
            assert!(
                problems.contains(expected),
                "missing {expected:?} in:\n{problems}"
            );
        }
    }

    #[test]
    fn write_tools_are_charged_the_hosts_additions() {
        let read = tool("t", Effect::Read, "d", input());
        let write = tool("t", Effect::Write, "d", input());
        assert_eq!(
            surface_bytes(&write) - surface_bytes(&read),
            HOST_WRITE_ALLOWANCE_BYTES
        );
        assert_eq!(surface_tokens(&read), surface_bytes(&read).div_ceil(4));
    }
}
