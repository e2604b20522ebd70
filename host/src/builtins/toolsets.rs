//! Dynamic discovery's built-ins: `infomaniak_list_toolsets` and
//! `infomaniak_enable_toolset`. They only exist with `--dynamic-toolsets`; what a session
//! has enabled lives in the MCP layer (`mcp::toolsets`), which runs them, because enabling
//! changes that session's `tools/list` and notifies its client.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::descriptor;
use crate::contract::{ErrorKind, ToolDescriptor, ToolError};
use crate::registry::Registry;

/// Lists the toolsets a session can enable.
pub const LIST: &str = "infomaniak_list_toolsets";
/// Enables toolsets for the session.
pub const ENABLE: &str = "infomaniak_enable_toolset";

/// Whether `name` is one of these two built-ins.
pub fn is_toolset_builtin(name: &str) -> bool {
    name == LIST || name == ENABLE
}

/// Their descriptors, in listing order.
pub fn descriptors() -> Vec<ToolDescriptor> {
    let toolsets = json!({"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "plugin": {"type": "string"},
        "enabled": {"type": "boolean"}, "tools": {"type": "array", "items": {"type": "string"}}}}});
    vec![
        descriptor(
            LIST,
            "List toolsets",
            "Lists the toolsets (groups of tools, e.g. dns) you can enable, with their tools.",
            json!({"type": "object", "properties": {}, "additionalProperties": false}),
            json!({"type": "object", "required": ["toolsets"], "properties": {"toolsets": toolsets}}),
        ),
        descriptor(
            ENABLE,
            "Enable toolsets",
            "Adds the tools of the named toolsets to this session; then call them by name.",
            json!({"type": "object", "properties": {
                "toolsets": {"type": "array", "items": {"type": "string"}, "minItems": 1}
            }, "required": ["toolsets"], "additionalProperties": false}),
            json!({"type": "object", "required": ["enabled", "added_tools"], "properties": {
                "enabled": {"type": "array", "items": {"type": "string"}},
                "added_tools": {"type": "array", "items": {"type": "string"}}}}),
        ),
    ]
}

/// The answer of `infomaniak_list_toolsets`: every offered toolset and whether the session
/// enabled it.
pub fn list(registry: &Registry, enabled: &BTreeSet<String>) -> Value {
    let toolsets: Vec<Value> = registry
        .toolsets()
        .into_iter()
        .map(|t| {
            json!({"name": t.name, "plugin": t.plugin, "enabled": enabled.contains(&t.name), "tools": t.tools})
        })
        .collect();
    json!({"toolsets": toolsets})
}

/// The toolsets `infomaniak_enable_toolset` names, each checked against what the operator
/// offers: enabling reveals tools, it never widens policy.
pub fn requested(args: &Value, registry: &Registry) -> Result<Vec<String>, ToolError> {
    let known: Vec<String> = registry.toolsets().into_iter().map(|t| t.name).collect();
    let names: Vec<String> = args["toolsets"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(unknown) = names.iter().find(|n| !known.contains(n)) {
        return Err(ToolError::new(
            ErrorKind::NotFound,
            "unknown_toolset",
            format!("no toolset named {unknown} is offered"),
        )
        .with_hint(format!(
            "use one of: {} (infomaniak_list_toolsets lists them with their tools)",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    Ok(names)
}

/// The answer of `infomaniak_enable_toolset`: every toolset now enabled and the tools the
/// call added to the session.
pub fn enabled(registry: &Registry, before: &BTreeSet<String>, after: &BTreeSet<String>) -> Value {
    let added: Vec<String> = registry
        .tools()
        .iter()
        .filter(|t| {
            t.toolset
                .as_ref()
                .is_some_and(|s| after.contains(s) && !before.contains(s))
        })
        .map(|t| t.descriptor.name.clone())
        .collect();
    json!({"enabled": after, "added_tools": added})
}
