//! Precompiled-component cache: compile a plugin once, then load it in well under a
//! millisecond on later starts.
//!
//! Entries are `<dir>/<sha256 of the component>-<engine fingerprint>.cwasm`. The
//! fingerprint hashes wasmtime's own compatibility key (version, target, settings), so a
//! new wasmtime or a changed `Config` simply misses the cache. Files are written to a
//! temporary name and renamed into place, so a reader never sees a half-written entry; an
//! entry that fails to deserialize is discarded and recompiled.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

/// How a component was obtained, for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Compiled in memory (no cache directory).
    Compiled,
    /// Loaded from a cache entry.
    CacheHit,
    /// Compiled and written to the cache (there was no usable entry).
    CacheMiss,
}

/// A precompile cache directory bound to one engine configuration.
pub(crate) struct PrecompileCache {
    dir: PathBuf,
    fingerprint: String,
}

impl PrecompileCache {
    /// A cache in `dir` (created on first write) for components compiled by `engine`.
    pub(crate) fn new(dir: PathBuf, engine: &Engine) -> Self {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        PrecompileCache {
            dir,
            fingerprint: format!("{:016x}", hasher.finish()),
        }
    }

    /// The entry for a component whose content hash is `sha256`.
    pub(crate) fn entry(&self, sha256: &str) -> PathBuf {
        self.dir
            .join(format!("{sha256}-{}.cwasm", self.fingerprint))
    }

    /// Loads the cached compilation of `bytes`, or compiles and stores it.
    pub(crate) fn load_or_compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        sha256: &str,
    ) -> wasmtime::Result<(Component, Source)> {
        let entry = self.entry(sha256);
        if entry.exists() {
            // SAFETY: `deserialize_file` trusts the file to be wasmtime's own output for
            // this engine. This cache wrote it (atomically, via rename) from
            // `precompile_component`, and its name binds it to the component's content
            // hash and this engine's compatibility fingerprint; wasmtime re-checks the
            // header and compatibility key and errors on a mismatch. The cache directory
            // is operator-controlled state, like the plugin files themselves.
            match unsafe { Component::deserialize_file(engine, &entry) } {
                Ok(component) => return Ok((component, Source::CacheHit)),
                Err(e) => {
                    tracing::warn!(
                        entry = %entry.display(),
                        error = %e,
                        "discarding unusable precompiled plugin; recompiling"
                    );
                    let _ = std::fs::remove_file(&entry);
                }
            }
        }
        let compiled = engine.precompile_component(bytes)?;
        if let Err(e) = write_atomically(&entry, &compiled) {
            tracing::warn!(
                entry = %entry.display(),
                error = %e,
                "cannot write the precompile cache; the plugin will be compiled again next start"
            );
        }
        // SAFETY: `compiled` was produced just above by `precompile_component` on this
        // very engine, which is exactly what `deserialize` requires.
        let component = unsafe { Component::deserialize(engine, &compiled) }?;
        Ok((component, Source::CacheMiss))
    }
}

/// Compiles `bytes` without any cache.
pub(crate) fn compile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<(Component, Source)> {
    Ok((Component::new(engine, bytes)?, Source::Compiled))
}

/// Writes `data` to `path` through a temporary file in the same directory and a rename.
fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, data).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest valid component: the component-layer header and nothing else.
    const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\0\x01\0";

    #[test]
    fn second_load_hits_and_corrupt_entries_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = PrecompileCache::new(dir.path().join("cache"), &engine);
        let sha = "ab".repeat(32);

        let (_, first) = cache
            .load_or_compile(&engine, EMPTY_COMPONENT, &sha)
            .unwrap();
        assert_eq!(first, Source::CacheMiss);
        let entry = cache.entry(&sha);
        assert!(entry.exists());
        let (_, second) = cache
            .load_or_compile(&engine, EMPTY_COMPONENT, &sha)
            .unwrap();
        assert_eq!(second, Source::CacheHit);

        std::fs::write(&entry, b"garbage, not an ELF file").unwrap();
        let (_, third) = cache
            .load_or_compile(&engine, EMPTY_COMPONENT, &sha)
            .unwrap();
        assert_eq!(third, Source::CacheMiss);
        assert!(std::fs::metadata(&entry).unwrap().len() > 100);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("cache"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn entry_name_carries_hash_and_fingerprint() {
        let engine = Engine::default();
        let cache = PrecompileCache::new(PathBuf::from("/c"), &engine);
        let name = cache
            .entry("00ff")
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with("00ff-") && name.ends_with(".cwasm"),
            "{name}"
        );
        assert_eq!(name.len(), "00ff-".len() + 16 + ".cwasm".len());
    }

    #[test]
    fn invalid_bytes_fail_to_compile() {
        let engine = Engine::default();
        assert!(compile(&engine, b"not wasm").is_err());
    }
}
