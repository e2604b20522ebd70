//! Load-time policy: which imports a component may have, and what a valid manifest is.
//!
//! A plugin may import only the `ikmcp:plugin` interfaces and the WASI plumbing that a std
//! Rust guest links (streams, stdio, exit, environment, clocks, random). Filesystem,
//! sockets, HTTP or any unknown package is refused before the component ever runs.

use std::collections::HashSet;

use crate::contract::{CONTRACT_VERSION, Manifest};

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
            PLUGIN_INTERFACES.contains(&interface) && same_major_minor(version, CONTRACT_VERSION)
        }
        "wasi:cli" => CLI_INTERFACES.contains(&interface) && version.starts_with("0.2."),
        _ => match package.strip_prefix("wasi:") {
            Some(wasi) => WASI_PACKAGES.contains(&wasi) && version.starts_with("0.2."),
            None => false,
        },
    }
}

/// Parses `major.minor` out of a semver string.
fn major_minor(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

fn same_major_minor(a: &str, b: &str) -> bool {
    matches!((major_minor(a), major_minor(b)), (Some(x), Some(y)) if x == y)
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

/// Checks a described manifest; the error is a reason a plugin author can act on.
pub(crate) fn check_manifest(m: &Manifest) -> Result<(), String> {
    if !valid_plugin_id(&m.id) {
        return Err(format!(
            "plugin id {:?} must be 1-64 characters of lowercase letters, digits, '_' or '-'",
            m.id
        ));
    }
    if !contract_compatible(&m.contract_version, CONTRACT_VERSION) {
        return Err(format!(
            "plugin {} was built against contract {:?}, but this host implements {CONTRACT_VERSION}; rebuild the plugin against ikmcp:plugin@{CONTRACT_VERSION}",
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
    }
    if let Some(role) = m.roles.iter().find(|r| r.trim().is_empty()) {
        return Err(format!("plugin {} lists an empty role {role:?}", m.id));
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
            "ikmcp:plugin/upstream@0.2.0",
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
                })
                .collect(),
        }
    }

    #[test]
    fn manifest_checks() {
        assert!(check_manifest(&manifest(&["dns_list", "dns-get_2"])).is_ok());
        let err = check_manifest(&manifest(&["dns.list"])).unwrap_err();
        assert!(err.contains("must match"), "{err}");
        let long = "a".repeat(65);
        assert!(check_manifest(&manifest(&[&long])).is_err());
        assert!(check_manifest(&manifest(&[""])).is_err());
        let err = check_manifest(&manifest(&["a", "a"])).unwrap_err();
        assert!(err.contains("twice"), "{err}");
        assert!(check_manifest(&manifest(&[])).is_err());
        let mut m = manifest(&["a"]);
        m.contract_version = "0.2.0".into();
        let err = check_manifest(&m).unwrap_err();
        assert!(err.contains("rebuild the plugin"), "{err}");
        let mut m = manifest(&["a"]);
        m.id = "DNS".into();
        assert!(check_manifest(&m).is_err());
    }
}
