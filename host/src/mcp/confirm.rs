//! In-protocol confirmation: the host asks the human itself, and the model never holds a
//! token.
//!
//! A session whose client can ask its user directly confirms every write that way:
//! elicitation on 2025-11-25 sessions, an `input_required` round trip on 2026-07-28.
//! In such a session the guard flow mints no token at all; the approval text the human
//! sees is the host's rendering (see `guard::approval`). It fails closed: an elicitation
//! that errors, any answer but an explicit accept with `approve: true` (a missing or
//! non-boolean `approve` too), and a `requestState` that is not a valid seal for this
//! session, tool and arguments, all write nothing. A plan that went stale between the
//! approval and the apply goes back to the human, never to the model.
//!
//! This module only carries messages; every decision is the guard flow's.

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::{
    CallToolResponse, CallToolResult, ElicitRequest, ElicitRequestParams, ElicitResult,
    ElicitationAction, ElicitationSchema, InputRequest, InputRequests, InputRequiredResult,
    InputResponses,
};
use rmcp::service::RequestContext;
use serde_json::{Map, Value, json};

use super::render;
use crate::call::{CallOutcome, PendingApproval};
use crate::contract::{ErrorKind, ToolError};
use crate::dispatch::Dispatcher;
use crate::guard::{ApprovalWay, Confirmation};
use crate::sandbox::ProgressSink;

/// Key of the confirmation request in an `input_required` round trip.
pub const CONFIRM_KEY: &str = "confirm";
/// The boolean the human sets to approve.
const APPROVE: &str = "approve";
/// How many times a human is asked again when the plan keeps going stale.
const MAX_ROUNDS: usize = 3;

/// How the session's client can ask its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    /// It cannot: the token way.
    None,
    /// A 2025-era session with form elicitation: the host asks and waits.
    Elicitation,
    /// A 2026-07-28 request whose client declared elicitation: `input_required`.
    InputRequired,
}

impl Asker {
    /// What the client of this request supports.
    pub fn of(ctx: &RequestContext<RoleServer>) -> Self {
        if ctx.peer.peer_info().is_some() {
            let form = ctx
                .peer
                .supported_elicitation_modes()
                .contains(&rmcp::service::ElicitationMode::Form);
            return if form {
                Asker::Elicitation
            } else {
                Asker::None
            };
        }
        match ctx.client_capabilities() {
            Some(c) if c.elicitation.is_some() => Asker::InputRequired,
            _ => Asker::None,
        }
    }

    /// The guard flow's way of approval for this client.
    pub fn way(self) -> ApprovalWay {
        match self {
            Asker::None => ApprovalWay::Token,
            Asker::Elicitation | Asker::InputRequired => ApprovalWay::InProtocol,
        }
    }
}

/// One write call being confirmed in-protocol.
pub struct InProtocol<'a> {
    /// The dispatcher (tool resolution) and its guard flow.
    pub dispatcher: &'a Dispatcher,
    /// The session.
    pub caller: &'a str,
    /// The tool.
    pub name: &'a str,
    /// Its arguments as the client sent them.
    pub args: Map<String, Value>,
    /// Where plugin progress goes.
    pub progress: Option<Arc<dyn ProgressSink>>,
}

impl InProtocol<'_> {
    /// Asks the human to approve `pending`, through `asker`, and carries out the answer.
    pub async fn ask(
        &self,
        asker: Asker,
        mut pending: PendingApproval,
        ctx: &RequestContext<RoleServer>,
    ) -> CallToolResponse {
        if asker == Asker::InputRequired {
            return self.input_required(&pending);
        }
        for _ in 0..MAX_ROUNDS {
            let answer = match ctx
                .peer
                .create_elicitation(request(self.name, &pending))
                .await
            {
                Ok(answer) => answer,
                Err(e) => {
                    tracing::warn!(error = %e, tool = %self.name, "the confirmation request failed; nothing written");
                    let error = ask_failed(self.name, &e.to_string());
                    self.not_approved(Some(&pending.fingerprint), &error);
                    return failure(error);
                }
            };
            if !elicitation_approves(&answer) {
                self.not_approved(Some(&pending.fingerprint), &not_approved(self.name));
                return declined(&pending);
            }
            match self.confirm(&pending.fingerprint).await {
                CallOutcome::NeedsApproval(fresh) => pending = fresh,
                other => return render::outcome(other).into(),
            }
        }
        failure(keeps_changing(self.name))
    }

    /// The retry of an `input_required` round trip: the sealed state and the answers.
    pub async fn resume(&self, state: &str, responses: &InputResponses) -> CallToolResponse {
        let write = match self.dispatcher.resolve_write(self.name, self.args.clone()) {
            Ok(write) => write,
            Err(error) => return failure(error),
        };
        let call = write.call(self.caller, self.progress.clone());
        let approved_fp = match self.dispatcher.guard().open_seal(&call, state) {
            Ok(fp) => fp,
            Err(refusal) => return failure(refusal),
        };
        if !response_approves(responses.get(CONFIRM_KEY)) {
            let why = not_approved(self.name);
            self.dispatcher
                .guard()
                .not_approved(&call, Some(&approved_fp), &why);
            return declined_without_plan();
        }
        match self
            .dispatcher
            .guard()
            .confirm(&call, Confirmation::Approved(&approved_fp))
            .await
        {
            CallOutcome::NeedsApproval(fresh) => self.input_required(&fresh),
            other => render::outcome(other).into(),
        }
    }

    /// Audits a plan the human did not approve.
    fn not_approved(&self, fingerprint: Option<&str>, why: &ToolError) {
        if let Ok(write) = self.dispatcher.resolve_write(self.name, self.args.clone()) {
            let call = write.call(self.caller, None);
            self.dispatcher
                .guard()
                .not_approved(&call, fingerprint, why);
        }
    }

    async fn confirm(&self, fingerprint: &str) -> CallOutcome {
        let write = match self.dispatcher.resolve_write(self.name, self.args.clone()) {
            Ok(write) => write,
            Err(error) => return CallOutcome::failure(error),
        };
        let call = write.call(self.caller, self.progress.clone());
        self.dispatcher
            .guard()
            .confirm(&call, Confirmation::Approved(fingerprint))
            .await
    }

    fn input_required(&self, pending: &PendingApproval) -> CallToolResponse {
        let write = match self.dispatcher.resolve_write(self.name, self.args.clone()) {
            Ok(write) => write,
            Err(error) => return failure(error),
        };
        let state = self
            .dispatcher
            .guard()
            .seal(&write.call(self.caller, None), pending);
        let mut requests = InputRequests::new();
        requests.insert(
            CONFIRM_KEY.into(),
            InputRequest::Elicitation(ElicitRequest::new(request(self.name, pending))),
        );
        CallToolResponse::InputRequired(InputRequiredResult::new(Some(requests), Some(state)))
    }
}

/// The confirmation request: the host-rendered approval and one required boolean.
pub fn request(name: &str, pending: &PendingApproval) -> ElicitRequestParams {
    let schema = ElicitationSchema::builder()
        .required_bool(APPROVE)
        .build()
        .unwrap_or_else(|_| ElicitationSchema::new(Default::default()));
    let preface = if pending.after_stale {
        "The state changed after you approved the previous plan, so nothing was written. This new plan replaces it.\n\n"
    } else {
        ""
    };
    ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: format!(
            "{preface}{}\n\nApprove these writes by {name}? Set approve to true only if you want exactly what is listed above to happen.",
            pending.approval
        ),
        requested_schema: schema,
    }
}

/// Only an explicit accept with `approve: true` approves.
fn elicitation_approves(answer: &ElicitResult) -> bool {
    answer.action == ElicitationAction::Accept
        && answer
            .content
            .as_ref()
            .and_then(|c| c.get(APPROVE))
            .is_some_and(|v| v == &Value::Bool(true))
}

/// The same rule for an `input_required` answer, which arrives as raw JSON.
fn response_approves(response: Option<&Value>) -> bool {
    response.is_some_and(|r| {
        r.get("action").and_then(Value::as_str) == Some("accept")
            && r.pointer(&format!("/content/{APPROVE}")) == Some(&Value::Bool(true))
    })
}

fn declined(pending: &PendingApproval) -> CallToolResponse {
    let mut response = pending.response.clone();
    if let Some(obj) = response.as_object_mut() {
        obj.insert("status".into(), json!("declined"));
        obj.insert(
            "next_step".into(),
            json!("The user did not approve; nothing was changed."),
        );
    }
    CallToolResult::structured(response).into()
}

fn declined_without_plan() -> CallToolResponse {
    CallToolResult::structured(json!({
        "status": "declined",
        "next_step": "The user did not approve; nothing was changed.",
    }))
    .into()
}

fn failure(error: ToolError) -> CallToolResponse {
    render::outcome(CallOutcome::failure(error)).into()
}

fn ask_failed(name: &str, why: &str) -> ToolError {
    ToolError::new(
        ErrorKind::Confirmation,
        "confirmation_request_failed",
        format!(
            "the request asking the user to approve {name} failed ({why}); nothing was changed"
        ),
    )
    .with_hint(format!(
        "call {name} again when the user can answer the confirmation request"
    ))
}

/// Why nothing was written when the user answered anything but `approve: true`.
fn not_approved(name: &str) -> ToolError {
    ToolError::new(
        ErrorKind::Confirmation,
        "not_approved",
        format!("the user did not approve {name}; nothing was changed"),
    )
}

fn keeps_changing(name: &str) -> ToolError {
    ToolError::new(
        ErrorKind::Stale,
        "plan_keeps_changing",
        format!(
            "the state {name} depends on changed after each of {MAX_ROUNDS} approvals; nothing was written"
        ),
    )
    .with_hint(format!(
        "find out what keeps changing it, then call {name} again"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(action: ElicitationAction, content: Option<Value>) -> ElicitResult {
        let mut r = ElicitResult::new(action);
        r.content = content;
        r
    }

    #[test]
    fn only_an_explicit_accept_with_approve_true_approves() {
        use ElicitationAction::*;
        assert!(elicitation_approves(&answer(
            Accept,
            Some(json!({"approve": true}))
        )));
        for (action, content) in [
            (Accept, None),
            (Accept, Some(json!({}))),
            (Accept, Some(json!({"approve": "true"}))),
            (Accept, Some(json!({"approve": 1}))),
            (Accept, Some(json!({"approve": false}))),
            (Decline, Some(json!({"approve": true}))),
            (Cancel, Some(json!({"approve": true}))),
        ] {
            assert!(
                !elicitation_approves(&answer(action.clone(), content.clone())),
                "{action:?} {content:?}"
            );
        }
    }

    #[test]
    fn raw_input_responses_follow_the_same_rule() {
        assert!(response_approves(Some(
            &json!({"action": "accept", "content": {"approve": true}})
        )));
        for r in [
            json!({"action": "accept"}),
            json!({"action": "accept", "content": {}}),
            json!({"action": "accept", "content": {"approve": "yes"}}),
            json!({"action": "decline", "content": {"approve": true}}),
            json!({"content": {"approve": true}}),
        ] {
            assert!(!response_approves(Some(&r)), "{r}");
        }
        assert!(!response_approves(None));
    }

    #[test]
    fn the_request_shows_the_host_approval_and_says_when_it_replaces_a_stale_plan() {
        let pending = PendingApproval {
            response: json!({}),
            approval: "APPROVAL REQUEST …".into(),
            fingerprint: "f".into(),
            after_stale: true,
        };
        let ElicitRequestParams::FormElicitationParams { message, .. } = request("t", &pending)
        else {
            panic!("a form request")
        };
        assert!(message.starts_with("The state changed"), "{message}");
        assert!(message.contains("APPROVAL REQUEST …"));
    }
}
