//! Compact JSON Schemas for the manifest: what schemars generates, minus what costs a
//! model's context without helping the model or a client validate.
//!
//! A model reads every tool's input schema in every conversation, so each byte is paid
//! again and again (issue 8 measured ≈ 247 tokens per tool before this). The rules:
//!
//! - string enums are a plain `enum`, not a `oneOf` of `const` branches (per-variant doc
//!   comments go: say what the values mean in the property's one sentence);
//! - no `format` (clients ignore `uint32`, `int64`…) nor the bounds schemars derives from
//!   it (`"minimum": 0`), no `$schema`, no `title`;
//! - no root description: the argument struct's doc ("Arguments of …") repeats the tool's;
//! - a description is its first paragraph, on one line;
//! - optionals are plain optional properties: single-type dialects (Gemini's) reject
//!   `"type": [T, "null"]`. Inputs drop `null` altogether (the host treats a `null`
//!   optional argument as absent); outputs, which do carry `null`, keep it as an `anyOf`
//!   branch, the portable spelling;
//! - a value that may be any JSON (a `serde_json::Value` field) says so: an `anyOf` of every
//!   JSON type, because strict linters (the MCP Inspector's `--strict`) flag a schema without
//!   a single validation keyword as a mistake;
//! - input schemas have every `$ref` inlined, so clients that resolve no `$ref` still see
//!   the shape; output schemas keep their shared `$defs` (a type used by several fields or
//!   tools is described once).

use serde_json::{Map, Value, json};

/// Keywords whose value is one subschema.
const ONE_SCHEMA: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
];
/// Keywords whose value is a list of subschemas.
const SCHEMA_LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to subschemas.
const SCHEMA_MAP: &[&str] = &["properties", "patternProperties", "$defs", "definitions"];

/// Which side of a tool a schema describes: what the model sends or what it gets back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Arguments: `null` is dropped and every `$ref` inlined.
    Input,
    /// Results: `null` stays as an `anyOf` branch and `$defs` stay shared.
    Output,
}

/// The compact form of a generated schema (see the module doc for the rules).
pub fn compact(mut schema: Value, side: Side) -> Value {
    if let Some(root) = schema.as_object_mut() {
        root.remove("description");
    }
    if side == Side::Input {
        inline_refs(&mut schema);
    }
    compact_node(&mut schema, side);
    schema
}

fn compact_node(node: &mut Value, side: Side) {
    let Some(obj) = node.as_object_mut() else {
        return;
    };
    if let Some(Value::String(format)) = obj.remove("format") {
        drop_implied_bounds(obj, &format);
    }
    for key in ["$schema", "title"] {
        obj.remove(key);
    }
    if obj.get("default").is_some_and(Value::is_null) {
        obj.remove("default");
    }
    if let Some(Value::String(text)) = obj.get_mut("description") {
        *text = first_paragraph(text);
    }
    for key in ONE_SCHEMA {
        if let Some(sub) = obj.get_mut(*key) {
            compact_node(sub, side);
        }
    }
    for key in SCHEMA_LIST {
        if let Some(Value::Array(subs)) = obj.get_mut(*key) {
            subs.iter_mut().for_each(|s| compact_node(s, side));
        }
    }
    for key in SCHEMA_MAP {
        if let Some(Value::Object(subs)) = obj.get_mut(*key) {
            subs.values_mut().for_each(|s| compact_node(s, side));
        }
    }
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        props.values_mut().for_each(spell_any_value);
    }
    if let Some(items) = obj.get_mut("items") {
        spell_any_value(items);
    }
    consts_to_enum(obj);
    let nullable = strip_null(obj);
    if nullable && side == Side::Output {
        wrap_nullable(obj);
    }
}

/// The bounds schemars derives from an integer format (`"minimum": 0` of `uint32`, the
/// `65535` of `uint16`…) go with the format: the type already says it, and the host and the
/// plugin reject what does not fit. Bounds a plugin wrote (`range(min = 60)`) stay.
fn drop_implied_bounds(obj: &mut Map<String, Value>, format: &str) {
    let max = match format {
        "uint8" => Some(u64::from(u8::MAX)),
        "uint16" => Some(u64::from(u16::MAX)),
        "uint32" => Some(u64::from(u32::MAX)),
        "uint" | "uint64" | "uint128" => None,
        _ => return,
    };
    if obj.get("minimum").and_then(Value::as_u64) == Some(0) {
        obj.remove("minimum");
    }
    if max.is_some() && obj.get("maximum").and_then(Value::as_u64) == max {
        obj.remove("maximum");
    }
}

/// A schema that accepts any value (`true`, or only annotations such as a description)
/// becomes an explicit `anyOf` of the JSON types, its description kept.
fn spell_any_value(schema: &mut Value) {
    let annotations_only = match schema {
        Value::Bool(true) => true,
        Value::Object(o) => o
            .keys()
            .all(|k| matches!(k.as_str(), "description" | "title" | "default" | "examples")),
        _ => false,
    };
    if !annotations_only {
        return;
    }
    let mut spelled = match schema.take() {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    let any: Vec<Value> = ["object", "array", "string", "number", "boolean", "null"]
        .iter()
        .map(|t| json!({"type": t}))
        .collect();
    spelled.insert("anyOf".into(), Value::Array(any));
    *schema = Value::Object(spelled);
}

/// One line: the first paragraph, whitespace collapsed.
fn first_paragraph(text: &str) -> String {
    let para = text.split("\n\n").next().unwrap_or_default();
    para.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `oneOf`/`anyOf` of string `const` branches becomes `"type": "string", "enum": [...]`.
fn consts_to_enum(obj: &mut Map<String, Value>) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(branches)) = obj.get(key) else {
            continue;
        };
        let values: Option<Vec<Value>> = branches
            .iter()
            .map(|b| {
                let b = b.as_object()?;
                let value = b.get("const").filter(|c| c.is_string())?;
                let only_doc = b
                    .keys()
                    .all(|k| matches!(k.as_str(), "const" | "type" | "description"));
                only_doc.then(|| value.clone())
            })
            .collect();
        if let Some(values) = values.filter(|v| !v.is_empty()) {
            obj.remove(key);
            obj.insert("type".into(), json!("string"));
            obj.insert("enum".into(), Value::Array(values));
        }
    }
}

/// Removes `null` from `type`, `enum` and `anyOf`/`oneOf` (a `{"type": "null"}` branch,
/// the other branch merged in when it is the only one left). True if anything was nullable.
fn strip_null(obj: &mut Map<String, Value>) -> bool {
    let mut nullable = false;
    if let Some(Value::Array(types)) = obj.get_mut("type") {
        let before = types.len();
        types.retain(|t| t != "null");
        nullable |= types.len() != before;
        if types.len() == 1 {
            let single = types.remove(0);
            obj.insert("type".into(), single);
        }
    }
    if let Some(Value::Array(values)) = obj.get_mut("enum") {
        let before = values.len();
        values.retain(|v| !v.is_null());
        nullable |= values.len() != before;
    }
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = obj.get_mut(key) else {
            continue;
        };
        let before = branches.len();
        branches.retain(|b| b.get("type").and_then(Value::as_str) != Some("null"));
        if branches.len() == before {
            continue;
        }
        nullable = true;
        if branches.len() == 1
            && let Some(Value::Object(only)) = branches.pop()
        {
            obj.remove(key);
            for (k, v) in only {
                // The property's own description wins over the type's.
                obj.entry(k).or_insert(v);
            }
        }
    }
    nullable
}

/// Output side: a nullable schema `S` becomes `{"anyOf": [S, {"type": "null"}]}`, its
/// description kept outside.
fn wrap_nullable(obj: &mut Map<String, Value>) {
    let description = obj.remove("description");
    let inner = std::mem::take(obj);
    obj.insert("anyOf".into(), json!([inner, {"type": "null"}]));
    if let Some(d) = description {
        obj.insert("description".into(), d);
    }
}

/// Replaces every `{"$ref": "#/$defs/X", …}` by the definition (siblings such as a
/// description win), then drops `$defs` if nothing refers to it any more. A definition that
/// refers to itself (a recursive type) stays a `$ref`.
fn inline_refs(schema: &mut Value) {
    let Some(defs) = schema
        .as_object()
        .and_then(|o| o.get("$defs"))
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    let mut kept = false;
    let mut stack = Vec::new();
    if let Some(obj) = schema.as_object_mut() {
        for (key, value) in obj.iter_mut() {
            if key != "$defs" {
                inline_in(value, &defs, &mut stack, &mut kept);
            }
        }
        if !kept {
            obj.remove("$defs");
        }
    }
}

fn inline_in(
    node: &mut Value,
    defs: &Map<String, Value>,
    stack: &mut Vec<String>,
    kept: &mut bool,
) {
    match node {
        Value::Object(obj) => {
            let target = obj
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .map(str::to_string);
            if let Some(name) = target {
                match defs.get(&name) {
                    Some(def) if !stack.contains(&name) => {
                        obj.remove("$ref");
                        if let Value::Object(def) = def.clone() {
                            for (k, v) in def {
                                obj.entry(k).or_insert(v);
                            }
                        }
                        stack.push(name);
                        for value in obj.values_mut() {
                            inline_in(value, defs, stack, kept);
                        }
                        stack.pop();
                        return;
                    }
                    _ => *kept = true,
                }
            }
            for value in obj.values_mut() {
                inline_in(value, defs, stack, kept);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| inline_in(v, defs, stack, kept)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    /// Kind of thing.
    #[derive(Deserialize, Serialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Kind {
        /// The first kind.
        First,
        /// The second kind.
        Second,
    }

    /// Arguments of `t_tool`.
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Args {
        /// Zone name, e.g. example.com.
        ///
        /// A second paragraph nobody needs.
        zone: String,
        /// Which kind.
        kind: Kind,
        /// Optional kind.
        maybe_kind: Option<Kind>,
        /// Time to live.
        #[schemars(range(min = 60, max = 86400))]
        ttl: Option<u32>,
        /// A count.
        count: u64,
        small: Option<u16>,
        signed: Option<i32>,
    }

    /// Result of `t_tool`.
    #[derive(Serialize, JsonSchema)]
    struct Out {
        /// The kind.
        kind: Kind,
        /// Also a kind.
        other: Kind,
        /// Maybe a note.
        note: Option<String>,
        /// Maybe a kind.
        maybe: Option<Kind>,
        /// Whatever the API said.
        raw: serde_json::Value,
        list: Vec<serde_json::Value>,
    }

    fn raw<T: JsonSchema>() -> Value {
        schemars::SchemaGenerator::default()
            .into_root_schema_for::<T>()
            .to_value()
    }

    fn has_key(node: &Value, key: &str) -> bool {
        match node {
            Value::Object(o) => o.contains_key(key) || o.values().any(|v| has_key(v, key)),
            Value::Array(a) => a.iter().any(|v| has_key(v, key)),
            _ => false,
        }
    }

    fn has_null_type(node: &Value) -> bool {
        match node {
            Value::Object(o) => {
                let here = match o.get("type") {
                    Some(Value::Array(t)) => t.iter().any(|t| t == "null"),
                    Some(t) => t == "null",
                    None => false,
                };
                here || o.values().any(has_null_type)
            }
            Value::Array(a) => a.iter().any(has_null_type),
            _ => false,
        }
    }

    #[test]
    fn the_generated_schema_has_what_compaction_removes() {
        // Guards the other tests: if schemars stopped emitting these, they would prove nothing.
        let s = raw::<Args>();
        assert!(has_key(&s, "format"));
        assert!(has_key(&s, "$schema"));
        assert!(has_key(&s, "$ref"));
        assert!(has_key(&s, "oneOf"));
        assert!(has_null_type(&s));
        assert!(
            s["description"]
                .as_str()
                .unwrap()
                .starts_with("Arguments of")
        );
    }

    #[test]
    fn inputs_are_compact_and_self_contained() {
        let s = compact(raw::<Args>(), Side::Input);
        for key in [
            "format", "$schema", "$ref", "$defs", "oneOf", "anyOf", "title",
        ] {
            assert!(!has_key(&s, key), "{key} left in {s}");
        }
        assert!(!has_null_type(&s), "{s}");
        assert!(s.get("description").is_none(), "no 'Arguments of' prose");
        let p = &s["properties"];
        assert_eq!(p["zone"]["description"], "Zone name, e.g. example.com.");
        assert_eq!(
            p["kind"],
            json!({"type": "string", "enum": ["first", "second"], "description": "Which kind."})
        );
        assert_eq!(
            p["maybe_kind"],
            json!({"type": "string", "enum": ["first", "second"], "description": "Optional kind."})
        );
        assert_eq!(p["ttl"]["type"], "integer");
        assert_eq!(p["ttl"]["minimum"], 60, "a bound the plugin wrote stays");
        assert_eq!(p["ttl"]["maximum"], 86400);
        assert_eq!(
            p["count"],
            json!({"type": "integer", "description": "A count."})
        );
        assert_eq!(
            p["small"],
            json!({"type": "integer"}),
            "uint16's 0..65535 goes"
        );
        assert_eq!(p["signed"], json!({"type": "integer"}));
        assert_eq!(s["required"], json!(["zone", "kind", "count"]));
        assert_eq!(s["additionalProperties"], false);
    }

    #[test]
    fn compact_inputs_still_validate_what_the_plugin_accepts() {
        let s = compact(raw::<Args>(), Side::Input);
        let v = jsonschema::validator_for(&s).expect("a valid schema");
        assert!(v.is_valid(&json!({"zone": "a.ch", "kind": "first", "count": 1})));
        assert!(v.is_valid(
            &json!({"zone": "a.ch", "kind": "first", "count": 1, "ttl": 60, "maybe_kind": "second"})
        ));
        assert!(!v.is_valid(&json!({"zone": "a.ch", "kind": "third", "count": 1})));
        assert!(!v.is_valid(&json!({"zone": "a.ch", "kind": "first", "count": 1, "ttl": 59})));
        assert!(!v.is_valid(&json!({"zone": "a.ch", "kind": "first", "count": 1, "x": 1})));
        assert!(!v.is_valid(&json!({"kind": "first", "count": 1})));
    }

    #[test]
    fn outputs_keep_shared_defs_and_spell_null_portably() {
        let s = compact(raw::<Out>(), Side::Output);
        assert!(!has_key(&s, "format") && !has_key(&s, "$schema"));
        assert!(s.get("description").is_none());
        assert_eq!(
            s["$defs"]["Kind"]["enum"],
            json!(["first", "second"]),
            "{s}"
        );
        assert_eq!(s["properties"]["kind"]["$ref"], "#/$defs/Kind");
        assert_eq!(s["properties"]["other"]["$ref"], "#/$defs/Kind");
        assert_eq!(
            s["properties"]["note"],
            json!({"anyOf": [{"type": "string"}, {"type": "null"}], "description": "Maybe a note."})
        );
        let has_type_array = s.to_string().contains(r#""type":["#);
        assert!(!has_type_array, "{s}");
        assert_eq!(
            s["properties"]["raw"]["description"],
            "Whatever the API said."
        );
        assert_eq!(
            s["properties"]["raw"]["anyOf"].as_array().unwrap().len(),
            6,
            "{s}"
        );
        assert!(s["properties"]["list"]["items"]["anyOf"].is_array(), "{s}");
        let v = jsonschema::validator_for(&s).expect("every $ref resolves");
        let ok = json!({"kind": "first", "other": "second", "note": null, "maybe": null, "raw": [1, {"a": null}], "list": [true, "x", null]});
        assert!(v.is_valid(&ok), "{s}");
        assert!(
            v.is_valid(&json!({"kind": "first", "other": "second", "note": "n", "maybe": "first", "raw": 3, "list": []}))
        );
        assert!(!v.is_valid(&json!({"kind": "x", "other": "second", "note": null, "maybe": null, "raw": 1, "list": []})));
    }

    #[test]
    fn recursive_definitions_stay_references() {
        #[derive(Deserialize, JsonSchema)]
        #[allow(dead_code)]
        struct Node {
            children: Vec<Node>,
        }
        #[derive(Deserialize, JsonSchema)]
        #[allow(dead_code)]
        struct Tree {
            root: Node,
        }
        let s = compact(raw::<Tree>(), Side::Input);
        assert!(s.pointer("/$defs/Node").is_some(), "{s}");
        let v = jsonschema::validator_for(&s).expect("every $ref resolves");
        assert!(v.is_valid(&json!({"root": {"children": [{"children": []}]}})));
        assert!(!v.is_valid(&json!({"root": {"children": [{"children": 1}]}})));
    }
}
