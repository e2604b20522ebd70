//! Scenario 4: the tool surface, what every conversation pays before the first question:
//! the serialized `tools/list` result the client puts in the model's context.

use anyhow::Context;
use rmcp::model::{ListToolsResult, Tool};
use serde::Serialize;

/// Bytes per token of the estimate. A rough rule for English and JSON with common
/// tokenizers, not a measurement: the table says so.
pub const BYTES_PER_TOKEN: usize = 4;

/// Size of the tool surface.
#[derive(Debug, Serialize)]
pub struct Surface {
    /// Bytes of the serialized `tools/list` result(s), all pages.
    pub total_bytes: usize,
    /// `total_bytes / 4`, rounded up.
    pub total_tokens_estimate: usize,
    /// Each tool's serialized definition, in the server's order.
    pub tools: Vec<ToolSize>,
}

/// One tool's share of the surface.
#[derive(Debug, Serialize)]
pub struct ToolSize {
    /// The tool's name.
    pub name: String,
    /// Bytes of its serialized definition (name, description, schemas, annotations).
    pub bytes: usize,
    /// `bytes / 4`, rounded up.
    pub tokens_estimate: usize,
}

/// Measures the pages of one `tools/list` answer.
pub fn measure(pages: &[ListToolsResult]) -> anyhow::Result<Surface> {
    let mut total_bytes = 0;
    let mut tools = Vec::new();
    for page in pages {
        total_bytes += json_len(page).context("serializing a tools/list result")?;
        for tool in &page.tools {
            tools.push(tool_size(tool)?);
        }
    }
    Ok(Surface {
        total_bytes,
        total_tokens_estimate: tokens(total_bytes),
        tools,
    })
}

fn tool_size(tool: &Tool) -> anyhow::Result<ToolSize> {
    let bytes = json_len(tool).with_context(|| format!("serializing tool {}", tool.name))?;
    Ok(ToolSize {
        name: tool.name.to_string(),
        bytes,
        tokens_estimate: tokens(bytes),
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
        let schema = serde_json::json!({"type": "object", "properties": {}});
        Tool::new(
            name.to_string(),
            description.to_string(),
            Arc::new(schema.as_object().unwrap().clone()),
        )
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
        let surface = measure(std::slice::from_ref(&page)).unwrap();
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
    fn no_pages_is_an_empty_surface() {
        let surface = measure(&[]).unwrap();
        assert_eq!(surface.total_bytes, 0);
        assert!(surface.tools.is_empty());
    }
}
