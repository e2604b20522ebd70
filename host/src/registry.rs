//! The tool registry: every tool the server offers, built once at start-up.
//!
//! It merges the built-in tools and the enabled plugins' manifests, applies operator
//! policy (allow/deny lists, read-only mode), validates names (a duplicate is a load
//! error), fixes a deterministic order, compiles each tool's argument validator and
//! derives what MCP clients see (schemas, annotations).
//!
//! Every tool of a plugin belongs to a toolset (the plugin id, or a finer one the plugin
//! declares); operators choose toolsets the same way they allow or deny tools. Built-ins
//! belong to none and are always offered.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::contract::{Effect, ErrorKind, ToolDescriptor, ToolError};
use crate::sandbox::LoadedPlugin;
use crate::secret_args::{SecretArgs, declares_secrets};

/// The argument clients send back to confirm a plan.
pub const CONFIRMATION_ARG: &str = "confirmation_token";

/// The one place a write tool's surface explains the two-phase contract (the server
/// instructions say it at length); plugins leave it out of their descriptions. Short,
/// because the model reads it once per write tool: with the `confirmation_token` property
/// it stays within what `ikmcp_pdk::testing::manifest::HOST_WRITE_ALLOWANCE_BYTES` allows.
pub const WRITE_SUFFIX: &str = " Two-phase: plan, then confirmation_token.";

/// Who runs a tool.
#[derive(Clone)]
pub enum Runner {
    /// A built-in host tool.
    Builtin,
    /// A sandboxed plugin.
    Plugin(Arc<LoadedPlugin>),
}

/// One tool as offered to clients.
pub struct RegisteredTool {
    /// What the tool is (as its plugin, or the host, described it).
    pub descriptor: ToolDescriptor,
    /// Plugin id, or `builtin`.
    pub plugin_id: String,
    /// The toolset an operator enables it with; `None` for built-ins (always offered).
    pub toolset: Option<String>,
    /// Who runs it.
    pub runner: Runner,
    /// The input schema clients see (write tools gain `confirmation_token`).
    pub advertised_input: Value,
    /// The output schema clients see (write tools: plan or applied result).
    pub advertised_output: Value,
    validator: jsonschema::Validator,
    known_keys: Option<BTreeSet<String>>,
    /// Whether the manifest's input schema marks any argument secret (`writeOnly`).
    has_secrets: bool,
}

impl RegisteredTool {
    /// The secret values of a call's `args`: those of the properties the tool's manifest
    /// marks `"writeOnly": true` (read from the manifest the host loaded, never from the
    /// plugin at call time). See [`crate::secret_args`].
    pub fn secret_args(&self, args: &Value) -> SecretArgs {
        if self.has_secrets {
            SecretArgs::collect(&self.descriptor.input_schema, args)
        } else {
            SecretArgs::default()
        }
    }

    /// Checks `args` (without `confirmation_token`) against the tool's schema, rejecting
    /// unknown fields; the error lists every problem and what the schema expects.
    /// A `null` optional argument counts as absent: compact schemas type optionals without
    /// `null`, and models often send `null` for "not given".
    pub fn validate_args(&self, args: &Value) -> Result<(), ToolError> {
        let args = &*without_null_optionals(args, &self.descriptor.input_schema);
        let mut problems: Vec<String> = Vec::new();
        if let (Some(keys), Some(obj)) = (&self.known_keys, args.as_object()) {
            for key in obj.keys().filter(|k| !keys.contains(*k)) {
                problems.push(format!("unknown argument `{key}`"));
            }
        }
        for error in self.validator.iter_errors(args) {
            let at = error.instance_path().to_string();
            let place = if at.is_empty() {
                "arguments".into()
            } else {
                format!("`{at}`")
            };
            problems.push(format!("{place}: {error}"));
        }
        if problems.is_empty() {
            return Ok(());
        }
        let expected = self
            .known_keys
            .as_ref()
            .map(|k| k.iter().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        Err(ToolError::new(
            ErrorKind::InvalidArgs,
            crate::contract::INVALID_ARGS,
            format!("invalid arguments for {}: {}", self.descriptor.name, problems.join("; ")),
        )
        .with_hint(format!(
            "fix the arguments and call again; accepted arguments: {expected}. Use infomaniak_explain with tool={} for the full schema",
            self.descriptor.name
        )))
    }
}

/// `args` without the top-level `null` values of the schema's optional properties (an
/// unknown argument stays, to be reported).
fn without_null_optionals<'a>(args: &'a Value, schema: &Value) -> Cow<'a, Value> {
    let Some(obj) = args.as_object() else {
        return Cow::Borrowed(args);
    };
    let optional = |k: &str| {
        schema["properties"].get(k).is_some()
            && !schema["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|v| v == k))
    };
    if !obj.iter().any(|(k, v)| v.is_null() && optional(k)) {
        return Cow::Borrowed(args);
    }
    Cow::Owned(Value::Object(
        obj.iter()
            .filter(|(k, v)| !v.is_null() || !optional(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    ))
}

/// A toolset as offered: its name and its offered tools, in listing order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Toolset {
    /// The name operators and `infomaniak_enable_toolset` use.
    pub name: String,
    /// The plugin its tools come from.
    pub plugin: String,
    /// The offered tools in it.
    pub tools: Vec<String>,
}

/// A plugin as registered (for `plugins list` and the catalog).
#[derive(Debug, Clone, serde::Serialize)]
pub struct PluginInfo {
    /// Plugin id.
    pub id: String,
    /// Plugin version.
    pub version: String,
    /// Description.
    pub description: String,
    /// sha256 of the component.
    pub sha256: String,
    /// Offered tool names.
    pub tools: Vec<String>,
}

/// Operator policy applied while building the registry.
#[derive(Debug, Clone, Default)]
pub struct ToolPolicy {
    /// Hide write and destructive tools.
    pub read_only: bool,
    /// If non-empty, only these tools.
    pub allow: Vec<String>,
    /// Never these tools.
    pub deny: Vec<String>,
    /// If set, only the tools of these toolsets (built-ins are always offered).
    pub toolsets: Option<Vec<String>>,
    /// Dynamic discovery: `tools/list` starts with the built-ins, and a session enables
    /// toolsets (among those offered) with `infomaniak_enable_toolset`.
    pub dynamic: bool,
}

impl ToolPolicy {
    fn offers(&self, tool: &ToolDescriptor, toolset: Option<&str>) -> bool {
        if self.read_only && tool.effect.is_mutation() {
            return false;
        }
        if let (Some(chosen), Some(toolset)) = (&self.toolsets, toolset)
            && !chosen.iter().any(|c| c == toolset)
        {
            return false;
        }
        if !self.allow.is_empty() && !self.allow.iter().any(|a| a == &tool.name) {
            return false;
        }
        !self.deny.iter().any(|d| d == &tool.name)
    }
}

/// Why the registry could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The operator chose a toolset no loaded plugin has.
    #[error(
        "unknown toolset {name:?} (from --toolsets, IKMCP_TOOLSETS or [tools] toolsets); known toolsets: {}",
        if known.is_empty() { "none (no plugin is loaded)".to_string() } else { known.join(", ") }
    )]
    UnknownToolset {
        /// The name given.
        name: String,
        /// Every toolset of the loaded plugins.
        known: Vec<String>,
    },
    /// Two plugins put tools in the same toolset: choosing it would give one plugin's tools
    /// to an operator who meant the other's.
    #[error(
        "toolset {toolset:?} is declared by both plugin {first} and plugin {second}; a toolset belongs to one plugin: disable one of them"
    )]
    SharedToolset {
        /// The toolset.
        toolset: String,
        /// The plugin that declared it first.
        first: String,
        /// The other plugin.
        second: String,
    },
    /// Two tools share a name.
    #[error(
        "tool name {name} is declared by both {first} and {second}; disable one of the plugins"
    )]
    Duplicate {
        /// The name.
        name: String,
        /// The first owner.
        first: String,
        /// The second owner.
        second: String,
    },
    /// A name breaks the naming rule.
    #[error("tool name {name:?} from {owner} is invalid: names must match ^[a-zA-Z0-9_-]{{1,64}}$")]
    BadName {
        /// The name.
        name: String,
        /// The owner.
        owner: String,
    },
    /// A schema is not usable.
    #[error("tool {name} from {owner} has an invalid input schema: {reason}")]
    BadSchema {
        /// The tool.
        name: String,
        /// The owner.
        owner: String,
        /// Why.
        reason: String,
    },
}

/// A candidate tool: descriptor, owner (plugin id or `builtin`), toolset, runner.
type Entry = (ToolDescriptor, String, Option<String>, Runner);

/// Every offered tool, in a deterministic order.
pub struct Registry {
    tools: Vec<RegisteredTool>,
    index: HashMap<String, usize>,
    plugins: Vec<PluginInfo>,
    dynamic: bool,
}

impl Registry {
    /// Builds the registry: built-ins first, then plugins by id, each plugin's tools in
    /// manifest order; policy decides what is offered.
    pub fn build(
        builtins: Vec<ToolDescriptor>,
        mut plugins: Vec<Arc<LoadedPlugin>>,
        policy: &ToolPolicy,
    ) -> Result<Self, RegistryError> {
        plugins.sort_by(|a, b| a.manifest().id.cmp(&b.manifest().id));
        let mut entries: Vec<Entry> = builtins
            .into_iter()
            .map(|d| (d, "builtin".to_string(), None, Runner::Builtin))
            .collect();
        for plugin in &plugins {
            let manifest = plugin.manifest();
            for tool in &manifest.tools {
                entries.push((
                    tool.clone(),
                    manifest.id.clone(),
                    Some(toolset_of(tool, &manifest.id)),
                    Runner::Plugin(plugin.clone()),
                ));
            }
        }
        let mut registry = Self::offer(entries, policy)?;
        registry.plugins = plugins
            .iter()
            .map(|p| {
                let m = p.manifest();
                PluginInfo {
                    id: m.id.clone(),
                    version: m.version.clone(),
                    description: m.description.clone(),
                    sha256: p.sha256().to_string(),
                    tools: m
                        .tools
                        .iter()
                        .filter(|t| registry.index.contains_key(&t.name))
                        .map(|t| t.name.clone())
                        .collect(),
                }
            })
            .collect();
        Ok(registry)
    }

    /// Applies `policy` to every candidate tool, in order (no plugin list yet).
    fn offer(entries: Vec<Entry>, policy: &ToolPolicy) -> Result<Self, RegistryError> {
        let mut toolset_owners: HashMap<&str, &str> = HashMap::new();
        for (_, owner, toolset, _) in &entries {
            let Some(toolset) = toolset else { continue };
            let first = *toolset_owners.entry(toolset).or_insert(owner);
            if first != owner {
                return Err(RegistryError::SharedToolset {
                    toolset: toolset.clone(),
                    first: first.to_string(),
                    second: owner.clone(),
                });
            }
        }
        if let Some(chosen) = &policy.toolsets {
            let known: BTreeSet<&str> = entries.iter().filter_map(|e| e.2.as_deref()).collect();
            if let Some(unknown) = chosen.iter().find(|c| !known.contains(c.as_str())) {
                return Err(RegistryError::UnknownToolset {
                    name: unknown.clone(),
                    known: known.iter().map(|k| k.to_string()).collect(),
                });
            }
        }
        let mut tools = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut owners: HashMap<String, String> = HashMap::new();
        for (descriptor, owner, toolset, runner) in entries {
            if !crate::contract::valid_tool_name(&descriptor.name) {
                return Err(RegistryError::BadName {
                    name: descriptor.name,
                    owner,
                });
            }
            if let Some(first) = owners.insert(descriptor.name.clone(), owner.clone()) {
                return Err(RegistryError::Duplicate {
                    name: descriptor.name,
                    first,
                    second: owner,
                });
            }
            if !policy.offers(&descriptor, toolset.as_deref()) {
                continue;
            }
            let tool = register(descriptor, owner, toolset, runner)?;
            index.insert(tool.descriptor.name.clone(), tools.len());
            tools.push(tool);
        }
        Ok(Registry {
            tools,
            index,
            plugins: Vec::new(),
            dynamic: policy.dynamic,
        })
    }

    /// Whether sessions start with the built-ins only and enable toolsets themselves.
    pub fn dynamic(&self) -> bool {
        self.dynamic
    }

    /// The offered toolsets, by name, each with its offered tools.
    pub fn toolsets(&self) -> Vec<Toolset> {
        let mut sets: Vec<Toolset> = Vec::new();
        for tool in &self.tools {
            let Some(name) = &tool.toolset else { continue };
            match sets.iter_mut().find(|s| &s.name == name) {
                Some(set) => set.tools.push(tool.descriptor.name.clone()),
                None => sets.push(Toolset {
                    name: name.clone(),
                    plugin: tool.plugin_id.clone(),
                    tools: vec![tool.descriptor.name.clone()],
                }),
            }
        }
        sets.sort_by(|a, b| a.name.cmp(&b.name));
        sets
    }

    /// The offered tools, in order.
    pub fn tools(&self) -> &[RegisteredTool] {
        &self.tools
    }

    /// One offered tool by name.
    pub fn get(&self, name: &str) -> Option<&RegisteredTool> {
        self.index.get(name).map(|&i| &self.tools[i])
    }

    /// The loaded plugins.
    pub fn plugins(&self) -> &[PluginInfo] {
        &self.plugins
    }

    /// The MCP tool list.
    pub fn mcp_tools(&self) -> Vec<rmcp::model::Tool> {
        self.tools.iter().map(to_mcp_tool).collect()
    }
}

/// The toolset of a plugin's tool: the one it declares, else its plugin id (the contract
/// layer resolves an absent toolset to the plugin id when it reads the manifest).
fn toolset_of(tool: &ToolDescriptor, plugin: &str) -> String {
    if tool.toolset.is_empty() {
        plugin.to_string()
    } else {
        tool.toolset.clone()
    }
}

fn register(
    descriptor: ToolDescriptor,
    owner: String,
    toolset: Option<String>,
    runner: Runner,
) -> Result<RegisteredTool, RegistryError> {
    let bad = |reason: String| RegistryError::BadSchema {
        name: descriptor.name.clone(),
        owner: owner.clone(),
        reason,
    };
    let schema = &descriptor.input_schema;
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err(bad("the input schema must be an object schema".into()));
    }
    let validator = jsonschema::validator_for(schema).map_err(|e| bad(e.to_string()))?;
    let open = matches!(schema.get("additionalProperties"), Some(v) if v != &Value::Bool(false));
    let known_keys = (!open).then(|| {
        schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    });
    let mutation = descriptor.effect.is_mutation();
    let advertised_input = without_closed_marker(&if mutation {
        with_confirmation_arg(schema)
    } else {
        schema.clone()
    });
    let advertised_output = if mutation {
        write_output_schema(&descriptor.output_schema)
    } else {
        descriptor.output_schema.clone()
    };
    let has_secrets = declares_secrets(schema);
    Ok(RegisteredTool {
        has_secrets,
        descriptor,
        plugin_id: owner,
        toolset,
        runner,
        advertised_input,
        advertised_output,
        validator,
        known_keys,
    })
}

/// The advertised input schema without a top-level `"additionalProperties": false`: the
/// host refuses unknown arguments itself (`known_keys`, from the schema as the plugin
/// declared it) and the server instructions say so once, so the marker would cost every
/// tool 7 tokens the model does not need.
fn without_closed_marker(schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Some(obj) = schema.as_object_mut()
        && obj.get("additionalProperties") == Some(&Value::Bool(false))
    {
        obj.remove("additionalProperties");
    }
    schema
}

fn with_confirmation_arg(schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Some(obj) = schema.as_object_mut() {
        let props = obj
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(props) = props.as_object_mut() {
            props.insert(CONFIRMATION_ARG.into(), json!({"type": "string"}));
        }
    }
    schema
}

/// Output of a write tool: a plan to confirm, the applied result, or nothing to do. The
/// plugin's result schema goes under `result`; its `$defs` move to the root, where its
/// `#/$defs/…` references point.
fn write_output_schema(result: &Value) -> Value {
    let mut result = result.clone();
    let mut defs = Map::new();
    if let Some(obj) = result.as_object_mut() {
        obj.remove("$schema");
        if let Some(Value::Object(d)) = obj.remove("$defs") {
            defs = d;
        }
    }
    let mut schema = json!({
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "string", "enum": ["plan", "applied", "no_change", "declined"]},
            "summary": {"type": "string"},
            "changes": {"type": "array", "items": {"type": "object"}},
            "effects": {"type": "array", "items": {"type": "object"}},
            "confirmation_token": {"type": "string"},
            "token_expires_at": {"type": "string"},
            "next_step": {"type": "string"},
            "result": result,
        }
    });
    if !defs.is_empty() {
        schema["$defs"] = Value::Object(defs);
    }
    schema
}

fn to_mcp_tool(tool: &RegisteredTool) -> rmcp::model::Tool {
    use rmcp::model::{Tool, ToolAnnotations};
    let d = &tool.descriptor;
    let object = |v: &Value| Arc::new(v.as_object().cloned().unwrap_or_default());
    let builtin = matches!(tool.runner, Runner::Builtin);
    let annotations = ToolAnnotations::new()
        .read_only(d.effect == Effect::Read)
        .destructive(d.effect == Effect::Destructive)
        .idempotent(d.idempotent)
        .open_world(!builtin);
    let mut description = d.description.clone();
    if d.effect.is_mutation() {
        description.push_str(WRITE_SUFFIX);
    }
    Tool::new(d.name.clone(), description, object(&tool.advertised_input))
        .with_title(d.title.clone())
        .with_raw_output_schema(object(&tool.advertised_output))
        .with_annotations(annotations)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str, effect: Effect) -> ToolDescriptor {
        ToolDescriptor {
            name: name.into(),
            title: name.into(),
            description: "d".into(),
            input_schema: json!({"type":"object","properties":{"zone":{"type":"string"}},"required":["zone"],"additionalProperties":false}),
            output_schema: json!({"type":"object"}),
            effect,
            idempotent: false,
            category: "dns".into(),
            undo_tool: None,
            toolset: "dns".into(),
            keywords: Vec::new(),
        }
    }

    #[test]
    fn order_is_deterministic_and_policy_applies() {
        let policy = ToolPolicy {
            read_only: true,
            deny: vec!["b_read".into()],
            ..ToolPolicy::default()
        };
        let reg = Registry::build(
            vec![
                tool("a_read", Effect::Read),
                tool("b_read", Effect::Read),
                tool("c_write", Effect::Write),
            ],
            vec![],
            &policy,
        )
        .unwrap();
        let names: Vec<_> = reg
            .tools()
            .iter()
            .map(|t| t.descriptor.name.as_str())
            .collect();
        assert_eq!(names, ["a_read"]);
        assert!(reg.get("c_write").is_none());
    }

    #[test]
    fn duplicates_and_bad_names_are_load_errors() {
        let err = Registry::build(
            vec![tool("x", Effect::Read), tool("x", Effect::Read)],
            vec![],
            &ToolPolicy::default(),
        )
        .err()
        .unwrap();
        assert!(matches!(err, RegistryError::Duplicate { .. }));
        let err = Registry::build(
            vec![tool("bad/name", Effect::Read)],
            vec![],
            &ToolPolicy::default(),
        )
        .err()
        .unwrap();
        assert!(matches!(err, RegistryError::BadName { .. }));
    }

    #[test]
    fn write_tools_gain_the_confirmation_argument_and_annotations() {
        let reg = Registry::build(
            vec![tool("w", Effect::Destructive)],
            vec![],
            &ToolPolicy::default(),
        )
        .unwrap();
        let t = &reg.tools()[0];
        assert!(t.advertised_input["properties"][CONFIRMATION_ARG].is_object());
        let mcp = reg.mcp_tools().remove(0);
        let ann = mcp.annotations.unwrap();
        assert_eq!(ann.destructive_hint, Some(true));
        assert_eq!(ann.read_only_hint, Some(false));
    }

    #[test]
    fn a_write_tools_result_schema_keeps_its_references_resolvable() {
        let mut t = tool("w", Effect::Write);
        t.output_schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"record": {"$ref": "#/$defs/Record"}},
            "required": ["record"],
            "$defs": {"Record": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}}
        });
        let reg = Registry::build(vec![t], vec![], &ToolPolicy::default()).unwrap();
        let schema = &reg.tools()[0].advertised_output;
        assert!(
            schema.pointer("/$defs/Record").is_some(),
            "#/$defs/Record resolves from the root"
        );
        assert!(schema["properties"]["result"].get("$defs").is_none());
        let validator = jsonschema::validator_for(schema).expect("every $ref resolves");
        assert!(validator.is_valid(&json!({"status": "applied", "result": {"record": {"id": 1}}})));
        assert!(
            !validator.is_valid(&json!({"status": "applied", "result": {"record": {"id": "x"}}}))
        );
        assert!(validator.is_valid(&json!({"status": "plan", "confirmation_token": "t"})));
    }

    #[test]
    fn unknown_and_wrong_arguments_are_explained() {
        let reg = Registry::build(
            vec![tool("r", Effect::Read)],
            vec![],
            &ToolPolicy::default(),
        )
        .unwrap();
        let t = reg.get("r").unwrap();
        assert!(t.validate_args(&json!({"zone":"example.com"})).is_ok());
        let err = t
            .validate_args(&json!({"zone": 3, "zonee": "x"}))
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgs);
        assert!(
            err.message.contains("unknown argument `zonee`"),
            "{}",
            err.message
        );
        assert!(err.message.contains("/zone"), "{}", err.message);
        assert!(err.hint.unwrap().contains("zone"));
        let err = t.validate_args(&json!({})).unwrap_err();
        assert!(err.message.contains("zone"), "{}", err.message);
    }

    /// Candidates as plugins would give them: `(name, effect, toolset)`.
    fn plugin_entries(tools: &[(&str, Effect, &str)]) -> Vec<Entry> {
        tools
            .iter()
            .map(|(name, effect, set)| {
                (
                    tool(name, *effect),
                    set.to_string(),
                    Some(set.to_string()),
                    Runner::Builtin,
                )
            })
            .collect()
    }

    fn offered(reg: &Registry) -> Vec<&str> {
        reg.tools()
            .iter()
            .map(|t| t.descriptor.name.as_str())
            .collect()
    }

    #[test]
    fn toolsets_choose_tools_and_builtins_stay() {
        let mut entries = vec![(
            tool("help", Effect::Read),
            "builtin".into(),
            None,
            Runner::Builtin,
        )];
        entries.extend(plugin_entries(&[
            ("dns_list", Effect::Read, "dns"),
            ("dns_add", Effect::Write, "dns"),
            ("mail_list", Effect::Read, "mail"),
        ]));
        let policy = ToolPolicy {
            toolsets: Some(vec!["mail".into()]),
            ..ToolPolicy::default()
        };
        let reg = Registry::offer(entries.clone(), &policy).unwrap();
        assert_eq!(offered(&reg), ["help", "mail_list"]);
        let sets = reg.toolsets();
        assert_eq!(sets.len(), 1);
        assert_eq!(sets[0].name, "mail");
        assert_eq!(sets[0].tools, ["mail_list"]);

        let all = Registry::offer(entries.clone(), &ToolPolicy::default()).unwrap();
        let names: Vec<String> = all.toolsets().into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["dns", "mail"]);
        assert_eq!(all.get("help").unwrap().toolset, None);

        let read_only = ToolPolicy {
            read_only: true,
            toolsets: Some(vec!["dns".into()]),
            ..ToolPolicy::default()
        };
        let reg = Registry::offer(entries, &read_only).unwrap();
        assert_eq!(offered(&reg), ["help", "dns_list"], "policy still applies");
    }

    #[test]
    fn an_unknown_toolset_names_the_known_ones() {
        let entries = plugin_entries(&[
            ("dns_list", Effect::Read, "dns"),
            ("m", Effect::Read, "mail"),
        ]);
        let policy = ToolPolicy {
            toolsets: Some(vec!["dns".into(), "kdrive".into()]),
            ..ToolPolicy::default()
        };
        let err = Registry::offer(entries, &policy).err().unwrap();
        let text = err.to_string();
        assert!(text.contains("unknown toolset \"kdrive\""), "{text}");
        assert!(text.contains("known toolsets: dns, mail"), "{text}");
        let err = Registry::offer(vec![], &policy).err().unwrap();
        assert!(
            err.to_string().contains("none (no plugin is loaded)"),
            "{err}"
        );
    }

    #[test]
    fn a_null_optional_argument_counts_as_absent() {
        let mut t = tool("r", Effect::Read);
        t.input_schema = json!({"type":"object","properties":{"zone":{"type":"string"},"ttl":{"type":"integer"}},"required":["zone"],"additionalProperties":false});
        let reg = Registry::build(vec![t], vec![], &ToolPolicy::default()).unwrap();
        let r = reg.get("r").unwrap();
        assert!(
            r.validate_args(&json!({"zone": "a.ch", "ttl": null}))
                .is_ok()
        );
        assert!(
            r.validate_args(&json!({"zone": null})).is_err(),
            "required stays required"
        );
        assert!(
            r.validate_args(&json!({"zone": "a.ch", "ttl": "x"}))
                .is_err()
        );
        assert!(
            r.validate_args(&json!({"zone": "a.ch", "nope": null}))
                .is_err(),
            "unknown stays unknown"
        );
    }

    /// What the host adds to a write tool's model-visible surface (the suffix and the
    /// `confirmation_token` property) must fit the allowance the PDK's manifest check
    /// counts for it (`ikmcp_pdk::testing::manifest::HOST_WRITE_ALLOWANCE_BYTES`, 90).
    #[test]
    fn host_additions_to_write_tools_fit_the_pdk_allowance() {
        let visible = |t: &rmcp::model::Tool| {
            json!({"name": t.name, "description": t.description, "inputSchema": t.input_schema})
                .to_string()
                .len()
        };
        let reg = Registry::build(
            vec![tool("r", Effect::Read), tool("w", Effect::Write)],
            vec![],
            &ToolPolicy::default(),
        )
        .unwrap();
        let mcp = reg.mcp_tools();
        let overhead = visible(&mcp[1]) - visible(&mcp[0]);
        assert!(
            overhead <= 90,
            "the host adds {overhead} bytes to a write tool"
        );
        let description = mcp[1].description.as_deref().unwrap();
        assert!(description.ends_with(WRITE_SUFFIX));
        assert!(description.contains(CONFIRMATION_ARG));
    }

    /// A plugin cannot slip its tools into another plugin's toolset: `--toolsets dns` (or
    /// enabling `dns`) must not offer a third party's tools.
    #[test]
    fn a_toolset_belongs_to_one_plugin() {
        let mut entries = plugin_entries(&[("dns_list", Effect::Read, "dns")]);
        entries.push((
            tool("evil_read", Effect::Read),
            "evil".into(),
            Some("dns".into()),
            Runner::Builtin,
        ));
        let policy = ToolPolicy {
            toolsets: Some(vec!["dns".into()]),
            ..ToolPolicy::default()
        };
        let err = Registry::offer(entries, &policy)
            .err()
            .expect("refused at load");
        assert!(matches!(err, RegistryError::SharedToolset { .. }), "{err}");
        assert!(
            err.to_string().contains("plugin dns and plugin evil"),
            "{err}"
        );
    }
}
