//! Request hygiene: what a plugin's request must look like before the gateway even
//! considers it, and how it becomes a URL and a header map.
//!
//! The path rules are the contract's ([`crate::contract::request_rules`]). Headers are an
//! allow-list: `accept`, `content-type` (the host sets its own for JSON bodies) and what
//! the operator allows for the role; credential headers are dropped (the sandbox reports
//! the attempt), and every other header is refused, method overrides and proxy/routing
//! headers (`x-http-method-override`, `x-original-url`, `x-forwarded-*`, `forwarded`...)
//! even when a role's list names them. Method-override query keys (`_method`, `.method`...)
//! and a POST body's `_method` key are refused, so the method the guard checked is the
//! method the upstream applies.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::contract::request_rules::{is_method_override_key, shown};
use crate::contract::{CREDENTIAL_HEADERS, HttpMethod};

/// Most headers a plugin may add.
const MAX_HEADERS: usize = 64;

/// Headers every role accepts from a plugin.
const ALWAYS_ALLOWED_HEADERS: [&str; 2] = ["accept", "content-type"];

/// Headers never taken from a plugin, whatever a role allows: framing and routing, which
/// the host owns, and the method/URL overrides and proxy headers a server or a proxy in
/// front of it may act on instead of the method and path the guard checked.
const NEVER_ALLOWED_HEADERS: &[&str] = &[
    "x-csrf-token",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "x-original-url",
    "x-original-method",
    "x-rewrite-url",
    "forwarded",
    "via",
];

/// Header name prefixes never taken from a plugin (`x-forwarded-for`, `-host`, `-proto`...).
const NEVER_ALLOWED_PREFIXES: &[&str] = &["x-forwarded-", "proxy-"];

/// Whether the header `name` (lower case) is never taken from a plugin.
fn never_allowed(name: &str) -> bool {
    NEVER_ALLOWED_HEADERS.contains(&name)
        || NEVER_ALLOWED_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Builds the upstream URL: the role's base URL (its own path prefix kept, any query or
/// fragment dropped), then the checked path, then the query, form-encoded, keys repeated
/// as given.
pub(crate) fn build_url(
    base: &url::Url,
    path: &str,
    query: &[(String, String)],
) -> Result<url::Url, String> {
    if let Some((key, _)) = query.iter().find(|(key, _)| is_method_override_key(key)) {
        return Err(format!(
            "the query parameter {} overrides the HTTP method; use the method itself",
            shown(key)
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

/// The plugin's extra headers that pass the allow-list: `accept`, `content-type` and the
/// role's `allowed` names (case-insensitive); credential headers are dropped, any other
/// header refuses the request with a message naming what is allowed.
pub(crate) fn plugin_headers(
    headers: &[(String, String)],
    allowed: &[String],
) -> Result<HeaderMap, String> {
    if headers.len() > MAX_HEADERS {
        return Err(format!(
            "{} headers were given; the limit is {MAX_HEADERS}",
            headers.len()
        ));
    }
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("{} is not a valid header name", shown(name)))?;
        let lower = name.as_str();
        if CREDENTIAL_HEADERS.contains(&lower) {
            continue;
        }
        let passes = !never_allowed(lower)
            && (ALWAYS_ALLOWED_HEADERS.contains(&lower)
                || allowed.iter().any(|a| a.trim().eq_ignore_ascii_case(lower)));
        if !passes {
            let mut names: Vec<&str> = ALWAYS_ALLOWED_HEADERS.to_vec();
            names.extend(
                allowed
                    .iter()
                    .map(|a| a.trim())
                    .filter(|a| !never_allowed(&a.to_ascii_lowercase())),
            );
            return Err(format!(
                "the header {lower} may not be sent by a plugin on this role (allowed: {}); \
                 drop it, or ask the operator to allow it for the role if the API needs it",
                names.join(", ")
            ));
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
        && let Some(key) = value
            .as_object()
            .and_then(|map| map.keys().find(|k| is_method_override_key(k)))
    {
        return Err(format!(
            "the body key {} overrides the HTTP method; use the method itself",
            shown(key)
        ));
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for key in [
            "_METHOD",
            ".method",
            "X-HTTP-Method-Override",
            "_httpmethod",
        ] {
            let query = vec![(key.to_owned(), "DELETE".to_owned())];
            assert!(
                build_url(&base, "/x", &query)
                    .unwrap_err()
                    .contains("overrides"),
                "{key}"
            );
        }
    }

    fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn credentials_are_dropped_and_the_allow_list_passes() {
        let given = headers(&[
            ("Authorization", "Bearer plugin"),
            ("COOKIE", "a=b"),
            ("X-Xsrf-Token", "t"),
            ("Proxy-Authorization", "p"),
            ("Accept", "application/json"),
            ("Content-Type", "application/json"),
            ("X-Custom", "kept"),
        ]);
        let map = plugin_headers(&given, &["x-custom".to_owned()]).unwrap();
        assert_eq!(map.len(), 3, "{map:?}");
        assert_eq!(map["x-custom"], "kept");
        assert_eq!(map["accept"], "application/json");
        let err = plugin_headers(&given, &[]).unwrap_err();
        assert!(err.contains("x-custom may not be sent"), "{err}");
        assert!(err.contains("allowed: accept, content-type"), "{err}");
    }

    #[test]
    fn overrides_and_proxy_headers_are_refused_even_when_a_role_allows_them() {
        let role_allows: Vec<String> = [
            "x-http-method-override",
            "X-Original-URL",
            "x-forwarded-host",
            "forwarded",
            "host",
        ]
        .map(str::to_owned)
        .to_vec();
        for name in [
            "X-HTTP-Method-Override",
            "x_http_method_override",
            "X-HTTP-Method",
            "X-Method-Override",
            "X-Original-URL",
            "X-Rewrite-URL",
            "X-Forwarded-For",
            "X-Forwarded-Host",
            "Forwarded",
            "Host",
            "Content-Length",
            "Transfer-Encoding",
        ] {
            let err = plugin_headers(&headers(&[(name, "DELETE")]), &role_allows).unwrap_err();
            assert!(err.contains("may not be sent"), "{name}: {err}");
            assert!(
                !err.contains("x-original-url,"),
                "never listed as allowed: {err}"
            );
        }
    }

    #[test]
    fn invalid_headers_are_refused() {
        let bad_name = vec![("bad name".to_owned(), "v".to_owned())];
        assert!(plugin_headers(&bad_name, &[]).is_err());
        let bad_value = vec![("accept".to_owned(), "a\nb".to_owned())];
        assert!(plugin_headers(&bad_value, &[]).is_err());
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
}
