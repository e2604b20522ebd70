//! Finding plugin components on disk, and what can be known about each before any of its
//! code is compiled or run: the plugin id its file name claims, its sha256, and whether
//! it is a first-party build.
//!
//! A plugin's id is what its manifest says, but a manifest is the plugin's own word, only
//! known after compiling it and running `describe`. So the operator-visible file name
//! claims the id first (`acme.wasm`, or with a prefix ending in `_`, as cargo names
//! `ikmcp_plugin_dns.wasm`; `-` and `_` are the same), which lets start-up skip files
//! whose id is not enabled and check pins before compiling; the manifest must then agree
//! with its file name.
//!
//! First-party plugins are identified by hash: `make plugins` and `make install` write a
//! `SHA256SUMS` index (the `sha256sum` format) beside them, and a component is first-party
//! only if its hash is listed there under the name `ikmcp_plugin_<id>.wasm` of the id it
//! declares. Only first-party plugins get their declared roles without an operator grant.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Config;

/// File-name prefix of first-party plugin components in the build output.
pub const FIRST_PARTY_PREFIX: &str = "ikmcp_plugin_";
/// The index of first-party components, beside them.
pub const INDEX_FILE: &str = "SHA256SUMS";

/// A component file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginFile {
    /// Where it is.
    pub path: PathBuf,
    /// Found in a configured location (rather than a first-party one).
    pub configured: bool,
}

/// Every candidate component, configured locations first. In the cargo build layout
/// (`target/<profile>/ikmcp` beside `target/wasm32-wasip2/guest/`) only files named
/// `ikmcp_plugin_*.wasm` are taken, so test components are never picked up.
pub fn discover(config: &Config) -> Vec<PluginFile> {
    let mut found = Vec::new();
    for path in &config.extra_plugins {
        found.push(PluginFile {
            path: path.clone(),
            configured: true,
        });
    }
    for dir in &config.plugin_dirs {
        for path in wasm_files(dir, None) {
            found.push(PluginFile {
                path,
                configured: true,
            });
        }
    }
    for (dir, prefix) in first_party_dirs() {
        for path in wasm_files(&dir, prefix) {
            found.push(PluginFile {
                path,
                configured: false,
            });
        }
    }
    found
}

/// Where first-party plugins are installed, relative to the running binary: `plugins/`
/// beside it, `../share/ikmcp/plugins`, and the cargo build layout.
pub fn first_party_dirs() -> Vec<(PathBuf, Option<&'static str>)> {
    let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.parent().map(Path::to_path_buf))
    else {
        return vec![];
    };
    vec![
        (exe_dir.join("plugins"), None),
        (exe_dir.join("../share/ikmcp/plugins"), None),
        (
            exe_dir.join("../wasm32-wasip2/guest"),
            Some(FIRST_PARTY_PREFIX),
        ),
    ]
}

fn wasm_files(dir: &Path, prefix: Option<&str>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .filter(|p| {
            prefix.is_none_or(|pre| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(pre))
            })
        })
        .collect();
    files.sort();
    files
}

/// `-` and `_` are the same in ids and file names; case does not matter.
fn normalize(text: &str) -> String {
    text.to_ascii_lowercase().replace('-', "_")
}

/// Whether the file name of `path` claims the plugin id `id`: its stem is the id, or ends
/// with `_` and the id.
pub fn claims(path: &Path, id: &str) -> bool {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    let (stem, id) = (normalize(stem), normalize(id));
    !id.is_empty() && (stem == id || stem.ends_with(&format!("_{id}")))
}

/// The first-party components: sha256 → plugin id, from every index found.
#[derive(Debug, Default, Clone)]
pub struct FirstParty {
    by_hash: BTreeMap<String, String>,
}

impl FirstParty {
    /// Reads the `SHA256SUMS` index of every first-party location.
    pub fn load() -> Self {
        let mut index = FirstParty::default();
        for (dir, _) in first_party_dirs() {
            if let Ok(text) = std::fs::read_to_string(dir.join(INDEX_FILE)) {
                index.add_index(&text);
            }
        }
        index
    }

    /// Adds the entries of one index (`<64 hex>  [*]ikmcp_plugin_<id>.wasm` per line);
    /// other lines are ignored.
    pub fn add_index(&mut self, text: &str) {
        for line in text.lines() {
            let Some((hash, name)) = line.split_once(char::is_whitespace) else {
                continue;
            };
            let name = name.trim().trim_start_matches('*');
            let Some(id) = name
                .strip_prefix(FIRST_PARTY_PREFIX)
                .and_then(|n| n.strip_suffix(".wasm"))
            else {
                continue;
            };
            if hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()) && !id.is_empty() {
                self.by_hash
                    .insert(hash.to_ascii_lowercase(), normalize(id));
            }
        }
    }

    /// Whether a component with this hash declaring this id is a first-party build.
    pub fn is_first_party(&self, sha256: &str, id: &str) -> bool {
        self.by_hash
            .get(&sha256.to_ascii_lowercase())
            .is_some_and(|listed| *listed == normalize(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_claims_its_id_with_or_without_a_prefix() {
        assert!(claims(Path::new("/p/dns.wasm"), "dns"));
        assert!(claims(Path::new("/p/ikmcp_plugin_dns.wasm"), "dns"));
        assert!(claims(
            Path::new("/p/ikmcp_test_plugin_legacy_v01.wasm"),
            "legacy-v01"
        ));
        assert!(claims(Path::new("/p/Acme-Mail.wasm"), "acme_mail"));
        assert!(!claims(Path::new("/p/evil.wasm"), "dns"));
        assert!(!claims(Path::new("/p/mydns.wasm"), "dns"));
        assert!(!claims(Path::new("/p/dns.wasm"), ""));
    }

    #[test]
    fn first_party_means_listed_by_hash_under_the_declared_id() {
        let a = "a".repeat(64);
        let b = "B".repeat(64);
        let mut index = FirstParty::default();
        index.add_index(&format!(
            "{a}  ikmcp_plugin_dns.wasm\n{b} *ikmcp_plugin_mail.wasm\nnot a line\n{a}  other.wasm\n"
        ));
        assert!(index.is_first_party(&a, "dns"));
        assert!(index.is_first_party(&b.to_lowercase(), "mail"));
        assert!(!index.is_first_party(&a, "mail"), "the hash is dns's");
        assert!(
            !index.is_first_party(&"c".repeat(64), "dns"),
            "another build"
        );
    }
}
