//! Keyed tags (HMAC-SHA256) over host state that must not be forged by whoever can merely
//! write a file: precompiled plugin code, and (optionally) the audit chain.
//!
//! Parts are length-prefixed before they are tagged, so `("ab", "c")` and `("a", "bc")`
//! never share a tag.

use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::private_fs::{self, Exposure, PrivateError};

/// Length of a tag, in bytes.
pub const TAG_LEN: usize = 32;
/// Shortest key accepted from an operator's key file, in bytes.
pub const MIN_KEY_LEN: usize = 32;

/// A MAC key. Never printed.
#[derive(Clone)]
pub struct MacKey(Vec<u8>);

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MacKey([REDACTED])")
    }
}

/// Why a key could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Missing, unreadable, or not private.
    #[error(transparent)]
    File(#[from] PrivateError),
    /// Too short to be a key.
    #[error(
        "key file {path} holds {len} bytes; a key needs at least {MIN_KEY_LEN} (make one with `head -c 32 /dev/urandom > {path}` and `chmod 600 {path}`)"
    )]
    Short {
        /// The file.
        path: PathBuf,
        /// Its length.
        len: usize,
    },
}

impl MacKey {
    /// Wraps raw key bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        MacKey(bytes)
    }

    /// The tag of `parts`.
    pub fn tag(&self, parts: &[&[u8]]) -> [u8; TAG_LEN] {
        self.mac(parts).finalize().into_bytes().into()
    }

    /// Whether `tag` is the tag of `parts` (constant time).
    pub fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        self.mac(parts).verify_slice(tag).is_ok()
    }

    fn mac(&self, parts: &[&[u8]]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    /// Reads an operator's key file: it must belong to this user, be readable by nobody
    /// else, and hold at least [`MIN_KEY_LEN`] bytes (trailing whitespace is ignored, so a
    /// hex key written by `openssl rand -hex 32 > file` works as is).
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let bytes = read_private(path)?;
        let end = bytes
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        if end < MIN_KEY_LEN {
            return Err(KeyError::Short {
                path: path.to_path_buf(),
                len: end,
            });
        }
        Ok(MacKey(bytes[..end].to_vec()))
    }

    /// Reads the key at `path`, or makes a random one there (mode 0600, written to a
    /// temporary file and linked into place only if no other process got there first).
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        match MacKey::load(path) {
            Err(KeyError::File(PrivateError::Io { source, .. }))
                if source.kind() == std::io::ErrorKind::NotFound => {}
            other => return other,
        }
        let io = |source| PrivateError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut random = [0u8; MIN_KEY_LEN];
        getrandom::fill(&mut random).map_err(|e| io(std::io::Error::other(e)))?;
        let key = key_text(&random);
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        tmp.write_all(&key).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        match tmp.persist_noclobber(path) {
            Ok(_) => Ok(MacKey(key)),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => MacKey::load(path),
            Err(e) => Err(io(e.error).into()),
        }
    }
}

/// The text a created key file holds: the random bytes in hex. Raw bytes would not do:
/// [`MacKey::load`] trims trailing whitespace (for hand-made hex keys), so a random key
/// ending in a whitespace byte (about 1 in 43) would read back one byte short and be refused.
fn key_text(random: &[u8]) -> Vec<u8> {
    hex::encode(random).into_bytes()
}

fn read_private(path: &Path) -> Result<Vec<u8>, PrivateError> {
    use std::io::Read;
    let io = |source| PrivateError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    private_fs::check_file(&file, path, Exposure::NoForeignAccess)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_bind_every_part_and_its_boundaries() {
        let key = MacKey::new(b"k".repeat(32));
        let tag = key.tag(&[b"ab", b"c"]);
        assert!(key.verify(&[b"ab", b"c"], &tag));
        assert!(!key.verify(&[b"a", b"bc"], &tag));
        assert!(!key.verify(&[b"ab", b"d"], &tag));
        assert!(!MacKey::new(b"j".repeat(32)).verify(&[b"ab", b"c"], &tag));
        assert!(!key.verify(&[b"ab", b"c"], &tag[..31]));
        assert!(!format!("{key:?}").contains("kkk"));
    }

    #[cfg(unix)]
    #[test]
    fn keys_are_created_once_private_and_checked_on_load() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        let made = MacKey::load_or_create(&path).unwrap();
        let again = MacKey::load_or_create(&path).unwrap();
        assert_eq!(made.0, again.0);
        assert_eq!(
            made.0.len(),
            2 * MIN_KEY_LEN,
            "hex of {MIN_KEY_LEN} random bytes"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let err = MacKey::load(&path).unwrap_err().to_string();
        assert!(err.contains("not private"), "{err}");

        std::fs::write(&path, "0123456789abcdef\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let err = MacKey::load(&path).unwrap_err().to_string();
        assert!(err.contains("holds 16 bytes"), "{err}");
        std::fs::write(&path, format!("{}\n", "ab".repeat(32))).unwrap();
        assert_eq!(MacKey::load(&path).unwrap().0.len(), 64);
    }

    /// Regression: created keys were raw random bytes, and one ending in a whitespace byte
    /// read back a byte short ("key file holds 31 bytes"), refusing the cache at start.
    #[cfg(unix)]
    #[test]
    fn a_created_key_reads_back_whole_whatever_its_last_random_byte() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        for last in [b' ', b'\t', b'\n', 0x0b, 0x0c, b'\r', b'x'] {
            let mut random = [7u8; MIN_KEY_LEN];
            random[MIN_KEY_LEN - 1] = last;
            let text = key_text(&random);
            std::fs::write(&path, &text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            assert_eq!(MacKey::load(&path).unwrap().0, text, "last byte {last:#x}");
        }
    }
}
