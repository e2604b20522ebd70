//! The MCP face of the host (rmcp): tool listing, tool calls, progress and in-protocol
//! confirmation.
//!
//! Write tools always work with the token contract (plan, then the same call plus
//! `confirmation_token`). Clients that can ask their user directly get the plan as a
//! confirmation request instead: elicitation on 2025-11-25 sessions, an
//! `input_required` round trip on 2026-07-28. Either way the dispatcher re-plans and
//! checks the fingerprint before anything is written.

mod render;
mod toolsets;

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ElicitRequestParams,
    ElicitationAction, ElicitationSchema, Implementation, InitializeResult, InputRequest,
    InputRequests, InputRequiredResult, ListToolsResult, PaginatedRequestParams,
    ProgressNotificationParam, ProgressToken, ServerCapabilities, SubscriptionFilter, Tool,
};
use rmcp::service::{Peer, RequestContext, SubscriptionContext};
use rmcp::{RoleServer, ServerHandler};
use serde_json::{Map, Value};

use crate::dispatch::{CallOutcome, Dispatcher};
use crate::registry::CONFIRMATION_ARG;
use crate::sandbox::ProgressSink;
use toolsets::SessionToolsets;

/// Key of the confirmation request in an `input_required` round trip.
const CONFIRM_KEY: &str = "confirm";

const INSTRUCTIONS: &str = "ikmcp administers Infomaniak accounts. Read tools run directly. \
Write tools never change anything on the first call: they return a plan (summary, exact \
before/after changes) and a confirmation_token. Show the plan to the user; only if they \
approve, call the same tool again with the same arguments plus confirmation_token. \
Use infomaniak_help to find a tool for a task.";

/// The MCP server handler; cheap to clone, one per client session.
#[derive(Clone)]
pub struct McpServer {
    dispatcher: Arc<Dispatcher>,
    tools: Arc<Vec<Tool>>,
    session: Arc<SessionToolsets>,
}

impl McpServer {
    /// Wraps a dispatcher; the tool list is computed once.
    pub fn new(dispatcher: Arc<Dispatcher>) -> Self {
        let tools = Arc::new(dispatcher.registry().mcp_tools());
        let session = Arc::new(SessionToolsets::new(dispatcher.registry().dynamic()));
        McpServer {
            dispatcher,
            tools,
            session,
        }
    }

    async fn confirm_in_protocol(
        &self,
        name: &str,
        args: &Map<String, Value>,
        token: &str,
        response: &Value,
        ctx: &RequestContext<RoleServer>,
        progress: Option<Arc<dyn ProgressSink>>,
    ) -> Option<CallToolResponse> {
        if ctx.peer.peer_info().is_some() {
            if ctx.peer.supported_elicitation_modes().is_empty() {
                return None;
            }
            let params = confirmation_request(name, response)?;
            let answer = match ctx.peer.create_elicitation(params).await {
                Ok(answer) => answer,
                Err(e) => {
                    tracing::warn!(error = %e, "elicitation failed; falling back to the token");
                    return None;
                }
            };
            let approved = answer.action == ElicitationAction::Accept
                && answer
                    .content
                    .as_ref()
                    .and_then(|c| c.get("approve"))
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
            if !approved {
                return Some(declined(response));
            }
            let mut confirmed = args.clone();
            confirmed.insert(CONFIRMATION_ARG.into(), Value::String(token.into()));
            let outcome = self.dispatcher.call(name, confirmed, progress).await;
            return Some(render::outcome(outcome).into());
        }
        let wants_input = ctx
            .client_capabilities()
            .is_some_and(|c| c.elicitation.is_some());
        if !wants_input {
            return None;
        }
        let params = confirmation_request(name, response)?;
        let mut requests = InputRequests::new();
        requests.insert(
            CONFIRM_KEY.into(),
            InputRequest::Elicitation(rmcp::model::ElicitRequest::new(params)),
        );
        Some(CallToolResponse::InputRequired(InputRequiredResult::new(
            Some(requests),
            Some(token.to_string()),
        )))
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
        self.session.listen(subscription.sink().clone());
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
        let mut args = request.arguments.unwrap_or_default();
        if let Some(answer) = self
            .session
            .intercept(tool, &args, registry, &context.peer)
            .await
        {
            return Ok(answer.into());
        }
        let progress = context
            .meta
            .get_progress_token()
            .map(|token| ProgressForwarder::start(context.peer.clone(), token));
        // Retry of an input_required round trip: the state is our token, kept server-side.
        if let (Some(state), Some(responses)) = (&request.request_state, &request.input_responses) {
            let approved = responses.get(CONFIRM_KEY).is_some_and(|r| {
                r.get("action").and_then(Value::as_str) == Some("accept")
                    && r.pointer("/content/approve")
                        .and_then(Value::as_bool)
                        .unwrap_or(true)
            });
            if !approved {
                let response = serde_json::json!({"status": "declined"});
                return Ok(declined(&response));
            }
            args.insert(CONFIRMATION_ARG.into(), Value::String(state.clone()));
        }
        let outcome = self
            .dispatcher
            .call(&name, args.clone(), progress.clone())
            .await;
        if let CallOutcome::PlanReady { response, token } = &outcome
            && let Some(confirmed) = self
                .confirm_in_protocol(&name, &args, token, response, &context, progress)
                .await
        {
            return Ok(confirmed);
        }
        Ok(render::outcome(outcome).into())
    }
}

impl McpServer {
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

fn confirmation_request(name: &str, plan: &Value) -> Option<ElicitRequestParams> {
    let schema = ElicitationSchema::builder()
        .required_bool("approve")
        .build()
        .ok()?;
    Some(ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: format!(
            "{name} wants to make this change. Approve it?\n\n{}",
            render::plan_text(plan)
        ),
        requested_schema: schema,
    })
}

fn declined(plan: &Value) -> CallToolResponse {
    let mut response = plan.clone();
    if let Some(obj) = response.as_object_mut() {
        obj.insert("status".into(), Value::String("declined".into()));
        obj.remove(CONFIRMATION_ARG);
        obj.insert(
            "next_step".into(),
            Value::String("The user declined; nothing was changed.".into()),
        );
    }
    CallToolResult::structured(response).into()
}

/// Forwards plugin progress reports to the client, in order, as MCP notifications.
struct ProgressForwarder {
    sender: tokio::sync::mpsc::UnboundedSender<ProgressNotificationParam>,
    token: ProgressToken,
}

impl ProgressForwarder {
    fn start(peer: Peer<RoleServer>, token: ProgressToken) -> Arc<dyn ProgressSink> {
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(param) = receiver.recv().await {
                if peer.notify_progress(param).await.is_err() {
                    break;
                }
            }
        });
        Arc::new(ProgressForwarder { sender, token })
    }
}

impl ProgressSink for ProgressForwarder {
    fn report(&self, done: u32, total: Option<u32>, message: Option<String>) {
        let mut param = ProgressNotificationParam::new(self.token.clone(), f64::from(done));
        if let Some(total) = total {
            param = param.with_total(f64::from(total));
        }
        if let Some(message) = message {
            param = param.with_message(message);
        }
        let _ = self.sender.send(param);
    }
}
