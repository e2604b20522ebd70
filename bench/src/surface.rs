//! Scenario 4: the tool surface, what every conversation pays before the first question.
//!
//! Three figures per tool: what the model reads (name + description + inputSchema, the
//! budget of issue 8: ≤ 100 tokens per tool on average), the same with the output schema,
//! and the whole serialized definition (title and annotations included) the client
//! receives. Per plugin and in total, for the default mode (every offered tool) and for
//! dynamic discovery's first `tools/list` (`--dynamic-toolsets`: built-ins only, whatever the
//! number of plugins).

use std::collections::BTreeMap;

use anyhow::Context;
use rmcp::model::{ListToolsResult, Tool};
use serde::Serialize;
use serde_json::{Value, json};

use crate::server::Launch;

/// Bytes per token of the estimate. A rough rule for English and JSON with common
/// tokenizers, not a measurement: the table says so.
pub const BYTES_PER_TOKEN: usize = 4;

/// The plugin column of built-in tools.
pub const BUILTIN: &str = "builtin";

/// Size of the tool surface in both modes.
#[derive(Debug, Serialize)]
pub struct Surface {
    /// Default mode: every offered tool.
    pub default: ModeSurface,
    /// Dynamic discovery: the first `tools/list` of a session.
    pub dynamic: ModeSurface,
}

/// One `tools/list` answer, measured.
#[derive(Debug, Serialize)]
pub struct ModeSurface {
    /// Bytes of the serialized `tools/list` result(s), all pages.
    pub total_bytes: usize,
    /// `total_bytes / 4`, rounded up.
    pub total_tokens_estimate: usize,
    /// Model-visible tokens of all tools (name + description + inputSchema).
    pub visible_tokens: usize,
    /// The same with output schemas.
    pub with_output_tokens: usize,
    /// Per plugin (built-ins under `builtin`), in name order.
    pub plugins: Vec<PluginSurface>,
    /// Each tool, in the server's order.
    pub tools: Vec<ToolSize>,
}

/// One plugin's share.
#[derive(Debug, Serialize)]
pub struct PluginSurface {
    /// Plugin id, or `builtin`.
    pub plugin: String,
    /// Its tools in the list.
    pub tools: usize,
    /// Model-visible tokens, all its tools.
    pub visible_tokens: usize,
    /// Model-visible tokens per tool (rounded up).
    pub visible_per_tool: usize,
    /// With output schemas, all its tools.
    pub with_output_tokens: usize,
}

/// One tool's share of the surface.
#[derive(Debug, Serialize)]
pub struct ToolSize {
    /// The tool's name.
    pub name: String,
    /// The plugin it comes from, or `builtin`.
    pub plugin: String,
    /// Bytes of its whole serialized definition (name, description, schemas, annotations).
    pub bytes: usize,
    /// `bytes / 4`, rounded up.
    pub tokens_estimate: usize,
    /// Model-visible tokens: `{name, description, inputSchema}`.
    pub visible_tokens: usize,
    /// Model-visible plus `outputSchema`.
    pub with_output_tokens: usize,
}

/// Measures both modes against `launch`'s tenant: a default server (whose catalog says
/// which plugin owns each tool) and a `--dynamic-toolsets` one.
pub async fn run(launch: &Launch) -> anyhow::Result<Surface> {
    let server = launch.start().await?;
    let pages = server.list_tools().await?;
    let catalog = server
        .call_ok("infomaniak_tool_catalog", &json!({}))
        .await
        .context("reading the tool catalog")?;
    server.stop().await;
    let owners = owners(&catalog);
    let mut dynamic_launch = launch.clone();
    dynamic_launch
        .config
        .push_str("\n[tools]\ndynamic_toolsets = true\n");
    let server = dynamic_launch.start().await?;
    let dynamic_pages = server.list_tools().await?;
    server.stop().await;
    Ok(Surface {
        default: measure(&pages, &owners)?,
        dynamic: measure(&dynamic_pages, &owners)?,
    })
}

/// Tool name → plugin id, from `infomaniak_tool_catalog`'s `plugins[].tools`.
pub fn owners(catalog: &Value) -> BTreeMap<String, String> {
    let mut owners = BTreeMap::new();
    for plugin in catalog["plugins"].as_array().into_iter().flatten() {
        let id = plugin["id"].as_str().unwrap_or_default();
        for tool in plugin["tools"].as_array().into_iter().flatten() {
            if let Some(name) = tool.as_str() {
                owners.insert(name.to_string(), id.to_string());
            }
        }
    }
    owners
}

/// Measures the pages of one `tools/list` answer; tools `owners` does not name are built-ins.
pub fn measure(
    pages: &[ListToolsResult],
    owners: &BTreeMap<String, String>,
) -> anyhow::Result<ModeSurface> {
    let mut total_bytes = 0;
    let mut tools = Vec::new();
    for page in pages {
        total_bytes += json_len(page).context("serializing a tools/list result")?;
        for tool in &page.tools {
            tools.push(tool_size(tool, owners)?);
        }
    }
    let mut by_plugin: BTreeMap<&str, PluginSurface> = BTreeMap::new();
    for t in &tools {
        let p = by_plugin
            .entry(t.plugin.as_str())
            .or_insert_with(|| PluginSurface {
                plugin: t.plugin.clone(),
                tools: 0,
                visible_tokens: 0,
                visible_per_tool: 0,
                with_output_tokens: 0,
            });
        p.tools += 1;
        p.visible_tokens += t.visible_tokens;
        p.with_output_tokens += t.with_output_tokens;
        p.visible_per_tool = p.visible_tokens.div_ceil(p.tools);
    }
    Ok(ModeSurface {
        total_bytes,
        total_tokens_estimate: tokens(total_bytes),
        visible_tokens: tools.iter().map(|t| t.visible_tokens).sum(),
        with_output_tokens: tools.iter().map(|t| t.with_output_tokens).sum(),
        plugins: by_plugin.into_values().collect(),
        tools,
    })
}

impl ModeSurface {
    /// Model-visible tokens per tool (rounded up; 0 for an empty list).
    pub fn visible_per_tool(&self) -> usize {
        if self.tools.is_empty() {
            0
        } else {
            self.visible_tokens.div_ceil(self.tools.len())
        }
    }
}

fn tool_size(tool: &Tool, owners: &BTreeMap<String, String>) -> anyhow::Result<ToolSize> {
    let name = tool.name.to_string();
    let bytes = json_len(tool).with_context(|| format!("serializing tool {name}"))?;
    // What the model reads, as issue 8 and the before-stop surface check define it: the
    // name, the description and the serialized input schema (the JSON keys around them,
    // ~40 bytes a tool, are left out).
    let visible_bytes = tool.name.len()
        + tool.description.as_deref().map_or(0, str::len)
        + json_len(&tool.input_schema)?;
    let output_bytes = match &tool.output_schema {
        Some(schema) => json_len(&json!({ "outputSchema": schema }))?,
        None => 0,
    };
    Ok(ToolSize {
        plugin: owners
            .get(&name)
            .cloned()
            .unwrap_or_else(|| BUILTIN.to_string()),
        name,
        bytes,
        tokens_estimate: tokens(bytes),
        visible_tokens: tokens(visible_bytes),
        with_output_tokens: tokens(visible_bytes + output_bytes),
    })
}

fn json_len(value: &impl Serialize) -> serde_json::Result<usize> {
    serde_json::to_vec(value).map(|v| v.len())
}

/// The token estimate of `bytes` (bytes / 4, rounded up).
pub fn tokens(bytes: usize) -> usize {
    bytes.div_ceil(BYTES_PER_TOKEN)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn tool(name: &str, description: &str) -> Tool {
        let schema = json!({"type": "object", "properties": {}});
        Tool::new(
            name.to_string(),
            description.to_string(),
            Arc::new(schema.as_object().unwrap().clone()),
        )
    }

    fn owned(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(t, p)| (t.to_string(), p.to_string()))
            .collect()
    }

    #[test]
    fn token_estimate_rounds_up() {
        assert_eq!(tokens(0), 0);
        assert_eq!(tokens(1), 1);
        assert_eq!(tokens(8), 2);
        assert_eq!(tokens(9), 3);
    }

    #[test]
    fn sizes_are_those_of_the_serialized_json() {
        let a = tool("a", "short");
        let b = tool("b", &"long ".repeat(100));
        let page = ListToolsResult::with_all_items(vec![a.clone(), b.clone()]);
        let surface = measure(std::slice::from_ref(&page), &owned(&[])).unwrap();
        assert_eq!(
            surface.total_bytes,
            serde_json::to_vec(&page).unwrap().len()
        );
        assert_eq!(surface.tools.len(), 2);
        assert_eq!(surface.tools[0].name, "a");
        assert_eq!(
            surface.tools[0].bytes,
            serde_json::to_vec(&a).unwrap().len()
        );
        assert!(surface.tools[1].bytes > surface.tools[0].bytes + 400);
        let sum: usize = surface.tools.iter().map(|t| t.bytes).sum();
        assert!(surface.total_bytes > sum, "the envelope counts too");
    }

    #[test]
    fn model_visible_is_name_description_and_input_only() {
        let mut t = tool("t", "d");
        let input = json!({"type": "object", "properties": {}});
        let visible_bytes = "t".len() + "d".len() + serde_json::to_vec(&input).unwrap().len();
        t = t.with_title("A long title the model list does not count".repeat(3));
        let output = json!({"type": "object", "properties": {"x": {"type": "string"}}});
        t = t.with_raw_output_schema(Arc::new(output.as_object().unwrap().clone()));
        let page = ListToolsResult::with_all_items(vec![t]);
        let s = measure(&[page], &owned(&[("t", "dns")])).unwrap();
        let size = &s.tools[0];
        assert_eq!(size.visible_tokens, tokens(visible_bytes));
        let output_bytes = serde_json::to_vec(&json!({"outputSchema": output}))
            .unwrap()
            .len();
        assert_eq!(
            size.with_output_tokens,
            tokens(visible_bytes + output_bytes)
        );
        assert!(
            size.tokens_estimate > size.with_output_tokens,
            "title counts in bytes only"
        );
        assert_eq!(size.plugin, "dns");
    }

    #[test]
    fn plugins_add_up_and_unowned_tools_are_builtins() {
        let page = ListToolsResult::with_all_items(vec![
            tool("help", "h"),
            tool("dns_a", "a"),
            tool("dns_b", "b"),
        ]);
        let s = measure(&[page], &owned(&[("dns_a", "dns"), ("dns_b", "dns")])).unwrap();
        let names: Vec<_> = s.plugins.iter().map(|p| p.plugin.as_str()).collect();
        assert_eq!(names, [BUILTIN, "dns"]);
        assert_eq!(s.plugins[1].tools, 2);
        let sum: usize = s.plugins.iter().map(|p| p.visible_tokens).sum();
        assert_eq!(sum, s.visible_tokens);
        assert_eq!(s.visible_per_tool(), s.visible_tokens.div_ceil(3));
    }

    #[test]
    fn owners_come_from_the_catalog() {
        let catalog = json!({"plugins": [{"id": "dns", "tools": ["x", "y"]}, {"id": "mail", "tools": ["z"]}]});
        let o = owners(&catalog);
        assert_eq!(o["x"], "dns");
        assert_eq!(o["z"], "mail");
        assert_eq!(o.len(), 3);
    }

    #[test]
    fn no_pages_is_an_empty_surface() {
        let surface = measure(&[], &owned(&[])).unwrap();
        assert_eq!(surface.total_bytes, 0);
        assert!(surface.tools.is_empty());
        assert_eq!(surface.visible_per_tool(), 0);
    }
}
