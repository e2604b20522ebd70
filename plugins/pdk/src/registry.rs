//! The tool registry: typed handlers in, the manifest and name-based dispatch out.

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error;
use crate::host::{Ctx, Host};
use crate::plan::Planned;
use crate::{CONTRACT_VERSION, Effect, Manifest, Plan, PlanOutcome, ToolDescriptor, ToolError};

/// Who the plugin is, for the manifest.
pub struct PluginInfo {
    /// Stable lowercase id (e.g. `dns`).
    pub id: &'static str,
    /// Plugin version (semver), usually `env!("CARGO_PKG_VERSION")`.
    pub version: &'static str,
    /// One line for operators.
    pub description: &'static str,
    /// Upstream roles the plugin needs; the first is the one [`Ctx::api`] uses.
    pub roles: &'static [&'static str],
}

/// How one tool presents itself to clients.
pub struct ToolSpec {
    /// `^[a-zA-Z0-9_-]{1,64}$`, unique across plugins.
    pub name: &'static str,
    /// Short human title.
    pub title: &'static str,
    /// What it does and when to use it, for the model.
    pub description: &'static str,
    /// Grouping, e.g. `dns`, `domain`, `audit`.
    pub category: &'static str,
    /// Whether calling it twice with the same arguments has the same effect as once.
    pub idempotent: bool,
    /// The tool that undoes this one, if any.
    pub undo_tool: Option<&'static str>,
}

type InvokeFn = Box<dyn Fn(&Ctx, &str) -> Result<String, ToolError>>;
type PlanFn = Box<dyn Fn(&Ctx, &str) -> Result<PlanOutcome, ToolError>>;
type ApplyFn = Box<dyn Fn(&Ctx, &str, &Plan) -> Result<String, ToolError>>;
type SchemaFn = fn() -> Value;

enum Handler {
    Read(InvokeFn),
    Write { plan: PlanFn, apply: ApplyFn },
}

struct Entry {
    spec: ToolSpec,
    effect: Effect,
    input_schema: SchemaFn,
    output_schema: SchemaFn,
    handler: Handler,
}

/// All tools of a plugin. Build it with [`Registry::read`] and [`Registry::write`], one call
/// per tool, in listing order.
pub struct Registry {
    info: PluginInfo,
    tools: Vec<Entry>,
}

/// The JSON Schema (draft 2020-12) of `T`, as a JSON object without the Rust type name.
pub fn schema_of<T: JsonSchema>() -> Value {
    let mut value = schemars::SchemaGenerator::default()
        .into_root_schema_for::<T>()
        .to_value();
    if let Some(obj) = value.as_object_mut() {
        obj.remove("title");
    }
    value
}

fn parse_args<A: DeserializeOwned + JsonSchema>(tool: &str, args: &str) -> Result<A, ToolError> {
    serde_json::from_str(args).map_err(|e| {
        error::invalid_args(
            format!("invalid arguments for {tool}: {e}"),
            args_hint::<A>(),
        )
    })
}

/// "expected fields: a (required), b" from the argument schema, for invalid-args hints.
fn args_hint<A: JsonSchema>() -> String {
    let schema = schema_of::<A>();
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let fields: Vec<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| {
            p.keys()
                .map(|k| {
                    if required.contains(&k.as_str()) {
                        format!("{k} (required)")
                    } else {
                        k.clone()
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if fields.is_empty() {
        "this tool takes no arguments: pass {}".to_string()
    } else {
        format!(
            "fix the arguments to match the input schema; expected fields: {}",
            fields.join(", ")
        )
    }
}

fn to_json<O: Serialize>(value: &O) -> Result<String, ToolError> {
    serde_json::to_string(value)
        .map_err(|e| error::internal(format!("cannot serialize the result: {e}")))
}

impl Registry {
    /// An empty registry for the plugin described by `info`.
    pub fn new(info: PluginInfo) -> Self {
        Registry {
            info,
            tools: Vec::new(),
        }
    }

    /// Adds a read tool: `handler` gets the parsed arguments and returns the typed result.
    pub fn read<A, O>(
        mut self,
        spec: ToolSpec,
        handler: fn(&Ctx, A) -> Result<O, ToolError>,
    ) -> Self
    where
        A: DeserializeOwned + JsonSchema + 'static,
        O: Serialize + JsonSchema + 'static,
    {
        let name = spec.name;
        let invoke: InvokeFn =
            Box::new(move |ctx, args| to_json(&handler(ctx, parse_args::<A>(name, args)?)?));
        self.tools.push(Entry {
            spec,
            effect: Effect::Read,
            input_schema: schema_of::<A>,
            output_schema: schema_of::<O>,
            handler: Handler::Read(invoke),
        });
        self
    }

    /// Adds a write (or destructive) tool: `plan` reads the current state and returns a
    /// plan or a no-change result; `apply` performs the confirmed plan and returns the result.
    pub fn write<A, O>(
        mut self,
        spec: ToolSpec,
        effect: Effect,
        plan: fn(&Ctx, A) -> Result<Planned<O>, ToolError>,
        apply: fn(&Ctx, A, &Plan) -> Result<O, ToolError>,
    ) -> Self
    where
        A: DeserializeOwned + JsonSchema + 'static,
        O: Serialize + JsonSchema + 'static,
    {
        let name = spec.name;
        let plan_fn: PlanFn =
            Box::new(
                move |ctx, args| match plan(ctx, parse_args::<A>(name, args)?)? {
                    Planned::Confirm(p) => Ok(PlanOutcome::NeedsConfirmation(p)),
                    Planned::NoChange(result) => Ok(PlanOutcome::NoChange(to_json(&result)?)),
                },
            );
        let apply_fn: ApplyFn = Box::new(move |ctx, args, confirmed| {
            to_json(&apply(ctx, parse_args::<A>(name, args)?, confirmed)?)
        });
        self.tools.push(Entry {
            spec,
            effect,
            input_schema: schema_of::<A>,
            output_schema: schema_of::<O>,
            handler: Handler::Write {
                plan: plan_fn,
                apply: apply_fn,
            },
        });
        self
    }

    /// The manifest `describe` returns, schemas included.
    pub fn manifest(&self) -> Manifest {
        Manifest {
            id: self.info.id.to_string(),
            version: self.info.version.to_string(),
            contract_version: CONTRACT_VERSION.to_string(),
            description: self.info.description.to_string(),
            roles: self.info.roles.iter().map(|r| r.to_string()).collect(),
            tools: self
                .tools
                .iter()
                .map(|t| ToolDescriptor {
                    name: t.spec.name.to_string(),
                    title: t.spec.title.to_string(),
                    description: t.spec.description.to_string(),
                    input_schema: (t.input_schema)().to_string(),
                    output_schema: (t.output_schema)().to_string(),
                    effect: t.effect,
                    idempotent: t.spec.idempotent,
                    category: t.spec.category.to_string(),
                    undo_tool: t.spec.undo_tool.map(str::to_string),
                    // Contract 0.2 fields; ToolSpec does not carry them yet, so every
                    // tool is in the plugin's own toolset and has no keywords.
                    toolset: None,
                    keywords: Vec::new(),
                })
                .collect(),
        }
    }

    fn ctx<'a>(&'a self, host: &'a dyn Host) -> Ctx<'a> {
        Ctx::new(host, self.info.roles.first().copied().unwrap_or(""))
    }

    fn entry(&self, tool: &str) -> Result<&Entry, ToolError> {
        self.tools
            .iter()
            .find(|t| t.spec.name == tool)
            .ok_or_else(|| {
                error::not_found(
                    format!("plugin {} has no tool named {tool}", self.info.id),
                    "list the tools (tools/list) and use one of their names",
                )
            })
    }

    /// Runs read tool `tool` with JSON `args`.
    pub fn invoke(&self, host: &dyn Host, tool: &str, args: &str) -> Result<String, ToolError> {
        match &self.entry(tool)?.handler {
            Handler::Read(f) => f(&self.ctx(host), args),
            Handler::Write { .. } => Err(error::invalid_args(
                format!("{tool} is a write tool; it runs through plan and apply, not invoke"),
                "call it through the host's confirmation flow",
            )),
        }
    }

    /// Plans write tool `tool` with JSON `args`.
    pub fn plan(&self, host: &dyn Host, tool: &str, args: &str) -> Result<PlanOutcome, ToolError> {
        match &self.entry(tool)?.handler {
            Handler::Write { plan, .. } => plan(&self.ctx(host), args),
            Handler::Read(_) => Err(read_tool_error(tool)),
        }
    }

    /// Applies the confirmed plan of write tool `tool` with JSON `args`.
    pub fn apply(
        &self,
        host: &dyn Host,
        tool: &str,
        args: &str,
        confirmed: &Plan,
    ) -> Result<String, ToolError> {
        match &self.entry(tool)?.handler {
            Handler::Write { apply, .. } => apply(&self.ctx(host), args, confirmed),
            Handler::Read(_) => Err(read_tool_error(tool)),
        }
    }
}

fn read_tool_error(tool: &str) -> ToolError {
    error::invalid_args(
        format!("{tool} is a read tool; it has no plan or apply"),
        "call it directly (invoke)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpMethod;
    use crate::plan::PlanBuilder;
    use crate::testing::MockHost;
    use schemars::JsonSchema;
    use serde::Deserialize;

    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct EchoArgs {
        /// Text to echo.
        text: String,
        /// Repeat count.
        times: Option<u32>,
    }

    #[derive(Serialize, JsonSchema)]
    struct EchoOut {
        text: String,
    }

    fn echo(_: &Ctx, a: EchoArgs) -> Result<EchoOut, ToolError> {
        Ok(EchoOut {
            text: a.text.repeat(a.times.unwrap_or(1) as usize),
        })
    }

    fn plan_set(ctx: &Ctx, a: EchoArgs) -> Result<Planned<EchoOut>, ToolError> {
        if a.text == "same" {
            return Ok(Planned::NoChange(EchoOut { text: a.text }));
        }
        let body = serde_json::json!({"text": a.text});
        PlanBuilder::new(ctx.role(), "set text")
            .effect(HttpMethod::Put, "/t", Some(&body))
            .confirm()
    }

    fn apply_set(_: &Ctx, a: EchoArgs, p: &Plan) -> Result<EchoOut, ToolError> {
        Ok(EchoOut {
            text: format!("{} via {}", a.text, p.effects[0].path_pattern),
        })
    }

    fn spec(name: &'static str) -> ToolSpec {
        ToolSpec {
            name,
            title: "T",
            description: "D",
            category: "test",
            idempotent: true,
            undo_tool: None,
        }
    }

    fn registry() -> Registry {
        Registry::new(PluginInfo {
            id: "t",
            version: "1.0.0",
            description: "test",
            roles: &["infomaniak-api"],
        })
        .read(spec("echo"), echo)
        .write(spec("set"), Effect::Write, plan_set, apply_set)
    }

    #[test]
    fn manifest_lists_tools_with_object_schemas() {
        let m = registry().manifest();
        assert_eq!(m.contract_version, CONTRACT_VERSION);
        assert_eq!(m.roles, vec!["infomaniak-api".to_string()]);
        assert_eq!(m.tools.len(), 2);
        let input: Value = serde_json::from_str(&m.tools[0].input_schema).unwrap();
        assert_eq!(input["type"], "object");
        assert_eq!(input["additionalProperties"], false);
        assert_eq!(input["required"], serde_json::json!(["text"]));
        assert_eq!(input["properties"]["text"]["description"], "Text to echo.");
        assert!(input.get("title").is_none());
        let output: Value = serde_json::from_str(&m.tools[0].output_schema).unwrap();
        assert_eq!(output["type"], "object");
        assert_eq!(m.tools[1].effect, Effect::Write);
    }

    #[test]
    fn dispatches_by_name_and_kind() {
        let r = registry();
        let host = MockHost::new();
        assert_eq!(
            r.invoke(&host, "echo", r#"{"text":"ab","times":2}"#)
                .unwrap(),
            r#"{"text":"abab"}"#
        );
        assert!(matches!(
            r.invoke(&host, "set", r#"{"text":"x"}"#),
            Err(ToolError::InvalidArgs(_))
        ));
        assert!(matches!(
            r.plan(&host, "echo", r#"{"text":"x"}"#),
            Err(ToolError::InvalidArgs(_))
        ));
        assert!(matches!(
            r.invoke(&host, "nope", "{}"),
            Err(ToolError::NotFound(_))
        ));
        match r.plan(&host, "set", r#"{"text":"x"}"#).unwrap() {
            PlanOutcome::NeedsConfirmation(p) => {
                assert_eq!(
                    r.apply(&host, "set", r#"{"text":"x"}"#, &p).unwrap(),
                    r#"{"text":"x via /t"}"#
                )
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            r.plan(&host, "set", r#"{"text":"same"}"#).unwrap(),
            PlanOutcome::NoChange(r#"{"text":"same"}"#.into())
        );
    }

    #[test]
    fn bad_args_become_invalid_args_with_a_hint() {
        let r = registry();
        let host = MockHost::new();
        for args in [
            r#"{"txt":"a"}"#,
            r#"{"text":1}"#,
            "not json",
            r#"{"text":"a","extra":1}"#,
        ] {
            match r.invoke(&host, "echo", args) {
                Err(ToolError::InvalidArgs(d)) => {
                    assert!(
                        d.message.starts_with("invalid arguments for echo"),
                        "{}",
                        d.message
                    );
                    assert_eq!(
                        d.hint.as_deref(),
                        Some(
                            "fix the arguments to match the input schema; expected fields: text (required), times"
                        )
                    );
                }
                other => panic!("{args}: unexpected {other:?}"),
            }
        }
    }
}
