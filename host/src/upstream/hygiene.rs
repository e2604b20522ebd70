//! Request hygiene: what a plugin's request must look like before the gateway even
//! considers it, and how it becomes a URL and a header map.
//!
//! The path is checked strictly so that the path the guard compares against a plan's
//! effects is the path the upstream serves: no dot segments (plain or percent-encoded),
//! no encoded separators, no empty segments except a trailing slash, no query, fragment,
//! backslash, whitespace or control character, and nothing that could name another host.
//! Method overrides (`X-HTTP-Method-Override` headers, `_method` parameters or body keys)
//! are refused or stripped, so the method the guard checked is the method the upstream
//! applies.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::contract::{CREDENTIAL_HEADERS, HttpMethod};

/// Longest path accepted, in bytes.
const MAX_PATH_LEN: usize = 2048;
/// Most headers a plugin may add.
const MAX_HEADERS: usize = 64;

/// The other headers the host owns: routing, framing, body type and method overrides.
/// A plugin's values for these and the credential headers are dropped (case-insensitively)
/// before the host sets its own.
const HOST_OWNED_HEADERS: &[&str] = &[
    "x-csrf-token",
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "upgrade",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
];

/// The form-field / query key frameworks read as a method override.
const METHOD_OVERRIDE_KEY: &str = "_method";

/// Checks a request path; the error says what is wrong with it.
pub(crate) fn check_path(path: &str) -> Result<(), String> {
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

/// Builds the upstream URL: the role's base URL (its own path prefix kept, any query or
/// fragment dropped), then the checked path, then the query, form-encoded, keys repeated
/// as given.
pub(crate) fn build_url(
    base: &url::Url,
    path: &str,
    query: &[(String, String)],
) -> Result<url::Url, String> {
    if let Some((key, _)) = query
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(METHOD_OVERRIDE_KEY))
    {
        return Err(format!(
            "the query parameter {key:?} overrides the HTTP method; use the method itself"
        ));
    }
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.set_path(&format!("{}{path}", base.path().trim_end_matches('/')));
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    if url.origin() != base.origin() {
        return Err(format!(
            "the path {} would leave the role's origin",
            shown(path)
        ));
    }
    Ok(url)
}

/// The plugin's extra headers, minus the ones the host owns.
pub(crate) fn plugin_headers(headers: &[(String, String)]) -> Result<HeaderMap, String> {
    if headers.len() > MAX_HEADERS {
        return Err(format!(
            "{} headers were given; the limit is {MAX_HEADERS}",
            headers.len()
        ));
    }
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("{name:?} is not a valid header name"))?;
        if CREDENTIAL_HEADERS.contains(&name.as_str())
            || HOST_OWNED_HEADERS.contains(&name.as_str())
        {
            continue;
        }
        let value = HeaderValue::from_str(value)
            .map_err(|_| format!("the value of header {name} is not a valid header value"))?;
        map.append(name, value);
    }
    Ok(map)
}

/// Checks the body against the method: none for GET/HEAD, JSON otherwise, and no
/// top-level `_method` key on a POST. Returns the parsed body for effect matching.
pub(crate) fn check_body(method: HttpMethod, body: Option<&str>) -> Result<Option<Value>, String> {
    let Some(text) = body else {
        return Ok(None);
    };
    if method.is_read() {
        return Err(format!(
            "a {} request carries no body; pass parameters in the query",
            method.as_str()
        ));
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("the body is not valid JSON: {e}"))?;
    if method == HttpMethod::Post
        && value
            .as_object()
            .is_some_and(|map| map.contains_key(METHOD_OVERRIDE_KEY))
    {
        return Err(format!(
            "the body key {METHOD_OVERRIDE_KEY:?} overrides the HTTP method; use the method itself"
        ));
    }
    Ok(Some(value))
}

/// A path as it may appear in a message or a record: control characters escaped, long
/// paths cut.
pub(crate) fn shown(path: &str) -> String {
    const MAX_SHOWN: usize = 200;
    let escaped: String = path.chars().flat_map(char::escape_default).collect();
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
    fn url_keeps_base_prefix_and_encodes_query() {
        let base = url::Url::parse("http://127.0.0.1:9/proxy/?drop=me#x").unwrap();
        let query = vec![
            ("a b".to_owned(), "x&y=z".to_owned()),
            ("k".to_owned(), "1".to_owned()),
            ("k".to_owned(), "2".to_owned()),
        ];
        let url = build_url(&base, "/1/zones", &query).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/proxy/1/zones?a+b=x%26y%3Dz&k=1&k=2"
        );
        let bare = build_url(&base, "/1/zones", &[]).unwrap();
        assert_eq!(bare.as_str(), "http://127.0.0.1:9/proxy/1/zones");
    }

    #[test]
    fn method_override_query_is_refused() {
        let base = url::Url::parse("http://127.0.0.1:9").unwrap();
        let query = vec![("_METHOD".to_owned(), "DELETE".to_owned())];
        assert!(
            build_url(&base, "/x", &query)
                .unwrap_err()
                .contains("overrides")
        );
    }

    #[test]
    fn host_owned_headers_are_stripped_case_insensitively() {
        let given: Vec<(String, String)> = [
            ("Authorization", "Bearer plugin"),
            ("COOKIE", "a=b"),
            ("X-Xsrf-Token", "t"),
            ("Proxy-Authorization", "p"),
            ("Host", "evil"),
            ("X-HTTP-Method-Override", "DELETE"),
            ("X-Custom", "kept"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let map = plugin_headers(&given).unwrap();
        assert_eq!(map.len(), 1);
        assert_eq!(map["x-custom"], "kept");
    }

    #[test]
    fn invalid_headers_are_refused() {
        let bad_name = vec![("bad name".to_owned(), "v".to_owned())];
        assert!(plugin_headers(&bad_name).is_err());
        let bad_value = vec![("x".to_owned(), "a\nb".to_owned())];
        assert!(plugin_headers(&bad_value).is_err());
    }

    #[test]
    fn bodies_follow_the_method() {
        assert_eq!(check_body(HttpMethod::Get, None), Ok(None));
        assert!(check_body(HttpMethod::Get, Some("{}")).is_err());
        assert!(check_body(HttpMethod::Post, Some("not json")).is_err());
        assert!(
            check_body(HttpMethod::Post, Some(r#"{"_method":"DELETE"}"#))
                .unwrap_err()
                .contains("overrides")
        );
        assert_eq!(
            check_body(HttpMethod::Put, Some(r#"{"a":1}"#)),
            Ok(Some(serde_json::json!({"a": 1})))
        );
    }

    #[test]
    fn shown_escapes_and_cuts() {
        assert_eq!(shown("/a\nb"), "/a\\nb");
        assert!(shown(&"é".repeat(300)).ends_with('…'));
    }
}
