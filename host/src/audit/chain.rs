//! The hash chain: how a line is sealed when written and checked when read.
//!
//! `hash` = sha256 (hex) of `prev_hash` followed by the canonical JSON of the line
//! without its `hash` key; or, when the operator configured a key (`[audit]
//! hmac_key_file`), HMAC-SHA256 of the same under that key, so that someone who can write
//! the file but not read the key cannot forge a line or re-chain an edited log. On top of the hash, a line must be byte-for-byte the JSON the
//! log writes for its own value, so even an edit that keeps the value (an escape, a
//! number spelling) is caught.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canonical::canonical_object;
use crate::mac::MacKey;

/// The `prev_hash` of the first line.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain fields of a line that checked out on its own.
#[derive(Debug)]
pub(crate) struct Sealed {
    /// Its sequence number.
    pub(crate) seq: u64,
    /// The hash it claims for the line before it.
    pub(crate) prev_hash: String,
    /// Its own (verified) hash.
    pub(crate) hash: String,
}

/// Adds `hash` to `line` (which already holds `prev_hash`) and returns the text to append,
/// newline included, with the hash.
pub(crate) fn seal(
    mut line: Map<String, Value>,
    prev_hash: &str,
    key: Option<&MacKey>,
) -> (String, String) {
    let hash = chain_hash(prev_hash, &line, key);
    line.insert("hash".to_string(), Value::String(hash.clone()));
    let mut text = Value::Object(line).to_string();
    text.push('\n');
    (text, hash)
}

/// Parses one line (without its newline) and checks it against its own hash; the
/// error says what is wrong with it. Links to other lines are the caller's business.
pub(crate) fn open_line(bytes: &[u8], key: Option<&MacKey>) -> Result<Sealed, String> {
    if bytes.is_empty() {
        return Err("the line is empty".to_string());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "the line is not UTF-8".to_string())?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("the line is not valid JSON: {e}"))?;
    // Not `value != text`: that would compare the value with a JSON string.
    let rewritten = value.to_string();
    if rewritten != text {
        return Err(
            "the line is not byte-for-byte what the log wrote for its content (edited?)"
                .to_string(),
        );
    }
    let Value::Object(mut line) = value else {
        return Err("the line is not a JSON object".to_string());
    };
    let Some(Value::String(hash)) = line.remove("hash") else {
        return Err("the line has no string `hash`".to_string());
    };
    let seq = line
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or("the line has no integer `seq`")?;
    let prev_hash = line
        .get("prev_hash")
        .and_then(Value::as_str)
        .ok_or("the line has no string `prev_hash`")?
        .to_string();
    if chain_hash(&prev_hash, &line, key) != hash {
        return Err(match key {
            None => {
                "the hash does not match the line's content: the line was edited (or the \
                     log is keyed: give `ikmcp` its [audit] hmac_key_file)"
            }
            Some(_) => {
                "the hash does not match the line's content under the configured key: \
                        the line was edited, or written without this key"
            }
        }
        .to_string());
    }
    Ok(Sealed {
        seq,
        prev_hash,
        hash,
    })
}

fn chain_hash(prev_hash: &str, unsealed: &Map<String, Value>, key: Option<&MacKey>) -> String {
    let content = canonical_object(unsealed);
    if let Some(key) = key {
        return hex::encode(key.tag(&[prev_hash.as_bytes(), content.as_bytes()]));
    }
    let mut digest = Sha256::new();
    digest.update(prev_hash.as_bytes());
    digest.update(content.as_bytes());
    hex::encode(digest.finalize())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn line(seq: u64, prev: &str, args: Value) -> Map<String, Value> {
        let Value::Object(map) = json!({"seq": seq, "args": args, "prev_hash": prev}) else {
            unreachable!()
        };
        map
    }

    #[test]
    fn sealed_lines_open() {
        let (text, hash) = seal(line(1, GENESIS, json!({"z": 1, "a": "é\n"})), GENESIS, None);
        assert!(text.ends_with('\n') && !text[..text.len() - 1].contains('\n'));
        let sealed = open_line(text.trim_end_matches('\n').as_bytes(), None).unwrap();
        assert_eq!((sealed.seq, sealed.prev_hash.as_str()), (1, GENESIS));
        assert_eq!(sealed.hash, hash);
        assert_eq!(hash.len(), 64);
    }

    #[test]
    fn hash_depends_on_prev_hash_and_content() {
        let (_, a) = seal(line(1, GENESIS, json!(1)), GENESIS, None);
        let (_, b) = seal(line(1, GENESIS, json!(2)), GENESIS, None);
        let other = "1".repeat(64);
        let (_, c) = seal(line(1, GENESIS, json!(1)), &other, None);
        assert_ne!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn awkward_floats_survive_the_round_trip() {
        // Relies on serde_json's `float_roundtrip` (enabled in this build): without it
        // some floats would re-print differently and honest lines would fail to open.
        let args = json!([
            0.1 + 0.2,
            1.2345678901234567e-300,
            9007199254740993.0,
            -0.0,
            1e300
        ]);
        let (text, _) = seal(line(1, GENESIS, args), GENESIS, None);
        open_line(text.trim_end().as_bytes(), None).unwrap();
    }

    #[test]
    fn value_preserving_edits_are_caught() {
        let (text, _) = seal(line(1, GENESIS, json!("A")), GENESIS, None);
        let escaped = text.trim_end().replace("\"A\"", "\"\\u0041\"");
        let spaced = text.trim_end().replacen(",", ", ", 1);
        for edited in [escaped, spaced] {
            let err = open_line(edited.as_bytes(), None).unwrap_err();
            assert!(err.contains("byte-for-byte"), "{err}");
        }
    }

    #[test]
    fn bad_lines_say_why() {
        let cases: [(&[u8], &str); 6] = [
            (b"", "empty"),
            (b"\xff\xfe", "UTF-8"),
            (b"{\"seq\":1", "not valid JSON"),
            (b"[1,2]", "not a JSON object"),
            (b"{\"seq\":1}", "`hash`"),
            (b"{\"hash\":\"x\",\"seq\":1}", "`prev_hash`"),
        ];
        for (bytes, expected) in cases {
            let err = open_line(bytes, None).unwrap_err();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
        let (text, _) = seal(line(1, GENESIS, json!("A")), GENESIS, None);
        let edited = text.trim_end().replace("\"A\"", "\"B\"");
        assert!(
            open_line(edited.as_bytes(), None)
                .unwrap_err()
                .contains("was edited")
        );
    }

    #[test]
    fn a_keyed_chain_needs_the_key() {
        let key = MacKey::new(b"k".repeat(32));
        let (text, hash) = seal(line(1, GENESIS, json!("A")), GENESIS, Some(&key));
        let bytes = text.trim_end().as_bytes();
        assert_eq!(open_line(bytes, Some(&key)).unwrap().hash, hash);
        let (_, plain) = seal(line(1, GENESIS, json!("A")), GENESIS, None);
        assert_ne!(hash, plain, "the key changes the hash");
        let err = open_line(bytes, None).unwrap_err();
        assert!(err.contains("hmac_key_file"), "{err}");
        let other = MacKey::new(b"j".repeat(32));
        let err = open_line(bytes, Some(&other)).unwrap_err();
        assert!(err.contains("under the configured key"), "{err}");
    }
}
