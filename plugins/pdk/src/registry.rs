//! The tool registry: typed handlers in, the manifest and name-based dispatch out.

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error;
use crate::host::{Ctx, Host};
use crate::plan::Planned;
use crate::schema::{self, Side};
use crate::write::Intent;
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

/// How one tool presents itself to clients. Fill it with struct update syntax
/// (`ToolSpec { name: LIST, title: "…", description: "…", ..ToolSpec::default() }`) or the
/// builder (`ToolSpec::new(LIST, "…", "…").category("dns")`); what is left out has a default.
///
/// The model reads `name`, `description` and the argument schema of every offered tool in
/// every conversation: keep the description to what it does and when to use it, two short
/// sentences. The host adds the two-phase explanation to write tools; do not repeat it.
/// `testing::check_manifest` (feature `testing`) holds each tool to the budget.
#[derive(Debug, Clone, Copy, Default)]
pub struct ToolSpec {
    /// `^[a-zA-Z0-9_-]{1,64}$`, unique across plugins; a `const` of the plugin (see
    /// [`crate::tool_names!`]) so undo references and tests cannot drift.
    pub name: &'static str,
    /// Short human title.
    pub title: &'static str,
    /// What it does and when to use it, for the model.
    pub description: &'static str,
    /// Grouping shown in the catalog, e.g. `dns`, `domain`, `audit` (default: none).
    pub category: &'static str,
    /// The toolset an operator enables it with (`--toolsets`); `None` = the plugin id.
    pub toolset: Option<&'static str>,
    /// Words a user may say for this tool that its name and description lack (`spf`,
    /// `dmarc`, `mx`…); `infomaniak_help` matches them. The host has no word list of its own.
    pub keywords: &'static [&'static str],
    /// Whether calling it twice with the same arguments has the same effect as once (read
    /// tools always are).
    pub idempotent: bool,
    /// The tool that undoes this one, if any.
    pub undo_tool: Option<&'static str>,
}

impl ToolSpec {
    /// A tool with its name, title and description; everything else defaults.
    pub const fn new(name: &'static str, title: &'static str, description: &'static str) -> Self {
        ToolSpec {
            name,
            title,
            description,
            category: "",
            toolset: None,
            keywords: &[],
            idempotent: false,
            undo_tool: None,
        }
    }

    /// Sets the catalog category.
    pub const fn category(mut self, category: &'static str) -> Self {
        self.category = category;
        self
    }

    /// Puts the tool in a finer toolset than the plugin's.
    pub const fn toolset(mut self, toolset: &'static str) -> Self {
        self.toolset = Some(toolset);
        self
    }

    /// Words `infomaniak_help` matches.
    pub const fn keywords(mut self, keywords: &'static [&'static str]) -> Self {
        self.keywords = keywords;
        self
    }

    /// Marks a write tool idempotent.
    pub const fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Names the tool that undoes this one.
    pub const fn undo(mut self, tool: &'static str) -> Self {
        self.undo_tool = Some(tool);
        self
    }
}

/// Declares a plugin's tool names as constants, plus `ALL_TOOLS` listing them, so specs,
/// undo references, hints and tests share one spelling and
/// `testing::check_manifest` (feature `testing`) can check that each one is registered.
///
/// ```ignore
/// ikmcp_pdk::tool_names! {
///     /// Lists the records of a zone.
///     LIST_RECORDS = "infomaniak_dns_list_records";
/// }
/// ```
#[macro_export]
macro_rules! tool_names {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)+) => {
        $($(#[$doc])* pub const $name: &str = $value;)+
        /// Every tool name of the plugin, in declaration order.
        pub const ALL_TOOLS: &[&str] = &[$($name),+];
    };
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
/// Uncompacted: what schemars generates (for [`input_schema`] and [`output_schema`]).
pub fn schema_of<T: JsonSchema>() -> Value {
    let mut value = schemars::SchemaGenerator::default()
        .into_root_schema_for::<T>()
        .to_value();
    if let Some(obj) = value.as_object_mut() {
        obj.remove("title");
    }
    value
}

/// The argument schema of `T` as the manifest carries it (compact, self-contained).
pub fn input_schema<T: JsonSchema>() -> Value {
    schema::compact(schema_of::<T>(), Side::Input)
}

/// The result schema of `T` as the manifest carries it (compact, shared `$defs`).
pub fn output_schema<T: JsonSchema>() -> Value {
    schema::compact(schema_of::<T>(), Side::Output)
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
            input_schema: input_schema::<A>,
            output_schema: output_schema::<O>,
            handler: Handler::Read(invoke),
        });
        self
    }

    /// Adds a write (or destructive) tool: `plan` reads the current state and returns a
    /// plan or a no-change result; `apply` performs the confirmed plan and returns the result.
    pub fn write<A, O>(
        self,
        spec: ToolSpec,
        effect: Effect,
        plan: fn(&Ctx, A) -> Result<Planned<O>, ToolError>,
        apply: fn(&Ctx, A, &Plan) -> Result<O, ToolError>,
    ) -> Self
    where
        A: DeserializeOwned + JsonSchema + 'static,
        O: Serialize + JsonSchema + 'static,
    {
        self.push_write(spec, effect, plan, apply)
    }

    /// Adds a write tool whose arguments are checked once, into the [`Intent`] `I` that
    /// both `plan` and `apply` take: the validation is written in one place and the two
    /// phases cannot read the arguments differently.
    pub fn write_intent<I, O>(
        self,
        spec: ToolSpec,
        effect: Effect,
        plan: fn(&Ctx, &I) -> Result<Planned<O>, ToolError>,
        apply: fn(&Ctx, &I, &Plan) -> Result<O, ToolError>,
    ) -> Self
    where
        I: Intent + 'static,
        O: Serialize + JsonSchema + 'static,
    {
        self.push_write(
            spec,
            effect,
            move |ctx, args: I::Args| plan(ctx, &I::from_args(args)?),
            move |ctx, args: I::Args, confirmed| apply(ctx, &I::from_args(args)?, confirmed),
        )
    }

    fn push_write<A, O>(
        mut self,
        spec: ToolSpec,
        effect: Effect,
        plan: impl Fn(&Ctx, A) -> Result<Planned<O>, ToolError> + 'static,
        apply: impl Fn(&Ctx, A, &Plan) -> Result<O, ToolError> + 'static,
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
            input_schema: input_schema::<A>,
            output_schema: output_schema::<O>,
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
                    idempotent: t.spec.idempotent || t.effect == Effect::Read,
                    category: t.spec.category.to_string(),
                    undo_tool: t.spec.undo_tool.map(str::to_string),
                    toolset: t.spec.toolset.map(str::to_string),
                    keywords: t.spec.keywords.iter().map(|k| k.to_string()).collect(),
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
        ToolSpec::new(name, "T", "D").category("test").idempotent()
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
        .write_intent(
            ToolSpec {
                name: "shout",
                title: "Shout",
                description: "D",
                ..ToolSpec::default()
            },
            Effect::Write,
            plan_shout,
            apply_shout,
        )
    }

    /// Checked once: trimmed, non-empty, upper-cased.
    struct Shout(String);

    impl Intent for Shout {
        type Args = EchoArgs;

        fn from_args(args: EchoArgs) -> Result<Self, ToolError> {
            let text = args.text.trim();
            if text.is_empty() {
                return Err(error::invalid_args("text is empty", "say something"));
            }
            Ok(Shout(text.to_uppercase()))
        }
    }

    fn plan_shout(ctx: &Ctx, s: &Shout) -> Result<Planned<EchoOut>, ToolError> {
        PlanBuilder::new(ctx.role(), format!("shout {}", s.0))
            .effect(
                HttpMethod::Put,
                "/t",
                Some(&serde_json::json!({"text": s.0})),
            )
            .confirm()
    }

    fn apply_shout(_: &Ctx, s: &Shout, p: &Plan) -> Result<EchoOut, ToolError> {
        Ok(EchoOut {
            text: format!("{} after {}", s.0, p.summary),
        })
    }

    #[test]
    fn plan_and_apply_share_the_intent_checked_once() {
        let r = registry();
        let host = MockHost::new();
        let p = match r.plan(&host, "shout", r#"{"text":"  hi "}"#).unwrap() {
            PlanOutcome::NeedsConfirmation(p) => p,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(p.summary, "shout HI");
        assert_eq!(
            r.apply(&host, "shout", r#"{"text":"  hi "}"#, &p).unwrap(),
            r#"{"text":"HI after shout HI"}"#
        );
        for phase in ["plan", "apply"] {
            let outcome = match phase {
                "plan" => r.plan(&host, "shout", r#"{"text":"  "}"#).map(|_| ()),
                _ => r.apply(&host, "shout", r#"{"text":"  "}"#, &p).map(|_| ()),
            };
            assert!(
                matches!(outcome, Err(ToolError::InvalidArgs(ref d)) if d.message == "text is empty"),
                "{phase}: {outcome:?}"
            );
        }
        let m = r.manifest();
        let shout = m.tools.iter().find(|t| t.name == "shout").unwrap();
        let input: Value = serde_json::from_str(&shout.input_schema).unwrap();
        assert_eq!(
            input["required"],
            serde_json::json!(["text"]),
            "the schema is the args'"
        );
    }

    #[test]
    fn defaults_fill_what_a_spec_leaves_out_and_reads_are_idempotent() {
        let m = registry().manifest();
        let shout = m.tools.iter().find(|t| t.name == "shout").unwrap();
        assert_eq!(shout.category, "");
        assert!(!shout.idempotent);
        assert_eq!(shout.undo_tool, None);
        let read = Registry::new(PluginInfo {
            id: "t",
            version: "1.0.0",
            description: "test",
            roles: &[],
        })
        .read(ToolSpec::new("r", "R", "D"), echo)
        .manifest();
        assert!(read.tools[0].idempotent, "a read is idempotent by nature");
        let spec = ToolSpec::new("w", "W", "D")
            .toolset("dns-records")
            .keywords(&["mx", "spf"])
            .undo("u");
        assert_eq!(spec.toolset, Some("dns-records"));
        assert_eq!(spec.keywords, &["mx", "spf"]);
        assert_eq!(spec.undo_tool, Some("u"));
        let m = Registry::new(PluginInfo {
            id: "t",
            version: "1.0.0",
            description: "test",
            roles: &[],
        })
        .read(spec, echo)
        .read(ToolSpec::new("plain", "P", "D"), echo)
        .manifest();
        assert_eq!(m.tools[0].toolset.as_deref(), Some("dns-records"));
        assert_eq!(m.tools[0].keywords, ["mx", "spf"]);
        assert_eq!(
            m.tools[1].toolset, None,
            "absent: the host files it under the plugin id"
        );
        assert!(m.tools[1].keywords.is_empty());
    }

    #[test]
    fn manifest_lists_tools_with_object_schemas() {
        let m = registry().manifest();
        assert_eq!(m.contract_version, CONTRACT_VERSION);
        assert_eq!(m.roles, vec!["infomaniak-api".to_string()]);
        assert_eq!(m.tools.len(), 3);
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
