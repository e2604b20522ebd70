//! Load-time policy: which imports a component may have, and what a valid manifest is.
//!
//! A plugin may import only the `ikmcp:plugin` interfaces and the WASI plumbing that a std
//! Rust guest links (streams, stdio, exit, environment, clocks, random). Filesystem,
//! sockets, HTTP or any unknown package is refused before the component ever runs.

use std::collections::HashSet;

use super::world::{ContractWorld, major_minor};
use crate::contract::Manifest;

/// Most keywords one tool may declare, and the longest keyword, in bytes.
const MAX_KEYWORDS: usize = 32;
const MAX_KEYWORD_LEN: usize = 40;

/// `ikmcp:plugin` interfaces a plugin may import.
const PLUGIN_INTERFACES: [&str; 4] = ["types", "upstream", "log", "progress"];

/// `wasi:cli` interfaces a std guest imports; all are granted nothing (no env, no args,
/// empty stdin, discarded stdout).
const CLI_INTERFACES: [&str; 10] = [
    "environment",
    "exit",
    "stdin",
    "stdout",
    "stderr",
    "terminal-input",
    "terminal-output",
    "terminal-stdin",
    "terminal-stdout",
    "terminal-stderr",
];

/// Whole WASI packages that are harmless: stream plumbing, clocks and randomness.
const WASI_PACKAGES: [&str; 3] = ["io", "clocks", "random"];

/// Whether the import named `name` (e.g. `wasi:io/poll@0.2.6`) is allowed.
pub(crate) fn import_allowed(name: &str) -> bool {
    let Some((path, version)) = name.split_once('@') else {
        return false;
    };
    let Some((package, interface)) = path.split_once('/') else {
        return false;
    };
    match package {
        "ikmcp:plugin" => {
            PLUGIN_INTERFACES.contains(&interface) && ContractWorld::of_version(version).is_some()
        }
        "wasi:cli" => CLI_INTERFACES.contains(&interface) && version.starts_with("0.2."),
        _ => match package.strip_prefix("wasi:") {
            Some(wasi) => WASI_PACKAGES.contains(&wasi) && version.starts_with("0.2."),
            None => false,
        },
    }
}

/// Whether a plugin built against contract `plugin` can run on a host implementing `host`:
/// same major, and a minor not newer than the host's (for `0.x`, the same minor).
fn contract_compatible(plugin: &str, host: &str) -> bool {
    match (major_minor(plugin), major_minor(host)) {
        (Some((pm, pn)), Some((hm, hn))) => pm == hm && if hm == 0 { pn == hn } else { pn <= hn },
        _ => false,
    }
}

/// Whether `id` is a valid plugin id: lowercase `^[a-z0-9_-]{1,64}$`.
fn valid_plugin_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Checks a described manifest of a component implementing contract `world` (e.g.
/// `0.2.0`); the error is a reason a plugin author can act on.
pub(crate) fn check_manifest(m: &Manifest, world: &str) -> Result<(), String> {
    if !valid_plugin_id(&m.id) {
        return Err(format!(
            "plugin id {:?} must be 1-64 characters of lowercase letters, digits, '_' or '-'",
            m.id
        ));
    }
    if !contract_compatible(&m.contract_version, world) {
        return Err(format!(
            "plugin {} says it was built against contract {:?}, but the component implements ikmcp:plugin@{world}; report the version of the WIT it was built against",
            m.id, m.contract_version
        ));
    }
    if m.tools.is_empty() {
        return Err(format!("plugin {} declares no tools", m.id));
    }
    let mut seen = HashSet::new();
    for tool in &m.tools {
        if !crate::contract::valid_tool_name(&tool.name) {
            return Err(format!(
                "plugin {}: tool name {:?} must match ^[a-zA-Z0-9_-]{{1,64}}$",
                m.id, tool.name
            ));
        }
        if !seen.insert(tool.name.as_str()) {
            return Err(format!(
                "plugin {} declares tool {} twice; tool names must be unique",
                m.id, tool.name
            ));
        }
        check_surface(&m.id, tool)?;
    }
    if let Some(role) = m.roles.iter().find(|r| r.trim().is_empty()) {
        return Err(format!("plugin {} lists an empty role {role:?}", m.id));
    }
    Ok(())
}

/// A tool's toolset and keywords: a toolset is named like a plugin id; keywords are
/// short lowercase words, a bounded few (they cost nothing in the tool list, but `help`
/// reads them all).
fn check_surface(plugin: &str, tool: &crate::contract::ToolDescriptor) -> Result<(), String> {
    if !valid_plugin_id(&tool.toolset) {
        return Err(format!(
            "plugin {plugin}: tool {} has toolset {:?}; a toolset must be 1-64 characters of lowercase letters, digits, '_' or '-' (or absent, for the plugin id)",
            tool.name, tool.toolset
        ));
    }
    if tool.keywords.len() > MAX_KEYWORDS {
        return Err(format!(
            "plugin {plugin}: tool {} has {} keywords; keep the {MAX_KEYWORDS} most telling",
            tool.name,
            tool.keywords.len()
        ));
    }
    let bad = |k: &String| {
        k.trim().is_empty()
            || k.len() > MAX_KEYWORD_LEN
            || k.chars().any(|c| c.is_control() || c.is_uppercase())
    };
    if let Some(k) = tool.keywords.iter().find(|k| bad(k)) {
        return Err(format!(
            "plugin {plugin}: tool {} has keyword {k:?}; keywords are non-empty lowercase words of at most {MAX_KEYWORD_LEN} bytes without control characters",
            tool.name
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Effect, ToolDescriptor};

    #[test]
    fn plugin_world_and_std_plumbing_are_allowed() {
        for name in [
            "ikmcp:plugin/upstream@0.1.0",
            "ikmcp:plugin/types@0.1.3",
            "ikmcp:plugin/log@0.1.0",
            "ikmcp:plugin/progress@0.1.0",
            "ikmcp:plugin/upstream@0.2.0",
            "ikmcp:plugin/types@0.2.1",
            "wasi:io/poll@0.2.6",
            "wasi:io/streams@0.2.0",
            "wasi:cli/environment@0.2.6",
            "wasi:cli/terminal-stderr@0.2.6",
            "wasi:clocks/monotonic-clock@0.2.6",
            "wasi:random/random@0.2.6",
        ] {
            assert!(import_allowed(name), "{name} should be allowed");
        }
    }

    #[test]
    fn capabilities_and_unknown_packages_are_refused() {
        for name in [
            "wasi:filesystem/types@0.2.6",
            "wasi:filesystem/preopens@0.2.6",
            "wasi:sockets/tcp@0.2.6",
            "wasi:http/outgoing-handler@0.2.6",
            "ikmcp:plugin/secrets@0.1.0",
            "ikmcp:plugin/upstream@0.4.0",
            "ikmcp:plugin/upstream@1.1.0",
            "wasi:io/poll@0.3.0",
            "evil:pkg/iface@0.1.0",
            "ikmcp:plugin/upstream",
            "bare-function",
        ] {
            assert!(!import_allowed(name), "{name} should be refused");
        }
    }

    #[test]
    fn contract_versions() {
        assert!(contract_compatible("0.1.0", "0.1.0"));
        assert!(contract_compatible("0.1.7", "0.1.0"));
        assert!(!contract_compatible("0.2.0", "0.1.0"));
        assert!(!contract_compatible("0.0.9", "0.1.0"));
        assert!(contract_compatible("1.1.0", "1.2.0"));
        assert!(!contract_compatible("1.3.0", "1.2.0"));
        assert!(!contract_compatible("2.0.0", "1.2.0"));
        assert!(!contract_compatible("latest", "0.1.0"));
    }

    fn manifest(names: &[&str]) -> Manifest {
        Manifest {
            id: "dns".into(),
            version: "1.0.0".into(),
            contract_version: "0.1.0".into(),
            description: "d".into(),
            roles: vec!["infomaniak-api".into()],
            tools: names
                .iter()
                .map(|n| ToolDescriptor {
                    name: n.to_string(),
                    title: "t".into(),
                    description: "d".into(),
                    input_schema: serde_json::json!({"type": "object"}),
                    output_schema: serde_json::json!({}),
                    effect: Effect::Read,
                    idempotent: true,
                    category: "c".into(),
                    undo_tool: None,
                    toolset: "dns".into(),
                    keywords: vec!["zone".into()],
                })
                .collect(),
        }
    }

    #[test]
    fn manifest_checks() {
        let check = |m: &Manifest| check_manifest(m, "0.1.0");
        assert!(check(&manifest(&["dns_list", "dns-get_2"])).is_ok());
        let err = check(&manifest(&["dns.list"])).unwrap_err();
        assert!(err.contains("must match"), "{err}");
        let long = "a".repeat(65);
        assert!(check(&manifest(&[&long])).is_err());
        assert!(check(&manifest(&[""])).is_err());
        let err = check(&manifest(&["a", "a"])).unwrap_err();
        assert!(err.contains("twice"), "{err}");
        assert!(check(&manifest(&[])).is_err());
        let mut m = manifest(&["a"]);
        m.id = "DNS".into();
        assert!(check(&m).is_err());
    }

    #[test]
    fn the_declared_contract_version_must_be_the_implemented_one() {
        let mut m = manifest(&["a"]);
        m.contract_version = "0.2.0".into();
        let err = check_manifest(&m, "0.1.0").unwrap_err();
        assert!(err.contains("implements ikmcp:plugin@0.1.0"), "{err}");
        assert!(check_manifest(&m, "0.2.0").is_ok());
    }

    #[test]
    fn toolsets_and_keywords_are_checked() {
        let mut m = manifest(&["a"]);
        m.tools[0].toolset = "DNS Records".into();
        let err = check_manifest(&m, "0.1.0").unwrap_err();
        assert!(err.contains("toolset"), "{err}");
        let mut m = manifest(&["a"]);
        m.tools[0].keywords = vec!["MX".into()];
        assert!(check_manifest(&m, "0.1.0").unwrap_err().contains("keyword"));
        m.tools[0].keywords = vec!["a\nb".into()];
        assert!(check_manifest(&m, "0.1.0").is_err());
        m.tools[0].keywords = vec!["k".into(); MAX_KEYWORDS + 1];
        assert!(
            check_manifest(&m, "0.1.0")
                .unwrap_err()
                .contains("keywords")
        );
        m.tools[0].keywords = vec!["x".repeat(MAX_KEYWORD_LEN + 1)];
        assert!(check_manifest(&m, "0.1.0").is_err());
        m.tools[0].keywords = vec!["spf".into(), "dmarc record".into()];
        assert!(check_manifest(&m, "0.1.0").is_ok());
    }
}
