//! Record types and their targets: validation by type and the wire format of the DNS API
//! (TXT sent raw and read back quoted, MX/SRV priority inside the target, CAA
//! `flags tag "value"`).

use std::net::{Ipv4Addr, Ipv6Addr};

use ikmcp_pdk::ToolError;
use ikmcp_pdk::error::invalid_args;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::names::is_hostname;

// The record types the DNS API lets a client create (no doc comment: the enum's values
// are its schema description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordType {
    /// IPv4 address.
    A,
    /// IPv6 address.
    Aaaa,
    /// Certification authority authorization: `flags tag value`.
    Caa,
    /// Alias to another name (never at the apex).
    Cname,
    /// Alias of a whole subtree.
    Dname,
    /// Delegation signer: `key-tag algorithm digest-type digest`.
    Ds,
    /// Mail exchanger: `priority host`.
    Mx,
    /// Name server delegation.
    Ns,
    /// S/MIME certificate association: `usage selector matching-type data`.
    Smimea,
    /// Service: `priority weight port target`.
    Srv,
    /// SSH fingerprint: `algorithm type fingerprint`.
    Sshfp,
    /// TLS certificate association: `usage selector matching-type data`.
    Tlsa,
    /// Text.
    Txt,
}

impl RecordType {
    /// The API's spelling (`AAAA`, `TXT`…).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Caa => "CAA",
            RecordType::Cname => "CNAME",
            RecordType::Dname => "DNAME",
            RecordType::Ds => "DS",
            RecordType::Mx => "MX",
            RecordType::Ns => "NS",
            RecordType::Smimea => "SMIMEA",
            RecordType::Srv => "SRV",
            RecordType::Sshfp => "SSHFP",
            RecordType::Tlsa => "TLSA",
            RecordType::Txt => "TXT",
        }
    }

    /// Parses the API's spelling; `None` for types the API lists but no one may create
    /// (SOA, DNSKEY, PTR…).
    pub fn parse(s: &str) -> Option<RecordType> {
        serde_json::from_value(serde_json::Value::String(s.to_ascii_uppercase())).ok()
    }

    /// Whether the target starts with a priority field.
    pub fn has_priority(self) -> bool {
        matches!(self, RecordType::Mx | RecordType::Srv)
    }
}

/// Lowest TTL the API accepts, in seconds.
pub const TTL_MIN: u32 = 60;
/// Highest TTL the API accepts, in seconds.
pub const TTL_MAX: u32 = 86_400;
/// TTL used when the caller gives none.
pub const TTL_DEFAULT: u32 = 3_600;

/// Checks a TTL against the API's range.
pub fn check_ttl(ttl: u32) -> Result<u32, ToolError> {
    if (TTL_MIN..=TTL_MAX).contains(&ttl) {
        Ok(ttl)
    } else {
        Err(invalid_args(
            format!("ttl {ttl} is outside {TTL_MIN}..{TTL_MAX} seconds"),
            "use a TTL between 60 and 86400 seconds (3600 is a good default)",
        ))
    }
}

fn bad(rtype: RecordType, target: &str, hint: &str) -> ToolError {
    invalid_args(
        format!("`{target}` is not a valid {} target", rtype.as_str()),
        hint,
    )
}

fn host(name: &str, allow_root: bool) -> Option<String> {
    let name = name.trim().to_ascii_lowercase();
    if allow_root && name == "." {
        return Some(name);
    }
    let name = name.strip_suffix('.').unwrap_or(&name).to_string();
    is_hostname(&name).then_some(name)
}

fn numbers<const N: usize>(parts: &[&str]) -> Option<[u16; N]> {
    let mut out = [0u16; N];
    for (slot, part) in out.iter_mut().zip(parts) {
        *slot = part.parse().ok()?;
    }
    Some(out)
}

/// Validates `target` for `rtype` and returns it in the API's wire format. `priority` (MX,
/// SRV only) is folded into the target, which then must not carry one itself.
pub fn normalize(
    rtype: RecordType,
    target: &str,
    priority: Option<u16>,
) -> Result<String, ToolError> {
    let t = target.trim();
    if t.is_empty() {
        return Err(invalid_args(
            format!("the {} target is empty", rtype.as_str()),
            "give the record's value in target",
        ));
    }
    if priority.is_some() && !rtype.has_priority() {
        return Err(invalid_args(
            format!(
                "priority only applies to MX and SRV records, not {}",
                rtype.as_str()
            ),
            "remove priority",
        ));
    }
    let parts: Vec<&str> = t.split_whitespace().collect();
    match rtype {
        RecordType::A => t
            .parse::<Ipv4Addr>()
            .map(|ip| ip.to_string())
            .map_err(|_| bad(rtype, t, "A records need an IPv4 address such as 192.0.2.10 (use AAAA for IPv6)")),
        RecordType::Aaaa => t
            .parse::<Ipv6Addr>()
            .map(|ip| ip.to_string())
            .map_err(|_| bad(rtype, t, "AAAA records need an IPv6 address such as 2001:db8::10 (use A for IPv4)")),
        RecordType::Cname | RecordType::Ns | RecordType::Dname => host(t, false)
            .ok_or_else(|| bad(rtype, t, "give a host name such as target.example.net (not an IP address or URL)")),
        RecordType::Mx => {
            let (prio, host_part) = match (priority, parts.as_slice()) {
                (Some(p), [h]) => (p, *h),
                (None, [p, h]) => match p.parse::<u16>() {
                    Ok(p) => (p, *h),
                    Err(_) => return Err(mx_hint(rtype, t)),
                },
                _ => return Err(mx_hint(rtype, t)),
            };
            let h = host(host_part, true).ok_or_else(|| mx_hint(rtype, t))?;
            Ok(format!("{prio} {h}"))
        }
        RecordType::Srv => {
            let fields: Vec<&str> = match priority {
                Some(_) if parts.len() == 3 => parts.clone(),
                None if parts.len() == 4 => parts[1..].to_vec(),
                _ => return Err(srv_hint(rtype, t)),
            };
            let prio = match priority {
                Some(p) => p,
                None => parts[0].parse().map_err(|_| srv_hint(rtype, t))?,
            };
            let [weight, port] = numbers::<2>(&fields[..2]).ok_or_else(|| srv_hint(rtype, t))?;
            let h = host(fields[2], true).ok_or_else(|| srv_hint(rtype, t))?;
            Ok(format!("{prio} {weight} {port} {h}"))
        }
        RecordType::Caa => caa(t).ok_or_else(|| {
            bad(rtype, t, "CAA targets are `flags tag value`, e.g. 0 issue \"letsencrypt.org\" (tags: issue, issuewild, iodef)")
        }),
        RecordType::Txt => raw_txt(t),
        RecordType::Ds => fields_then_hex(&parts, 3).ok_or_else(|| {
            bad(rtype, t, "DS targets are `key-tag algorithm digest-type digest`, e.g. 12345 13 2 <hex digest>")
        }),
        RecordType::Tlsa | RecordType::Smimea => fields_then_hex(&parts, 3).ok_or_else(|| {
            bad(rtype, t, "targets are `usage selector matching-type data`, e.g. 3 1 1 <hex data>")
        }),
        RecordType::Sshfp => fields_then_hex(&parts, 2).ok_or_else(|| {
            bad(rtype, t, "SSHFP targets are `algorithm type fingerprint`, e.g. 4 2 <hex fingerprint>")
        }),
    }
}

fn mx_hint(rtype: RecordType, t: &str) -> ToolError {
    bad(
        rtype,
        t,
        "MX targets are `priority host`, e.g. `10 mail.example.com`; or pass the host in target and the number in priority",
    )
}

fn srv_hint(rtype: RecordType, t: &str) -> ToolError {
    bad(
        rtype,
        t,
        "SRV targets are `priority weight port target`, e.g. `10 5 5060 sip.example.com`; or pass `weight port target` with priority",
    )
}

/// `n` numeric fields followed by one hex string.
fn fields_then_hex(parts: &[&str], n: usize) -> Option<String> {
    if parts.len() != n + 1 || !parts[..n].iter().all(|p| p.parse::<u16>().is_ok()) {
        return None;
    }
    let hex = parts[n];
    hex.chars()
        .all(|c| c.is_ascii_hexdigit())
        .then(|| parts.join(" "))
}

fn caa(t: &str) -> Option<String> {
    let mut it = t.splitn(3, char::is_whitespace);
    let flags: u8 = it.next()?.parse().ok()?;
    let tag = it.next()?.to_ascii_lowercase();
    let value = it.next()?.trim();
    if tag.is_empty()
        || !tag.chars().all(|c| c.is_ascii_alphanumeric())
        || value.is_empty()
        || value == "\"\""
    {
        return None;
    }
    let value = if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        value.to_string()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    };
    Some(format!("{flags} {tag} {value}"))
}

/// Longest DNS character-string (RFC 1035 §3.3): a TXT value longer than this is stored as
/// several strings.
pub const TXT_STRING_MAX: usize = 255;

/// The TXT value to send: the raw text, as the clients proven against the live API send it
/// (acme.sh `dns_infomaniak.sh` posts `"target": "<value>"`; LEGO's
/// `record_create-request.json` likewise); the API stores and returns it quoted
/// (infomaniak-api.md Q5). What the live API does with a value that is already quoted is
/// unknown, so none is ever sent: a value given in zone-file form (`"v=spf1 " "-all"`) is
/// unquoted and joined first, and one that still starts with a quote is refused.
///
/// Long values: the evidence covers short ones only (ACME challenge tokens are 43 bytes).
/// Nothing shows how the API stores a raw value over [`TXT_STRING_MAX`] bytes (split into
/// several strings, or refused), so it is sent whole, not split (splitting means sending
/// quoted strings), and the plan says so.
pub fn raw_txt(value: &str) -> Result<String, ToolError> {
    let v = value.trim();
    let raw = if v.starts_with('"') {
        parse_quoted(v).map(|parts| parts.concat()).ok_or_else(|| {
            invalid_args(
                format!("`{v}` has unbalanced quotes"),
                "give the TXT text without quotes, e.g. v=spf1 include:spf.infomaniak.ch -all",
            )
        })?
    } else {
        v.to_string()
    };
    if raw.is_empty() || raw.starts_with('"') {
        return Err(invalid_args(
            format!("`{v}` is not a TXT text the API can take"),
            "give the TXT text itself, without surrounding quotes and not empty",
        ));
    }
    Ok(raw)
}

/// Parses `"a" "b"` into its strings (unescaped); `None` when the quoting is broken.
fn parse_quoted(v: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = v.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => return (!out.is_empty()).then_some(out),
            Some('"') => {}
            Some(_) => return None,
        }
        let mut s = String::new();
        loop {
            match chars.next()? {
                '\\' => s.push(chars.next()?),
                '"' => break,
                c => s.push(c),
            }
        }
        out.push(s);
    }
}

/// The logical value of a TXT target as stored by the API (quotes removed, parts joined);
/// an unquoted target is returned as is.
pub fn txt_value(target: &str) -> String {
    let t = target.trim();
    match parse_quoted(t) {
        Some(parts) if t.starts_with('"') => parts.concat(),
        _ => t.to_string(),
    }
}

/// Whether two targets of `rtype` mean the same thing (TXT quoting, case and trailing dots
/// of host names, IPv6 spelling are ignored).
pub fn same_target(rtype: &str, a: &str, b: &str) -> bool {
    match RecordType::parse(rtype) {
        Some(RecordType::Txt) => txt_value(a) == txt_value(b),
        Some(t) => match (normalize(t, a, None), normalize(t, b, None)) {
            (Ok(x), Ok(y)) => x.eq_ignore_ascii_case(&y),
            _ => a.trim().eq_ignore_ascii_case(b.trim()),
        },
        None => a.trim() == b.trim(),
    }
}

/// Replaces the priority (first field) of an MX/SRV wire target.
pub fn with_priority(rtype: RecordType, target: &str, priority: u16) -> Result<String, ToolError> {
    let rest: Vec<&str> = target.split_whitespace().skip(1).collect();
    normalize(rtype, &rest.join(" "), Some(priority))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(t: RecordType, target: &str, prio: Option<u16>) -> String {
        normalize(t, target, prio).unwrap_or_else(|e| panic!("{target}: {e:?}"))
    }

    fn rejected(t: RecordType, target: &str, prio: Option<u16>) -> String {
        match normalize(t, target, prio) {
            Err(ToolError::InvalidArgs(d)) => d.hint.unwrap(),
            other => panic!("{target} should be rejected, got {other:?}"),
        }
    }

    #[test]
    fn a_and_aaaa() {
        assert_eq!(ok(RecordType::A, " 192.0.2.10 ", None), "192.0.2.10");
        assert!(rejected(RecordType::A, "2001:db8::1", None).contains("IPv4"));
        assert!(rejected(RecordType::A, "192.0.2.300", None).contains("IPv4"));
        assert!(rejected(RecordType::A, "example.com", None).contains("IPv4"));
        assert_eq!(
            ok(RecordType::Aaaa, "2001:0db8:0:0:0:0:0:10", None),
            "2001:db8::10"
        );
        assert!(rejected(RecordType::Aaaa, "192.0.2.1", None).contains("IPv6"));
    }

    #[test]
    fn cname_ns_hostnames() {
        assert_eq!(
            ok(RecordType::Cname, "Target.Example.NET.", None),
            "target.example.net"
        );
        assert_eq!(
            ok(RecordType::Ns, "ns1.example.net", None),
            "ns1.example.net"
        );
        assert!(rejected(RecordType::Cname, "https://x.com/", None).contains("host name"));
        assert!(rejected(RecordType::Ns, "a b", None).contains("host name"));
        assert!(rejected(RecordType::Cname, "192.0.2.1", None).contains("host name"));
        assert!(rejected(RecordType::Cname, "x.com", Some(5)).contains("remove priority"));
    }

    #[test]
    fn mx_priority_inline_or_separate() {
        assert_eq!(
            ok(RecordType::Mx, "10 mail.example.com", None),
            "10 mail.example.com"
        );
        assert_eq!(
            ok(RecordType::Mx, "mta-gw.infomaniak.ch.", Some(5)),
            "5 mta-gw.infomaniak.ch"
        );
        assert_eq!(ok(RecordType::Mx, "0 .", None), "0 .");
        assert!(rejected(RecordType::Mx, "mail.example.com", None).contains("priority host"));
        assert!(rejected(RecordType::Mx, "10 mail.example.com", Some(5)).contains("priority host"));
        assert!(rejected(RecordType::Mx, "x mail.example.com", None).contains("priority host"));
        assert!(rejected(RecordType::Mx, "70000 mail.example.com", None).contains("priority host"));
    }

    #[test]
    fn srv_fields() {
        assert_eq!(
            ok(RecordType::Srv, "10 5 5060 sip.example.com", None),
            "10 5 5060 sip.example.com"
        );
        assert_eq!(
            ok(RecordType::Srv, "5 5060 sip.example.com", Some(10)),
            "10 5 5060 sip.example.com"
        );
        assert!(
            rejected(RecordType::Srv, "10 5 sip.example.com", None)
                .contains("priority weight port target")
        );
        assert!(
            rejected(RecordType::Srv, "10 5 99999 sip.example.com", None)
                .contains("priority weight port")
        );
        assert!(
            rejected(RecordType::Srv, "10 5 5060 sip.example.com", Some(1))
                .contains("priority weight port")
        );
    }

    #[test]
    fn caa_fields() {
        assert_eq!(
            ok(RecordType::Caa, "0 issue \"letsencrypt.org\"", None),
            "0 issue \"letsencrypt.org\""
        );
        assert_eq!(
            ok(RecordType::Caa, "0 ISSUE letsencrypt.org", None),
            "0 issue \"letsencrypt.org\""
        );
        assert_eq!(
            ok(RecordType::Caa, "128 iodef mailto:sec@example.com", None),
            "128 iodef \"mailto:sec@example.com\""
        );
        assert!(
            rejected(RecordType::Caa, "issue letsencrypt.org", None).contains("flags tag value")
        );
        assert!(rejected(RecordType::Caa, "300 issue x", None).contains("flags tag value"));
        assert!(rejected(RecordType::Caa, "0 issue", None).contains("flags tag value"));
    }

    #[test]
    fn ds_tlsa_sshfp() {
        assert_eq!(
            ok(RecordType::Ds, "12345 13 2 ABCDEF01", None),
            "12345 13 2 ABCDEF01"
        );
        assert!(normalize(RecordType::Ds, "12345 13 ABCDEF01", None).is_err());
        assert_eq!(ok(RecordType::Tlsa, "3 1 1 abcd", None), "3 1 1 abcd");
        assert!(normalize(RecordType::Tlsa, "3 1 1 xyz", None).is_err());
        assert_eq!(ok(RecordType::Sshfp, "4 2 abcd", None), "4 2 abcd");
    }

    #[test]
    fn txt_is_sent_raw_never_quoted() {
        assert_eq!(
            ok(
                RecordType::Txt,
                " v=spf1 include:spf.infomaniak.ch -all ",
                None
            ),
            "v=spf1 include:spf.infomaniak.ch -all"
        );
        assert_eq!(
            ok(RecordType::Txt, r#"say "hi" \o/"#, None),
            r#"say "hi" \o/"#,
            "inner quotes and backslashes are text, sent as given"
        );
        assert_eq!(
            ok(RecordType::Txt, "\"zone-file\" \" form\"", None),
            "zone-file form",
            "a quoted value is unquoted and joined"
        );
        assert_eq!(ok(RecordType::Txt, "\"esc\\\"aped\"", None), "esc\"aped");
        assert!(rejected(RecordType::Txt, "\"unbalanced", None).contains("without quotes"));
        assert!(
            rejected(RecordType::Txt, "\"\\\"x\\\"\"", None).contains("without surrounding quotes")
        );
        assert!(rejected(RecordType::Txt, "\"\"", None).contains("not empty"));
        assert!(rejected(RecordType::Txt, "   ", None).contains("target"));
        let long = "k".repeat(300);
        assert_eq!(
            ok(RecordType::Txt, &long, None),
            long,
            "long values go whole: how the API splits them is unknown"
        );
        for given in ["plain", "\"quoted\"", "\"a\" \"b\"", long.as_str()] {
            let sent = ok(RecordType::Txt, given, None);
            assert!(!sent.starts_with('"'), "{given} was sent as {sent}");
        }
    }

    #[test]
    fn txt_values_and_equality() {
        assert_eq!(txt_value("\"v=DMARC1;p=reject\""), "v=DMARC1;p=reject");
        assert_eq!(txt_value("\"a\" \"b\""), "ab");
        assert_eq!(txt_value("plain"), "plain");
        assert_eq!(txt_value("\"esc\\\"aped\""), "esc\"aped");
        assert!(same_target("TXT", "\"v=spf1 -all\"", "v=spf1 -all"));
        assert!(same_target("TXT", "\"v=spf1 \" \"-all\"", "v=spf1 -all"));
        assert!(same_target("TXT", "\"say \\\"hi\\\"\"", r#"say "hi""#));
        assert!(!same_target("TXT", "\"v=spf1 -all\"", "v=spf1 ~all"));
        assert!(same_target("CNAME", "X.example.com.", "x.example.com"));
        assert!(same_target("AAAA", "2001:db8::1", "2001:0db8::0001"));
        assert!(!same_target("A", "192.0.2.1", "192.0.2.2"));
        assert!(same_target("SOA", "a", " a "));
    }

    #[test]
    fn ttl_and_priority_helpers() {
        assert_eq!(check_ttl(60).unwrap(), 60);
        assert_eq!(check_ttl(86_400).unwrap(), 86_400);
        assert!(check_ttl(59).is_err());
        assert!(check_ttl(86_401).is_err());
        assert_eq!(
            with_priority(RecordType::Mx, "10 mail.example.com", 20).unwrap(),
            "20 mail.example.com"
        );
        assert_eq!(
            with_priority(RecordType::Srv, "10 5 5060 sip.example.com", 1).unwrap(),
            "1 5 5060 sip.example.com"
        );
        assert_eq!(RecordType::parse("aaaa"), Some(RecordType::Aaaa));
        assert_eq!(RecordType::parse("SOA"), None);
    }
}
