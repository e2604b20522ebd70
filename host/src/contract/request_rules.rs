//! What a request's path, query keys and base params may look like: the contract's rules,
//! shared by the gateway (every request) and the effect rules (every planned write).
//!
//! The path is checked strictly so that the path the guard compares against a plan's
//! effects is the path the upstream serves: no dot segments (plain or percent-encoded),
//! no encoded separators, no empty segments except a trailing slash, no query, fragment,
//! backslash, whitespace or control character, and nothing that could name another host.

/// Longest path accepted, in bytes.
const MAX_PATH_LEN: usize = 2048;

/// Query keys (compared case-insensitively) that frameworks read as a method override:
/// never sent, so the method the guard checked is the method the upstream applies.
pub const METHOD_OVERRIDE_KEYS: [&str; 6] = [
    "_method",
    ".method",
    "method_override",
    "_httpmethod",
    "x-http-method-override",
    "x_http_method_override",
];

/// Checks a request path (or an effect's path pattern, where `*` is an ordinary
/// character); the error says what is wrong with it.
pub fn check_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!(
            "the path {} must start with '/' (send only the path, the host adds the base URL)",
            shown(path)
        ));
    }
    if path.len() > MAX_PATH_LEN {
        return Err(format!(
            "the path is {} bytes long; the limit is {MAX_PATH_LEN}",
            path.len()
        ));
    }
    if let Some(c) = path
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || matches!(c, '?' | '#' | '\\'))
    {
        let what = match c {
            '?' => "a '?': pass query parameters in the query list".to_owned(),
            '#' => "a '#': fragments are never sent".to_owned(),
            '\\' => "a backslash".to_owned(),
            other => format!("the character {other:?}"),
        };
        return Err(format!("the path {} contains {what}", shown(path)));
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        if segment.is_empty() && i != last {
            return Err(format!(
                "the path {} has an empty segment ('//'); only a trailing '/' may be empty",
                shown(path)
            ));
        }
        let lower = segment.to_ascii_lowercase();
        let decoded_dots = lower.replace("%2e", ".");
        if decoded_dots == "." || decoded_dots == ".." {
            return Err(format!(
                "the path {} contains a '.' or '..' segment; send the resolved path",
                shown(path)
            ));
        }
        if lower.contains("%2f") || lower.contains("%5c") {
            return Err(format!(
                "the path {} contains an encoded '/' or '\\' inside a segment",
                shown(path)
            ));
        }
    }
    Ok(())
}

/// Whether `key` is a method-override query key.
pub fn is_method_override_key(key: &str) -> bool {
    METHOD_OVERRIDE_KEYS
        .iter()
        .any(|m| key.trim().eq_ignore_ascii_case(m))
}

/// Whether `value` is a DNS label (1-63 letters, digits or `-`, not starting or ending
/// with `-`): the only values a base URL placeholder takes, so it can never add a dot,
/// a slash, a port or userinfo to the host a request goes to.
pub fn dns_label(value: &str) -> bool {
    (1..=63).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-')
}

/// Text from a plugin as it may appear in a message, a record or an approval: control
/// characters and non-ASCII escaped, long text cut.
pub fn shown(text: &str) -> String {
    const MAX_SHOWN: usize = 200;
    let escaped: String = text.chars().flat_map(char::escape_default).collect();
    if escaped.len() > MAX_SHOWN {
        let cut = escaped
            .char_indices()
            .map(|(i, _)| i)
            .take_while(|&i| i <= MAX_SHOWN)
            .last()
            .unwrap_or(0);
        format!("{}…", &escaped[..cut])
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_paths_pass() {
        for path in [
            "/",
            "/1/profile",
            "/2/zones/example.com/records/",
            "/a%20b/c",
        ] {
            assert_eq!(check_path(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn bad_paths_are_refused_with_a_reason() {
        let cases = [
            ("1/profile", "must start with '/'"),
            ("https://evil.example/x", "must start with '/'"),
            ("//evil.example/x", "empty segment"),
            ("/a//b", "empty segment"),
            ("/a/../b", "'..'"),
            ("/a/./b", "'..'"),
            ("/a/%2e%2E/b", "'..'"),
            ("/a/.%2e", "'..'"),
            ("/a%2fb", "encoded"),
            ("/a%5Cb", "encoded"),
            ("/a?x=1", "query"),
            ("/a#frag", "fragment"),
            ("/a\\b", "backslash"),
            ("/a\nb", "'\\n'"),
            ("/a b", "' '"),
        ];
        for (path, needle) in cases {
            let err = check_path(path).unwrap_err();
            assert!(err.contains(needle), "{path}: {err}");
        }
        assert!(check_path(&format!("/{}", "a".repeat(3000))).is_err());
    }

    #[test]
    fn shown_escapes_and_cuts() {
        assert_eq!(shown("/a\nb"), "/a\\nb");
        assert!(shown(&"é".repeat(300)).ends_with('…'));
    }

    #[test]
    fn dns_labels_only() {
        for ok in ["acme", "a-1", "X9", &"a".repeat(63)] {
            assert!(dns_label(ok), "{ok}");
        }
        for bad in [
            "",
            "a.b",
            "a/b",
            "x@y",
            "../x",
            "-a",
            "a-",
            "a b",
            "a:1",
            &"a".repeat(64),
        ] {
            assert!(!dns_label(bad), "{bad}");
        }
    }
}
