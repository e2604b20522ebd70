//! Zone, owner-name (`source`) and host-name handling: what the DNS API accepts and how
//! names given by a person or a model map onto it (apex is `.`, sources are relative).

use ikmcp_pdk::ToolError;
use ikmcp_pdk::error::invalid_args;

/// The API's spelling of the zone apex in record lists.
pub const APEX: &str = ".";

fn valid_label(label: &str, allow_wildcard: bool) -> bool {
    if allow_wildcard && label == "*" {
        return true;
    }
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether `name` (without trailing dot) is a syntactically valid host name; labels may
/// contain `_` (service labels such as `_dmarc`). An all-numeric last label is refused, so an
/// IPv4 address is not taken for a host name.
pub fn is_hostname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| valid_label(l, false))
        && !name
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
}

/// Lower-cases a name and drops one trailing dot.
fn canonical(name: &str) -> String {
    let name = name.trim().to_ascii_lowercase();
    name.strip_suffix('.').map(str::to_string).unwrap_or(name)
}

/// Validates and normalizes a zone name (`Example.com.` → `example.com`). Zones are used in
/// paths, so anything else than a host name is refused.
pub fn zone(name: &str) -> Result<String, ToolError> {
    let z = canonical(name);
    if !is_hostname(&z) || !z.contains('.') {
        return Err(invalid_args(
            format!("`{name}` is not a valid zone name"),
            "give the zone as a domain name such as example.com (infomaniak_list_domains lists them)",
        ));
    }
    Ok(z)
}

/// Normalizes a record owner name relative to `zone`: none, ``, `@`, `.` or the zone itself
/// is the apex ([`APEX`]); `www.example.com` in zone `example.com` is `www`. A leading `*`
/// label (wildcard) is allowed.
pub fn source(zone: &str, given: Option<&str>) -> Result<String, ToolError> {
    let raw = given.unwrap_or("").trim();
    if raw.is_empty() || raw == "@" || raw == "." {
        return Ok(APEX.to_string());
    }
    let name = canonical(raw);
    if name == zone {
        return Ok(APEX.to_string());
    }
    let relative = name
        .strip_suffix(&format!(".{zone}"))
        .unwrap_or(&name)
        .to_string();
    let mut labels = relative.split('.');
    let first_ok = labels.next().is_some_and(|l| valid_label(l, true));
    if !first_ok || !labels.all(|l| valid_label(l, false)) || relative.len() > 253 {
        return Err(invalid_args(
            format!("`{raw}` is not a valid record name"),
            "use a name relative to the zone such as www, _dmarc or *.dev; use @ (or omit source) for the zone apex",
        ));
    }
    Ok(relative)
}

/// The key under which API record sources are compared (apex spellings unified).
pub fn source_key(zone: &str, api_source: &str) -> String {
    source(zone, Some(api_source)).unwrap_or_else(|_| api_source.to_ascii_lowercase())
}

/// The fully qualified name of a relative `source` in `zone`, for messages.
pub fn fqdn(zone: &str, source: &str) -> String {
    if source == APEX {
        zone.to_string()
    } else {
        format!("{source}.{zone}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_normalized_and_validated() {
        assert_eq!(zone("Example.COM.").unwrap(), "example.com");
        for bad in [
            "", "com", "a/b.com", "../x.com", "a b.com", "-x.com", "x..com",
        ] {
            assert!(matches!(zone(bad), Err(ToolError::InvalidArgs(_))), "{bad}");
        }
    }

    #[test]
    fn apex_spellings_map_to_dot() {
        for apex in [
            None,
            Some(""),
            Some("@"),
            Some("."),
            Some("example.com"),
            Some("EXAMPLE.com."),
        ] {
            assert_eq!(source("example.com", apex).unwrap(), APEX, "{apex:?}");
        }
    }

    #[test]
    fn sources_become_relative() {
        assert_eq!(source("example.com", Some("www")).unwrap(), "www");
        assert_eq!(
            source("example.com", Some("WWW.example.com.")).unwrap(),
            "www"
        );
        assert_eq!(source("example.com", Some("_dmarc")).unwrap(), "_dmarc");
        assert_eq!(source("example.com", Some("*.dev")).unwrap(), "*.dev");
        assert_eq!(source("example.com", Some("a.b")).unwrap(), "a.b");
        for bad in ["a..b", "dev.*", "a b", "x/y", "-a"] {
            assert!(source("example.com", Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn fqdn_and_keys() {
        assert_eq!(fqdn("example.com", APEX), "example.com");
        assert_eq!(fqdn("example.com", "www"), "www.example.com");
        assert_eq!(source_key("example.com", "@"), APEX);
        assert_eq!(source_key("example.com", "WWW"), "www");
    }
}
