//! Precompiled-component cache: compile a plugin once, then load it in well under a
//! millisecond on later starts.
//!
//! Entries are `<dir>/<sha256 of the component>-<engine fingerprint>.cwasm`. The
//! fingerprint hashes wasmtime's own compatibility key (version, target, settings) and the
//! entry format, so a new wasmtime or a changed `Config` simply misses the cache.
//!
//! An entry is native code the host runs without further checks, so the cache trusts
//! nothing about the directory but what it can verify:
//! - the directory must belong to this user and be writable by nobody else (checked on
//!   every start), or the sandbox refuses to start;
//! - each entry starts with an HMAC-SHA256 tag over its own file name (which names the
//!   component's hash) and its code, under a random key kept in the directory (`key`,
//!   mode 0600). The whole entry is read into memory, the tag checked, and the checked
//!   bytes deserialized, so nothing can be swapped between the check and the use. An entry
//!   that fails the check (edited, or copied from another component's name) is discarded
//!   and the component recompiled;
//! - entries are written to a fresh temporary file (random name, `O_EXCL`) and renamed into
//!   place, so a reader never sees a half-written entry and nobody can pre-plant the
//!   temporary file.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use crate::mac::{KeyError, MacKey, TAG_LEN};
use crate::private_fs::{self, PrivateError};

/// The key file inside the cache directory.
const KEY_FILE: &str = "key";
/// Version of the entry layout (tag, then code), part of the fingerprint.
const FORMAT: &str = "ikmcp-cwasm-hmac-v1";

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

/// Why the cache directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CacheError {
    /// Someone else can write the directory (or its key): refuse rather than run code
    /// they could have planted.
    #[error(
        "the plugin precompile cache cannot be trusted: {0}. Anyone who can write there can make ikmcp run their native code. Fix: `chmod 700` the directory (it must belong to you), or point cache_dir / IKMCP_CACHE_DIR at a private directory; IKMCP_CACHE_DIR= (empty) disables the cache"
    )]
    Exposed(String),
    /// The directory or its key could not be created or read.
    #[error("the plugin precompile cache is unusable: {0}")]
    Io(String),
}

impl From<PrivateError> for CacheError {
    fn from(e: PrivateError) -> Self {
        match e {
            PrivateError::Exposed { .. } => CacheError::Exposed(e.to_string()),
            PrivateError::Io { .. } => CacheError::Io(e.to_string()),
        }
    }
}

impl From<KeyError> for CacheError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::File(e) => e.into(),
            short @ KeyError::Short { .. } => CacheError::Exposed(short.to_string()),
        }
    }
}

/// A precompile cache directory bound to one engine configuration and its key.
pub(crate) struct PrecompileCache {
    dir: PathBuf,
    fingerprint: String,
    key: MacKey,
}

impl PrecompileCache {
    /// Opens the cache in `dir` (created, mode 0700, if missing) for components compiled
    /// by `engine`, after checking that only this user can write it.
    pub(crate) fn open(dir: PathBuf, engine: &Engine) -> Result<Self, CacheError> {
        private_fs::ensure_private_dir(&dir)?;
        let key = MacKey::load_or_create(&dir.join(KEY_FILE))?;
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        FORMAT.hash(&mut hasher);
        Ok(PrecompileCache {
            dir,
            fingerprint: format!("{:016x}", hasher.finish()),
            key,
        })
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
        match self.read_verified(&entry) {
            Ok(None) => {}
            Ok(Some(code)) => {
                // SAFETY: `deserialize` trusts its input to be wasmtime's own output for
                // this engine. These bytes are in memory, and their tag, under a key only
                // this user can read, proves this cache wrote them from
                // `precompile_component` for exactly this entry name (the component's
                // content hash and this engine's fingerprint); wasmtime re-checks the
                // header and compatibility key and errors on a mismatch.
                match unsafe { Component::deserialize(engine, code) } {
                    Ok(component) => return Ok((component, Source::CacheHit)),
                    Err(e) => self.discard(&entry, &format!("{e}")),
                }
            }
            Err(why) => self.discard(&entry, &why),
        }
        let compiled = engine.precompile_component(bytes)?;
        if let Err(e) = self.write_entry(&entry, &compiled) {
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

    /// The code of `entry` once its tag checks out; `None` when there is no entry, an
    /// error saying why it cannot be trusted otherwise.
    fn read_verified(&self, entry: &Path) -> Result<Option<Vec<u8>>, String> {
        let mut content = match std::fs::read(entry) {
            Ok(content) => content,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("unreadable: {e}")),
        };
        if content.len() < TAG_LEN {
            return Err("too short to hold a tag".to_string());
        }
        let (tag, code) = content.split_at(TAG_LEN);
        if !self.key.verify(&[entry_name(entry), code], tag) {
            return Err(
                "its integrity tag does not match (edited, or copied from another component's entry)"
                    .to_string(),
            );
        }
        content.drain(..TAG_LEN);
        Ok(Some(content))
    }

    fn discard(&self, entry: &Path, why: &str) {
        tracing::warn!(
            entry = %entry.display(),
            error = %why,
            "discarding an untrusted or unusable precompiled plugin; recompiling"
        );
        let _ = std::fs::remove_file(entry);
    }

    /// Writes the tag and `code` to `entry` through a fresh temporary file and a rename.
    fn write_entry(&self, entry: &Path, code: &[u8]) -> std::io::Result<()> {
        let tag = self.key.tag(&[entry_name(entry), code]);
        let mut tmp = tempfile::Builder::new()
            .prefix(".entry-")
            .suffix(".tmp")
            .tempfile_in(&self.dir)?;
        tmp.write_all(&tag)?;
        tmp.write_all(code)?;
        tmp.persist(entry).map_err(|e| e.error)?;
        Ok(())
    }
}

/// The file name an entry's tag is bound to.
fn entry_name(entry: &Path) -> &[u8] {
    entry.file_name().map_or(&[][..], |n| n.as_encoded_bytes())
}

/// Compiles `bytes` without any cache.
pub(crate) fn compile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<(Component, Source)> {
    Ok((Component::new(engine, bytes)?, Source::Compiled))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest valid component: the component-layer header and nothing else.
    const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\0\x01\0";

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn second_load_hits_and_corrupt_entries_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = PrecompileCache::open(dir.path().join("cache"), &engine).unwrap();
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

        for garbage in [
            &b"garbage, not an ELF file, but longer than a tag"[..],
            b"short",
        ] {
            std::fs::write(&entry, garbage).unwrap();
            let (_, again) = cache
                .load_or_compile(&engine, EMPTY_COMPONENT, &sha)
                .unwrap();
            assert_eq!(again, Source::CacheMiss);
            assert!(std::fs::metadata(&entry).unwrap().len() > 100);
        }
        assert!(leftovers(&dir.path().join("cache")).is_empty());
    }

    #[test]
    fn an_entry_under_another_name_or_with_edited_code_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = PrecompileCache::open(dir.path().join("cache"), &engine).unwrap();
        let (a, b) = ("aa".repeat(32), "bb".repeat(32));
        cache.load_or_compile(&engine, EMPTY_COMPONENT, &a).unwrap();
        cache.load_or_compile(&engine, EMPTY_COMPONENT, &b).unwrap();
        let entry_a = std::fs::read(cache.entry(&a)).unwrap();
        assert!(cache.read_verified(&cache.entry(&a)).unwrap().is_some());

        // A's valid entry, tag included, copied under B's name.
        std::fs::write(cache.entry(&b), &entry_a).unwrap();
        let why = cache.read_verified(&cache.entry(&b)).unwrap_err();
        assert!(why.contains("integrity tag"), "{why}");
        let (_, source) = cache.load_or_compile(&engine, EMPTY_COMPONENT, &b).unwrap();
        assert_eq!(source, Source::CacheMiss);
        assert!(cache.read_verified(&cache.entry(&b)).unwrap().is_some());

        // One byte of A's code changed, tag kept.
        let mut edited = entry_a.clone();
        let last = edited.len() - 1;
        edited[last] ^= 1;
        std::fs::write(cache.entry(&a), &edited).unwrap();
        assert!(cache.read_verified(&cache.entry(&a)).is_err());

        // The same entry under another key (another user's cache, a replaced key).
        std::fs::write(cache.entry(&a), &entry_a).unwrap();
        std::fs::remove_file(dir.path().join("cache").join(KEY_FILE)).unwrap();
        let rekeyed = PrecompileCache::open(dir.path().join("cache"), &engine).unwrap();
        assert!(rekeyed.read_verified(&rekeyed.entry(&a)).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_others_can_write_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let cache_dir = dir.path().join("cache");
        let engine = Engine::default();
        PrecompileCache::open(cache_dir.clone(), &engine).unwrap();
        let mode = std::fs::metadata(&cache_dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "created private");
        std::fs::set_permissions(&cache_dir, std::fs::Permissions::from_mode(0o775)).unwrap();
        let err = PrecompileCache::open(cache_dir.clone(), &engine)
            .err()
            .expect("a group-writable cache is refused")
            .to_string();
        assert!(err.contains(&cache_dir.display().to_string()), "{err}");
        assert!(
            err.contains("chmod 700") && err.contains("IKMCP_CACHE_DIR"),
            "{err}"
        );

        std::fs::set_permissions(&cache_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let key = cache_dir.join(KEY_FILE);
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = PrecompileCache::open(cache_dir, &engine)
            .err()
            .expect("a readable key is refused")
            .to_string();
        assert!(err.contains("read or write"), "{err}");
    }

    #[test]
    fn entry_name_carries_hash_and_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = PrecompileCache::open(dir.path().to_path_buf(), &engine).unwrap();
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
