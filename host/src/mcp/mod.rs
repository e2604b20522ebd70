//! The MCP face of the host (rmcp): tool listing, tool calls, progress and in-protocol
//! confirmation.
//!
//! Write tools work with the token contract (plan, then the same call plus
//! `confirmation_token`) unless the client can ask its user directly: then the session
//! confirms in-protocol ([`confirm`]) and no token is ever minted for it. Either way the
//! guard flow decides; this layer only carries the messages.

mod confirm;
mod progress;
mod render;
mod toolsets;

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, InitializeResult, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, SubscriptionFilter, Tool,
};
use rmcp::service::{RequestContext, SubscriptionContext};
use rmcp::{RoleServer, ServerHandler};

use crate::call::CallOutcome;
use crate::dispatch::Dispatcher;
use confirm::{Asker, InProtocol};
use progress::ProgressForwarder;
use toolsets::SessionToolsets;

const INSTRUCTIONS: &str = "ikmcp administers Infomaniak accounts. Read tools run directly. \
Write tools never change anything on the first call: they return a plan whose approval \
text lists every write the host will allow, and a confirmation_token. Show the approval \
to the user; only if they approve, call the same tool again with the same arguments plus \
confirmation_token. Clients that can ask the user directly get the approval as a \
confirmation request instead, and no token. Arguments a tool's schema does not list are \
refused. Use infomaniak_help to find a tool for a task.";

/// The MCP server handler; cheap to clone, one per client session.
#[derive(Clone)]
pub struct McpServer {
    dispatcher: Arc<Dispatcher>,
    tools: Arc<Vec<Tool>>,
    /// This client session, as the guard binds tokens and sealed states to it.
    caller: Arc<str>,
    /// The toolsets this session enabled (dynamic discovery).
    session: Arc<SessionToolsets>,
}

impl McpServer {
    /// Wraps a dispatcher for one client session; the tool list is computed once.
    pub fn new(dispatcher: Arc<Dispatcher>) -> Self {
        let tools = Arc::new(dispatcher.registry().mcp_tools());
        let caller = Arc::from(uuid::Uuid::new_v4().to_string());
        let session = Arc::new(SessionToolsets::new(dispatcher.registry().dynamic()));
        McpServer {
            dispatcher,
            tools,
            caller,
            session,
        }
    }

    /// The tools this session's `tools/list` shows (all offered ones unless dynamic).
    fn visible_tools(&self) -> Vec<Tool> {
        let registry = self.dispatcher.registry();
        registry
            .tools()
            .iter()
            .zip(self.tools.iter())
            .filter(|(registered, _)| self.session.visible(registered))
            .map(|(_, tool)| tool.clone())
            .collect()
    }
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> InitializeResult {
        let capabilities = ServerCapabilities::builder().enable_tools();
        let capabilities = if self.dispatcher.registry().dynamic() {
            capabilities.enable_tool_list_changed().build()
        } else {
            capabilities.build()
        };
        InitializeResult::new(capabilities)
            .with_server_info(Implementation::new("ikmcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.visible_tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.visible_tools().into_iter().find(|t| t.name == name)
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        let tools =
            requested.tools_list_changed == Some(true) && self.dispatcher.registry().dynamic();
        let filter = SubscriptionFilter::builder();
        Some(
            if tools {
                filter.tools_list_changed()
            } else {
                filter
            }
            .build(),
        )
    }

    async fn listen(&self, subscription: SubscriptionContext) -> Result<(), ErrorData> {
        self.session.listen(subscription.sink().clone()).await;
        subscription.cancelled().await;
        Ok(())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        let registry = self.dispatcher.registry();
        let Some(tool) = registry.get(&name) else {
            return Err(ErrorData::invalid_params(
                format!("unknown tool {name}; call tools/list or infomaniak_tool_catalog"),
                None,
            ));
        };
        let answer =
            self.session
                .intercept(tool, request.arguments.as_ref(), registry, &context.peer);
        if let Some(answer) = answer.await {
            return Ok(answer.into());
        }
        // The slot is held for the whole request, waiting for the user included.
        let _slot = match self.dispatcher.admit(&name) {
            Ok(slot) => slot,
            Err(busy) => return Ok(render::outcome(CallOutcome::failure(busy)).into()),
        };
        let args = request.arguments.unwrap_or_default();
        let progress = context
            .meta
            .get_progress_token()
            .map(|token| ProgressForwarder::start(context.peer.clone(), token));
        let asker = Asker::of(&context);
        let confirming = InProtocol {
            dispatcher: &self.dispatcher,
            caller: &self.caller,
            name: &name,
            args: args.clone(),
            progress: progress.clone(),
        };
        if let (Some(state), Some(responses)) = (&request.request_state, &request.input_responses) {
            return Ok(confirming.resume(state, responses).await);
        }
        let outcome = self
            .dispatcher
            .call(&name, args, progress, &self.caller, asker.way())
            .await;
        Ok(match outcome {
            CallOutcome::NeedsApproval(pending) if asker != Asker::None => {
                confirming.ask(asker, pending, &context).await
            }
            other => render::outcome(other).into(),
        })
    }
}
