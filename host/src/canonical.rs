//! Canonical JSON: one byte string per JSON value.
//!
//! The guard fingerprints plans, the upstream gateway compares planned and sent bodies,
//! and the audit log hashes its lines; all three need the same value to give the same
//! bytes whatever the key order or spacing.

use serde_json::{Map, Value};

/// Serializes `value` with object keys sorted recursively and no insignificant spaces.
/// Keys and scalars are written with serde_json's own serializer straight into the output
/// (no per-key or per-scalar string): the audit log hashes every line this way.
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(256);
    write_canonical(value, &mut out);
    // serde_json writes valid UTF-8 (strings are escaped, numbers are ASCII).
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`canonical_json`] of an object, without wrapping it in a [`Value`] (no copy).
pub fn canonical_object(map: &Map<String, Value>) -> String {
    let mut out = Vec::with_capacity(256);
    write_object(map, &mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn write_object(map: &Map<String, Value>, out: &mut Vec<u8>) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push(b'{');
    for (i, (key, item)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_scalar(key, out);
        out.push(b':');
        write_canonical(item, out);
    }
    out.push(b'}');
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => write_object(map, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

/// Writes a key or scalar as serde_json does (writing into a `Vec` cannot fail).
fn write_scalar<T: serde::Serialize + ?Sized>(scalar: &T, out: &mut Vec<u8>) {
    let _ = serde_json::to_writer(&mut *out, scalar);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_and_spacing_do_not_matter() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": {"y": [1, 2], "x": "s"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":"s","y":[1,2]},"b":1}"#).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(canonical_json(&a), r#"{"a":{"x":"s","y":[1,2]},"b":1}"#);
    }

    #[test]
    fn array_order_matters() {
        assert_ne!(
            canonical_json(&json!([1, 2])),
            canonical_json(&json!([2, 1]))
        );
    }

    /// The first implementation (a string per key and scalar): existing audit logs were
    /// hashed with it, so the output must stay byte-identical.
    fn reference(value: &Value) -> String {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let items: Vec<String> = keys
                    .into_iter()
                    .map(|k| format!("{}:{}", Value::String(k.clone()), reference(&map[k])))
                    .collect();
                format!("{{{}}}", items.join(","))
            }
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(reference).collect();
                format!("[{}]", items.join(","))
            }
            scalar => scalar.to_string(),
        }
    }

    #[test]
    fn output_is_byte_identical_to_the_first_implementation() {
        let tricky = json!({
            "z": [1, -2, 3.5, 1e300, 18446744073709551615u64, -9223372036854775808i64],
            "é": "\u{0}\u{1f}\"\\/\u{2028}😀",
            "": null, "B": true, "a": {"nested": [{"y": false, "x": "\t"}], "": []},
            "\n": {}
        });
        assert_eq!(canonical_json(&tricky), reference(&tricky));
        assert_eq!(
            canonical_object(tricky.as_object().unwrap()),
            reference(&tricky)
        );
        for scalar in [json!(null), json!(0), json!(-0.0), json!("s"), json!([])] {
            assert_eq!(canonical_json(&scalar), reference(&scalar));
        }
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(canonical_json(&json!({"k\"": "a\nb"})), r#"{"k\"":"a\nb"}"#);
    }
}
