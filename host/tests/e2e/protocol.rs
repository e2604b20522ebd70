//! What the server advertises is what it answers (rmcp 3.11): a client asking for prompts
//! or resources, which ikmcp does not offer, gets "method not found" rather than an empty
//! list that suggests the capability exists; tools keep working on the same session.

use rmcp::ServiceError;
use rmcp::model::ErrorCode;

use crate::harness::{Harness, Options};

fn method_not_found<T: std::fmt::Debug>(what: &str, answer: Result<T, ServiceError>) {
    match answer {
        Err(ServiceError::McpError(error)) => assert_eq!(
            error.code,
            ErrorCode::METHOD_NOT_FOUND,
            "{what}: refused, but not as an unknown method: {error:?}"
        ),
        other => panic!("{what} must be refused as an unknown method, got {other:?}"),
    }
}

#[tokio::test]
async fn unadvertised_capabilities_are_refused_and_tools_still_answer() {
    let h = Harness::start(Options::default()).await;
    let info = h.client.peer_info().expect("initialized");
    assert!(info.capabilities.tools.is_some(), "{info:?}");
    assert!(info.capabilities.prompts.is_none(), "{info:?}");
    assert!(info.capabilities.resources.is_none(), "{info:?}");

    method_not_found("prompts/list", h.client.list_prompts(None).await);
    method_not_found("resources/list", h.client.list_resources(None).await);
    method_not_found(
        "resources/templates/list",
        h.client.list_resource_templates(None).await,
    );

    let tools = h.tools().await;
    assert!(
        tools.iter().any(|t| t.name == "infomaniak_help"),
        "the session still serves tools after the refusals"
    );
}
