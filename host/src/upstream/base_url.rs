//! A role's base URL, possibly with `{placeholders}` that each request fills from its
//! `base-params` (kChat lives on `https://{team}.kchat.infomaniak.com`).
//!
//! The host validates every value before it goes into a URL: a placeholder value is a DNS
//! label (1 to 63 ASCII letters, digits and `-`, not starting or ending with `-`), so it
//! can never add a dot, a slash, an `@`, a port or a percent-escape, and so never moves the
//! request to another host or path than the one the operator configured.

use std::fmt;

/// Longest DNS label (RFC 1035 §2.3.4).
const MAX_LABEL: usize = 63;

/// A role's base URL template.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    template: String,
    placeholders: Vec<String>,
    /// Values the operator gave for placeholders (`[roles.kchat] params = { team = "acme" }`),
    /// used when a request does not name them.
    defaults: Vec<(String, String)>,
    /// The parsed URL when there is no placeholder (the common case: no per-request parse).
    fixed: Option<url::Url>,
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.template)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.template)
    }
}

impl From<url::Url> for BaseUrl {
    fn from(url: url::Url) -> Self {
        BaseUrl {
            template: url.as_str().to_owned(),
            placeholders: Vec::new(),
            defaults: Vec::new(),
            fixed: Some(url),
        }
    }
}

impl BaseUrl {
    /// Parses a template: an `http(s)` URL with a host, no user info, where `{name}`
    /// (lower-case letters, digits, `_`) may stand for a host label or a path segment.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut placeholders = Vec::new();
        let mut rest = raw;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("{raw:?} has a '{{' without its '}}'"))?;
            let name = &after[..close];
            let valid = !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                return Err(format!(
                    "{raw:?} has the placeholder {{{name}}}; a placeholder name is lower-case \
                     letters, digits and '_'"
                ));
            }
            if placeholders.iter().any(|p| p == name) {
                return Err(format!("{raw:?} names {{{name}}} twice"));
            }
            placeholders.push(name.to_owned());
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            return Err(format!("{raw:?} has a '}}' without its '{{'"));
        }
        let scheme_end = raw.find("://").map_or(0, |i| i + 3);
        if raw[..scheme_end].contains('{') {
            return Err(format!("{raw:?}: the scheme cannot be a placeholder"));
        }
        let authority_end = raw[scheme_end..]
            .find('/')
            .map_or(raw.len(), |i| scheme_end + i);
        let authority = &raw[scheme_end..authority_end];
        if authority
            .rfind(':')
            .is_some_and(|colon| authority[colon..].contains('{'))
        {
            return Err(format!("{raw:?}: the port cannot be a placeholder"));
        }
        // Check the shape with every placeholder standing for a plain label.
        let sample = fill(raw, placeholders.iter().map(|p| (p.as_str(), "x")));
        let url = url::Url::parse(&sample).map_err(|e| format!("{raw:?} is not a URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(format!("{raw:?} must be an http(s) URL with a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("{raw:?} must not carry user info"));
        }
        let fixed = placeholders.is_empty().then_some(url);
        Ok(BaseUrl {
            template: raw.to_owned(),
            placeholders,
            defaults: Vec::new(),
            fixed,
        })
    }

    /// The same template with operator-given values for some placeholders (the default
    /// kChat team): each must name a placeholder and be a DNS label, like any request's.
    pub fn with_defaults(mut self, defaults: Vec<(String, String)>) -> Result<Self, String> {
        for (name, value) in &defaults {
            if !self.placeholders.contains(name) {
                return Err(format!(
                    "{} has no placeholder {{{}}} to give a value to",
                    self.template,
                    shown(name)
                ));
            }
            check_label(value).map_err(|why| {
                format!(
                    "the value of {name} ({:?}) is not a DNS label: {why}",
                    shown(value)
                )
            })?;
        }
        self.defaults = defaults;
        Ok(self)
    }

    /// The operator-given placeholder values.
    pub fn defaults(&self) -> &[(String, String)] {
        &self.defaults
    }

    /// `params` plus the operator's value of every placeholder they do not name: what a
    /// request (or a planned write) really goes to. The host completes both before it
    /// resolves, matches or shows them, so an approval names the team a write goes to even
    /// when the plugin left it to the configuration.
    pub fn complete(&self, params: &[(String, String)]) -> Vec<(String, String)> {
        let mut all = params.to_vec();
        for (name, value) in &self.defaults {
            if !params.iter().any(|(n, _)| n == name) {
                all.push((name.clone(), value.clone()));
            }
        }
        all
    }

    /// Checks the template again (a base URL built from a parsed [`url::Url`] skipped the
    /// scheme and host checks of [`BaseUrl::parse`]).
    pub(crate) fn check(&self) -> Result<(), String> {
        BaseUrl::parse(&self.template).map(|_| ())
    }

    /// The placeholder names, in template order.
    pub fn placeholders(&self) -> &[String] {
        &self.placeholders
    }

    /// The URL for one request: every placeholder filled from `params`, each value a DNS
    /// label. Missing, unknown, repeated or invalid params are refused with what to send.
    pub fn resolve(&self, params: &[(String, String)]) -> Result<url::Url, String> {
        for (i, (name, value)) in params.iter().enumerate() {
            if !self.placeholders.contains(name) {
                let expected = if self.placeholders.is_empty() {
                    "none".to_owned()
                } else {
                    self.placeholders.join(", ")
                };
                return Err(format!(
                    "the base URL {} has no placeholder {{{}}} (it takes: {expected})",
                    self.template,
                    shown(name)
                ));
            }
            if params[..i].iter().any(|(n, _)| n == name) {
                return Err(format!("the base param {name} is given twice"));
            }
            check_label(value).map_err(|why| {
                format!(
                    "the base param {name} = {:?} is not a DNS label: {why}",
                    shown(value)
                )
            })?;
        }
        if let Some(url) = &self.fixed {
            return Ok(url.clone());
        }
        if let Some(missing) = self
            .placeholders
            .iter()
            .find(|p| !params.iter().any(|(n, _)| n == *p))
        {
            return Err(format!(
                "the base URL {} needs the base param {missing}",
                self.template
            ));
        }
        let filled = fill(
            &self.template,
            params.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        );
        url::Url::parse(&filled)
            .map_err(|e| format!("the base URL does not parse once filled ({e})"))
    }
}

/// `template` with each `{name}` replaced by its value.
fn fill<'a>(template: &str, values: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    values.fold(template.to_owned(), |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), value)
    })
}

/// Whether `value` is one DNS label; the error says why not.
fn check_label(value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("it is empty");
    }
    if value.len() > MAX_LABEL {
        return Err("it is longer than 63 characters");
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("only letters, digits and '-' are allowed (no '.', '/', '@', '%' or ':')");
    }
    if value.starts_with('-') || value.ends_with('-') {
        return Err("it may not start or end with '-'");
    }
    Ok(())
}

/// A value as it may appear in a message: control characters escaped, cut at 80 chars.
fn shown(value: &str) -> String {
    value
        .chars()
        .take(80)
        .flat_map(char::escape_default)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_placeholder_is_filled_with_a_dns_label() {
        let base = BaseUrl::parse("https://{team}.kchat.infomaniak.com/api/v4").unwrap();
        assert_eq!(base.placeholders(), ["team"]);
        let url = base.resolve(&params(&[("team", "Acme-1")])).unwrap();
        assert_eq!(url.as_str(), "https://acme-1.kchat.infomaniak.com/api/v4");
        let path = BaseUrl::parse("http://127.0.0.1:9/teams/{team}").unwrap();
        assert_eq!(
            path.resolve(&params(&[("team", "x")])).unwrap().as_str(),
            "http://127.0.0.1:9/teams/x"
        );
    }

    #[test]
    fn values_that_are_not_one_label_are_refused() {
        let base = BaseUrl::parse("https://{team}.kchat.infomaniak.com").unwrap();
        for bad in [
            "a.b",
            "../x",
            "x@y",
            "x/y",
            "x:1",
            "a%2eb",
            "",
            "-a",
            "a-",
            "a b",
            "é",
            "evil.example#",
            &"a".repeat(64),
        ] {
            let err = base.resolve(&params(&[("team", bad)])).unwrap_err();
            assert!(err.contains("not a DNS label"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn params_must_match_the_placeholders_exactly() {
        let base = BaseUrl::parse("https://{team}.example.com").unwrap();
        assert!(
            base.resolve(&[])
                .unwrap_err()
                .contains("needs the base param team")
        );
        let unknown = base
            .resolve(&params(&[("team", "a"), ("host", "b")]))
            .unwrap_err();
        assert!(unknown.contains("no placeholder {host}"), "{unknown}");
        let twice = base
            .resolve(&params(&[("team", "a"), ("team", "b")]))
            .unwrap_err();
        assert!(twice.contains("twice"), "{twice}");
        let fixed = BaseUrl::parse("https://api.example.com").unwrap();
        assert!(fixed.resolve(&params(&[("team", "a")])).is_err());
        assert!(fixed.resolve(&[]).is_ok());
    }

    #[test]
    fn operator_defaults_fill_only_what_a_request_leaves_out() {
        let base = BaseUrl::parse("https://{team}.example.com")
            .unwrap()
            .with_defaults(params(&[("team", "acme")]))
            .unwrap();
        assert_eq!(base.complete(&[]), params(&[("team", "acme")]));
        assert_eq!(
            base.complete(&params(&[("team", "other")])),
            params(&[("team", "other")])
        );
        let url = base.resolve(&base.complete(&[])).unwrap();
        assert_eq!(url.as_str(), "https://acme.example.com/");
        let unknown = BaseUrl::parse("https://{team}.example.com")
            .unwrap()
            .with_defaults(params(&[("zone", "a")]))
            .unwrap_err();
        assert!(unknown.contains("no placeholder {zone}"), "{unknown}");
        let bad = BaseUrl::parse("https://{team}.example.com")
            .unwrap()
            .with_defaults(params(&[("team", "evil.example")]))
            .unwrap_err();
        assert!(bad.contains("not a DNS label"), "{bad}");
    }

    #[test]
    fn templates_are_checked_when_configured() {
        for (raw, needle) in [
            ("ftp://x", "http(s)"),
            ("https://{Team}.x", "placeholder name"),
            ("https://{team.x", "without"),
            ("https://team}.x", "without"),
            ("https://{a}.{a}.x", "twice"),
            ("{scheme}://x", "scheme"),
            ("https://x:{port}", "port"),
            ("https://{user}@x.example", "user info"),
            ("not a url", "not a URL"),
        ] {
            let err = BaseUrl::parse(raw).unwrap_err();
            assert!(err.contains(needle), "{raw}: {err}");
        }
    }
}
