//! One tool call's upstream capability: the budget, the granted roles, request hygiene,
//! the phase policy, and the record of every request.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use serde_json::Value;

use super::effects::{EffectLedger, Write};
use super::hygiene::{build_url, check_body, plugin_headers};
use super::transport::{ByteBudget, Outgoing};
use super::unsafe_reads;
use super::write_gate::FirstWriteGate;
use super::{Gateway, Phase, RecordLog, RequestOutcome, RequestRecord, SessionSpec};
use crate::contract::request_rules::{check_path, shown};
use crate::contract::{
    BoxFuture, PlannedEffect, UpstreamError, UpstreamPort, UpstreamRequest, UpstreamResponse,
};

/// What the call's phase lets through.
enum PhasePolicy {
    /// Read or plan: GET/HEAD only; the name is for messages.
    ReadOnly(&'static str),
    /// Apply: GET/HEAD plus each confirmed effect once.
    Apply(EffectLedger),
}

/// The upstream capability of one tool call; handed to the sandbox as its [`UpstreamPort`].
pub struct CallSession {
    gateway: Arc<Gateway>,
    plugin_id: String,
    granted_roles: Vec<String>,
    policy: PhasePolicy,
    max_requests: u32,
    requests: u32,
    exhaustion_recorded: bool,
    bytes: ByteBudget,
    records: RecordLog,
    /// The apply start limit's gate, checked before the first write is sent.
    first_write: Option<Arc<FirstWriteGate>>,
}

impl CallSession {
    /// A fresh session: nothing sent, every effect unused.
    pub(crate) fn new(gateway: Arc<Gateway>, spec: SessionSpec) -> Self {
        let policy = match spec.phase {
            Phase::Read => PhasePolicy::ReadOnly("read"),
            Phase::Plan => PhasePolicy::ReadOnly("plan"),
            Phase::Apply(effects) => PhasePolicy::Apply(EffectLedger::new(effects)),
        };
        CallSession {
            gateway,
            plugin_id: spec.plugin_id,
            granted_roles: spec.granted_roles,
            policy,
            max_requests: spec.max_requests,
            requests: 0,
            exhaustion_recorded: false,
            bytes: ByteBudget {
                cap: spec.max_response_bytes,
                used: 0,
            },
            records: Arc::new(Mutex::new(Vec::new())),
            first_write: None,
        }
    }

    /// Makes every write of this (apply) session pass `gate` right before it is first
    /// sent: the guard closes it when the apply start limit is up.
    pub fn gate_first_write(&mut self, gate: Arc<FirstWriteGate>) {
        self.first_write = Some(gate);
    }

    /// The requests made so far (shared; still readable after the session is dropped).
    pub fn records(&self) -> RecordLog {
        self.records.clone()
    }

    /// The confirmed plan's effects no request used, in plan order (empty outside the
    /// apply phase): the caller audits a partially applied plan with it.
    pub fn unused_effects(&self) -> Vec<PlannedEffect> {
        match &self.policy {
            PhasePolicy::ReadOnly(_) => Vec::new(),
            PhasePolicy::Apply(ledger) => ledger.unused(),
        }
    }

    /// Sends one request under the session's rules.
    ///
    /// Every request counts against the budget, refused ones too, so a plugin cannot spin
    /// on denials; once the budget is used up only the first refusal is recorded. A write
    /// admitted under a planned effect uses that effect even if the network then fails:
    /// it may have reached the upstream, so it is never sent twice.
    pub async fn send(
        &mut self,
        request: UpstreamRequest,
    ) -> Result<UpstreamResponse, UpstreamError> {
        let started = Instant::now();
        let mut record = RequestRecord {
            role: request.role.clone(),
            method: request.method.as_str().to_owned(),
            path: self
                .gateway
                .redact(shown(request.path.split('?').next().unwrap_or_default())),
            query: self.gateway.redact(shown(&query_string(&request.query))),
            status: None,
            ms: 0,
            wait_us: 0,
            attempts: 0,
            outcome: RequestOutcome::Sent,
            effect: None,
        };
        if self.requests >= self.max_requests {
            let err = UpstreamError::BudgetExhausted(self.max_requests);
            if !self.exhaustion_recorded {
                self.exhaustion_recorded = true;
                record.outcome = RequestOutcome::Denied(err.to_string());
                self.finish(record, started);
            }
            return Err(err);
        }
        self.requests += 1;
        if let Some(advice) = self.missing_credential(&request.role) {
            record.outcome = RequestOutcome::Unauthenticated(advice.clone());
            self.finish(record, started);
            return Err(UpstreamError::Denied(advice));
        }
        let outgoing = match self.admit(&request) {
            Ok((outgoing, effect)) => {
                record.effect = effect.and_then(|i| u32::try_from(i + 1).ok());
                outgoing
            }
            Err(err) => {
                let err = self.scrub(err);
                record.outcome = RequestOutcome::Denied(err.to_string());
                self.finish(record, started);
                return Err(err);
            }
        };
        let waiting = Instant::now();
        let delivery = self.gateway.deliver(&outgoing, &mut self.bytes).await;
        record.wait_us = u64::try_from(waiting.elapsed().as_micros()).unwrap_or(u64::MAX);
        record.status = delivery.status;
        record.attempts = delivery.attempts;
        let mut result = delivery
            .result
            .map(|response| self.gateway.scrub_response(response))
            .map_err(|err| self.scrub(err));
        if let Ok(response) = &result
            && let Some(why) = outgoing.auth.no_longer_accepted(response)
        {
            // The answer is the upstream's login page or its refusal of the session, not
            // data: the plugin gets the operator's advice instead, never the page.
            let advice = self.renew_advice(&request.role, why);
            record.outcome = RequestOutcome::Unauthenticated(advice.clone());
            result = Err(UpstreamError::Denied(advice));
        } else if let Err(err) = &result {
            record.outcome = RequestOutcome::Failed(err.to_string());
        }
        self.finish(record, started);
        result
    }

    /// Checks the request against the roles, the hygiene rules and the phase, and builds
    /// what goes on the wire. The phase comes last, so a refused request never uses up
    /// a planned effect.
    /// With the outgoing request, the index of the planned effect a write was admitted
    /// under (none for a read).
    fn admit(
        &mut self,
        request: &UpstreamRequest,
    ) -> Result<(Outgoing, Option<usize>), UpstreamError> {
        let role = &request.role;
        if !self.granted_roles.contains(role) {
            return Err(UpstreamError::Denied(format!(
                "the upstream role {role} was not granted to plugin {id}: a plugin gets a role \
                 it declares if the operator grants it ([plugins.roles] {id} = [\"{role}\"]) or, \
                 for a first-party plugin, if its hash is listed in the SHA256SUMS beside it \
                 (`make plugins` writes it)",
                id = self.plugin_id
            )));
        }
        let Some(config) = self.gateway.config.roles.get(role) else {
            return Err(UpstreamError::Denied(format!(
                "the upstream role {role} was not granted to plugin {}: the host has no \
                 role of that name configured",
                self.plugin_id
            )));
        };
        if let Some(methods) = &config.methods
            && !methods.contains(&request.method)
        {
            let allowed: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
            return Err(UpstreamError::Denied(format!(
                "{} is not allowed on the upstream role {role}: the operator allows only {} \
                 (roles.{role}.methods)",
                request.method.as_str(),
                allowed.join(", ")
            )));
        }
        let invalid = UpstreamError::InvalidRequest;
        check_path(&request.path).map_err(invalid)?;
        let body = check_body(request.method, request.body.as_deref()).map_err(invalid)?;
        // A placeholder the request leaves out takes the operator's value (the default
        // kChat team); planned effects are completed the same way, so they still match.
        let base_params = config.base_url.complete(&request.base_params);
        let base = config.base_url.resolve(&base_params).map_err(invalid)?;
        let url = build_url(&base, &request.path, &request.query).map_err(invalid)?;
        let mut headers =
            plugin_headers(&request.headers, &config.allowed_headers).map_err(invalid)?;
        let Some(auth) = &config.auth else {
            // Unreachable: `missing_credential` refused the request already.
            return Err(UpstreamError::Denied(format!(
                "the upstream role {role} has no credential"
            )));
        };
        for name in auth.header_names() {
            headers.remove(name);
        }
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        let mut effect = None;
        // A GET of the host's table of side-effecting reads is a write here (unsafe_reads).
        let changes = unsafe_reads::side_effect(role, request.method, &request.path);
        let write = !request.method.is_read() || changes.is_some();
        if write {
            // Said on every refusal of a side-effecting read, so the reader knows why a GET
            // was held back.
            let read = changes
                .map(|c| format!(" (this {c}, so the host treats it as a write)"))
                .unwrap_or_default();
            match &mut self.policy {
                PhasePolicy::ReadOnly(phase) => {
                    return Err(UpstreamError::Denied(format!(
                        "{} {} on role {role}{read}: writes are only allowed while applying a \
                         confirmed plan (this call is in the {phase} phase)",
                        request.method.as_str(),
                        shown(&request.path)
                    )));
                }
                PhasePolicy::Apply(ledger) => {
                    let admitted = ledger.admit(Write {
                        role,
                        method: request.method,
                        path: &request.path,
                        query: &request.query,
                        base_params: &base_params,
                        body: body.as_ref(),
                    });
                    effect = Some(admitted.map_err(|why| UpstreamError::Denied(why + &read))?);
                }
            }
        }
        let outgoing = Outgoing {
            method: request.method,
            url,
            headers,
            // What goes on the wire is the host's serialization of the body the guard
            // compared, never the plugin's text: duplicate keys or odd spacing cannot make
            // the upstream read something else than what was checked.
            body: body.as_ref().map(Value::to_string),
            credential: auth.key(role),
            auth: auth.clone(),
            role: role.clone(),
            write,
            first_write: self.first_write.clone().filter(|_| write),
        };
        Ok((outgoing, effect))
    }

    /// The advice of a granted, configured role that has no credential: every request on
    /// it is refused before it leaves the host (start-up reported the same advice).
    fn missing_credential(&self, role: &str) -> Option<String> {
        if !self.granted_roles.iter().any(|r| r == role) {
            return None;
        }
        let config = self.gateway.config.roles.get(role)?;
        config.auth.is_none().then(|| {
            config.advice.missing.clone().unwrap_or_else(|| {
                format!(
                    "the upstream role {role} has no credential configured; configure \
                     roles.{role}.auth (see the README, Roles) and restart the ikmcp server"
                )
            })
        })
    }

    /// The advice when `role`'s upstream stopped accepting its credential (`why`).
    fn renew_advice(&self, role: &str, why: &str) -> String {
        let renew = self
            .gateway
            .config
            .roles
            .get(role)
            .and_then(|c| c.advice.renew.clone())
            .unwrap_or_else(|| {
                format!("\n  Renew the credential of roles.{role}.auth and restart ikmcp.")
            });
        format!(
            "the upstream role {role} no longer accepts its credential ({why}), so the request \
             was refused and its answer is not passed on.{renew}"
        )
    }

    /// The error with any credential value removed from its text.
    fn scrub(&self, err: UpstreamError) -> UpstreamError {
        let gateway = &self.gateway;
        match err {
            UpstreamError::Denied(m) => UpstreamError::Denied(gateway.redact(m)),
            UpstreamError::Network(m) => UpstreamError::Network(gateway.redact(m)),
            UpstreamError::InvalidRequest(m) => UpstreamError::InvalidRequest(gateway.redact(m)),
            other => other,
        }
    }

    /// Stamps the elapsed time, logs the request and appends it to the record log.
    fn finish(&self, mut record: RequestRecord, started: Instant) {
        record.ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::debug!(
            plugin = %self.plugin_id,
            role = %record.role,
            method = %record.method,
            path = %record.path,
            status = ?record.status,
            ms = record.ms,
            attempts = record.attempts,
            outcome = ?record.outcome,
            "upstream request"
        );
        self.records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(record);
    }
}

/// The query as it goes on the wire (form-encoded, in order), for the record.
fn query_string(query: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish()
}

impl UpstreamPort for CallSession {
    fn send(
        &mut self,
        request: UpstreamRequest,
    ) -> BoxFuture<'_, Result<UpstreamResponse, UpstreamError>> {
        Box::pin(CallSession::send(self, request))
    }
}
