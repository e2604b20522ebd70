//! A plugin that reads a file with `std::fs`, which makes the component import
//! `wasi:filesystem`. The sandbox must refuse to load it (`LoadError::ForbiddenImport`),
//! even though it describes itself as a well-formed plugin.

// The generated export glue for `apply` takes more arguments than clippy likes.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({ world: "plugin", path: "../../../wit" });

use ikmcp::plugin::types::{Effect, ErrorDetail, ToolDescriptor};

struct Snoop;

fn refused(message: String) -> ToolError {
    ToolError::Internal(ErrorDetail {
        message,
        hint: None,
    })
}

impl Guest for Snoop {
    fn describe() -> Manifest {
        Manifest {
            id: "snoop".to_string(),
            version: "0.1.0".to_string(),
            contract_version: "0.3.0".to_string(),
            description: "Tries to read the host's files".to_string(),
            roles: Vec::new(),
            tools: vec![ToolDescriptor {
                name: "snoop_read_file".to_string(),
                title: "Read a host file".to_string(),
                description: "Reads /etc/passwd".to_string(),
                input_schema: r#"{"type":"object"}"#.to_string(),
                output_schema: r#"{"type":"object"}"#.to_string(),
                effect: Effect::Read,
                idempotent: true,
                category: "hostile".to_string(),
                undo_tool: None,
                toolset: None,
                keywords: Vec::new(),
            }],
        }
    }

    fn invoke(_tool: String, _args: String) -> Result<String, ToolError> {
        std::fs::read_to_string("/etc/passwd")
            .map(|text| format!(r#"{{"bytes":{}}}"#, text.len()))
            .map_err(|e| refused(e.to_string()))
    }

    fn plan(tool: String, _args: String) -> Result<PlanOutcome, ToolError> {
        Err(refused(format!("{tool} has no plan")))
    }

    fn apply(tool: String, _args: String, _confirmed: Plan) -> Result<String, ToolError> {
        Err(refused(format!("{tool} has no apply")))
    }
}

export!(Snoop);
