//! Table-driven OpenAPI conformance. A domain's spec coverage is a table of [`Case`]s (see
//! `dns.rs`, `core.rs`), run in order against one tenant; every answer is checked against
//! the official document by [`check`], the one function that decides. A new domain adds a
//! table file and one line in `openapi_conformance.rs`.

pub mod cloud;
pub mod core;
pub mod dns;
pub mod drive;
pub mod kchat;
pub mod mail;
pub mod utilities;

use std::collections::{BTreeMap, BTreeSet};

use ikmcp_sim::SimHandle;
use ikmcp_sim::openapi::{self, Spec};
use serde_json::Value;

use crate::common::{call, schema_errors};

/// Which credential a case sends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Token {
    /// The full-scope token.
    Full,
    /// The `dns:read`-only token.
    DnsRead,
    /// A token the tenant does not know.
    Invalid,
}

/// How a case's answer is checked (besides its status).
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// Against the operation's response schema for the status. A status the operation does
    /// not declare must be an error: checked against `ErrorResponse` and the error envelope.
    Spec,
    /// Deviation where the spec's `data` is wrong: `data` is a non-empty list whose items
    /// match `component`; with `paged`, the pagination keys match `Pagination`.
    Items {
        component: &'static str,
        paged: bool,
    },
    /// Deviation: `return=total` on a list whose schema allows only an array; `data` is a count.
    Count,
    /// A set-up request: its status only.
    Status,
}

/// One request of a table and what its answer must be.
#[derive(Debug, Clone)]
pub struct Case {
    /// HTTP method.
    pub method: &'static str,
    /// The spec operation the answer is checked against (`/2/zones/{zone}`).
    pub operation: &'static str,
    /// The request path (with query); `{name}` is filled from the run's variables.
    pub path: String,
    /// JSON body; `{name}` in its strings is filled too.
    pub body: Option<Value>,
    /// Credential sent.
    pub token: Token,
    /// Status the answer must have.
    pub status: u16,
    /// How the answer is checked.
    pub check: Check,
    /// Saves the value at this JSON pointer of the answer as a variable.
    pub save: Option<(&'static str, &'static str)>,
    /// The value at this JSON pointer of the answer must equal this.
    pub expect: Option<(&'static str, Value)>,
}

/// A case with the full token, checked against the spec.
pub fn case(
    method: &'static str,
    operation: &'static str,
    path: impl Into<String>,
    status: u16,
) -> Case {
    Case {
        method,
        operation,
        path: path.into(),
        body: None,
        token: Token::Full,
        status,
        check: Check::Spec,
        save: None,
        expect: None,
    }
}

/// A GET case.
pub fn get(operation: &'static str, path: impl Into<String>, status: u16) -> Case {
    case("GET", operation, path, status)
}

impl Case {
    /// With this JSON body.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// With this credential.
    pub fn token(mut self, token: Token) -> Self {
        self.token = token;
        self
    }

    /// Checked this way.
    pub fn check(mut self, check: Check) -> Self {
        self.check = check;
        self
    }

    /// Saving `pointer` of the answer as variable `name`.
    pub fn save(mut self, name: &'static str, pointer: &'static str) -> Self {
        self.save = Some((name, pointer));
        self
    }

    /// Expecting `value` at `pointer` of the answer.
    pub fn expect(mut self, pointer: &'static str, value: Value) -> Self {
        self.expect = Some((pointer, value));
        self
    }
}

/// Variables of a run (`z` → `example-shop.ch`, `id` → a saved record id…).
pub type Vars = BTreeMap<String, String>;

/// Operations answered with a success and checked against their own schema.
pub type Covered = BTreeSet<(String, String)>;

fn fill(text: &str, vars: &Vars) -> String {
    vars.iter().fold(text.to_string(), |t, (k, v)| {
        t.replace(&format!("{{{k}}}"), v)
    })
}

fn fill_json(value: &Value, vars: &Vars) -> Value {
    match value {
        Value::String(s) => Value::String(fill(s, vars)),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill_json(v, vars)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill_json(v, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Runs `cases` in order; the first answer that fails its check stops the run with a
/// message naming the case. Returns what was covered.
pub async fn run(
    sim: &SimHandle,
    spec: Spec,
    cases: &[Case],
    vars: &mut Vars,
) -> Result<Covered, String> {
    let mut covered = Covered::new();
    for (i, case) in cases.iter().enumerate() {
        let case = &filled(case, vars);
        let path = case.path.clone();
        let body = case.body.clone();
        let token = match case.token {
            Token::Full => sim.token().to_string(),
            Token::DnsRead => sim.readonly_dns_token().to_string(),
            Token::Invalid => "not-a-token".to_string(),
        };
        let (status, _, answer) = call(sim, &token, case.method, &path, body).await;
        check(spec, case, status, &answer).map_err(|e| {
            format!(
                "case {i}: {} {path} -> {status}: {e}\nbody: {answer:#}",
                case.method
            )
        })?;
        if let Some((name, pointer)) = case.save {
            let value = answer
                .pointer(pointer)
                .ok_or_else(|| format!("case {i}: nothing at {pointer} to save as {name}"))?;
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            vars.insert(name.to_string(), text);
        }
        if status < 300 && case.check == Check::Spec {
            covered.insert((case.operation.to_string(), case.method.to_string()));
        }
    }
    Ok(covered)
}

/// Whether `spec` declares a response schema for `status` of the operation.
pub fn declared(spec: Spec, operation: &str, method: &str, status: u16) -> bool {
    openapi::document(spec)
        .pointer(&openapi::response_pointer(operation, method, status))
        .is_some()
}

fn valid(spec: Spec, pointer: &str, body: &Value) -> Result<(), String> {
    let errors = schema_errors(spec, pointer, body)?;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("violates {pointer}:\n{}", errors.join("\n")))
    }
}

/// Checks one answer of `case` against the spec: the decision every table relies on.
pub fn check(spec: Spec, case: &Case, status: u16, body: &Value) -> Result<(), String> {
    if status != case.status {
        return Err(format!("status {status}, expected {}", case.status));
    }
    match &case.check {
        Check::Status => {}
        Check::Spec if declared(spec, case.operation, case.method, status) => valid(
            spec,
            &openapi::response_pointer(case.operation, case.method, status),
            body,
        )?,
        Check::Spec if status < 400 => {
            return Err(format!(
                "success status {status} is not declared for {} {}",
                case.method, case.operation
            ));
        }
        Check::Spec => {
            valid(spec, "/components/schemas/ErrorResponse", body)?;
            let error = &body["error"];
            let envelope = body["result"] == "error"
                && error["code"].as_str().is_some_and(|c| !c.is_empty())
                && error["description"].as_str().is_some_and(|d| !d.is_empty())
                && error["errors"].is_array();
            if !envelope {
                return Err(
                    "not the error envelope {result, error{code, description, errors}}".into(),
                );
            }
        }
        Check::Items { component, paged } => {
            if body["result"] != "success" {
                return Err("result is not success".into());
            }
            let items = body["data"].as_array().ok_or("data is not a list")?;
            if items.is_empty() {
                return Err("data is an empty list".into());
            }
            for item in items {
                valid(spec, &format!("/components/schemas/{component}"), item)?;
            }
            if *paged {
                valid(spec, "/components/schemas/Pagination", body)?;
            }
        }
        Check::Count => {
            if !body["data"].is_u64() {
                return Err("data is not a count".into());
            }
        }
    }
    if let Some((pointer, want)) = &case.expect
        && body.pointer(pointer) != Some(want)
    {
        return Err(format!(
            "{pointer} is {:?}, expected {want}",
            body.pointer(pointer)
        ));
    }
    Ok(())
}

/// `case` with its variables filled in (path, body, expected value).
fn filled(case: &Case, vars: &Vars) -> Case {
    Case {
        path: fill(&case.path, vars),
        body: case.body.as_ref().map(|b| fill_json(b, vars)),
        expect: case
            .expect
            .as_ref()
            .map(|(pointer, want)| (*pointer, fill_json(want, vars))),
        ..case.clone()
    }
}

/// The operations of `spec` (method and path) that `covered` misses.
pub fn uncovered(spec: Spec, covered: &Covered) -> Vec<String> {
    let doc = openapi::document(spec);
    let mut missing = Vec::new();
    for (path, ops) in doc["paths"].as_object().into_iter().flatten() {
        for method in ops
            .as_object()
            .into_iter()
            .flatten()
            .map(|(m, _)| m)
            .filter(|m| ["get", "post", "put", "delete", "patch"].contains(&m.as_str()))
        {
            let key = (path.clone(), method.to_ascii_uppercase());
            if !covered.contains(&key) {
                missing.push(format!("{} {path}", key.1));
            }
        }
    }
    missing
}
