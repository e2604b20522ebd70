//! Files and directories that only this user may change.
//!
//! Some host state is trusted as much as the host itself: the precompile cache holds native
//! code the host runs, its key vouches for that code, and the audit log and its checkpoint
//! are the evidence of what was done. Whoever else can write them can make the host run
//! their code or rewrite history, so the host checks ownership and mode every time it
//! opens them, not only when it creates them.

use std::fs::File;
use std::path::{Path, PathBuf};

/// Why a path is not private enough.
#[derive(Debug, thiserror::Error)]
pub enum PrivateError {
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Someone other than this user can change (or, for keys, read) it.
    #[error("{path} is not private: {why}")]
    Exposed {
        /// The path.
        path: PathBuf,
        /// Owner or mode, in words.
        why: String,
    },
}

impl PrivateError {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PrivateError + '_ {
        move |source| PrivateError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Which permission bits a private path must not have.
#[derive(Debug, Clone, Copy)]
pub enum Exposure {
    /// Nobody else may write (a directory, a log others may read).
    NoForeignWrite,
    /// Nobody else may read or write (keys).
    NoForeignAccess,
}

impl Exposure {
    #[cfg(unix)]
    fn forbidden_bits(self) -> u32 {
        match self {
            Exposure::NoForeignWrite => 0o022,
            Exposure::NoForeignAccess => 0o077,
        }
    }
}

/// Creates `dir` (mode 0700, parents included) if needed, then checks that it belongs to
/// this user and that group and others cannot write it.
pub fn ensure_private_dir(dir: &Path) -> Result<(), PrivateError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(PrivateError::io(dir))?;
    let meta = std::fs::metadata(dir).map_err(PrivateError::io(dir))?;
    check(dir, &meta, Exposure::NoForeignWrite)
}

/// Checks that the open `file` (at `path`) belongs to this user and has none of the
/// `exposure`'s bits.
pub fn check_file(file: &File, path: &Path, exposure: Exposure) -> Result<(), PrivateError> {
    let meta = file.metadata().map_err(PrivateError::io(path))?;
    check(path, &meta, exposure)
}

/// Makes the open `file` (at `path`) mode 0600 if it is not already, after checking that
/// it belongs to this user. Returns the mode it had when that was looser, so the caller
/// can say so.
pub fn restrict_file(file: &File, path: &Path) -> Result<Option<u32>, PrivateError> {
    let meta = file.metadata().map_err(PrivateError::io(path))?;
    check_owner(path, &meta)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode != 0o600 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(PrivateError::io(path))?;
            return Ok(Some(mode));
        }
    }
    Ok(None)
}

fn check(path: &Path, meta: &std::fs::Metadata, exposure: Exposure) -> Result<(), PrivateError> {
    check_owner(path, meta)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & exposure.forbidden_bits() != 0 {
            let who = match exposure {
                Exposure::NoForeignWrite => "write",
                Exposure::NoForeignAccess => "read or write",
            };
            return Err(PrivateError::Exposed {
                path: path.to_path_buf(),
                why: format!("its mode {mode:04o} lets group or others {who} it"),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = exposure;
    Ok(())
}

#[cfg(unix)]
fn check_owner(path: &Path, meta: &std::fs::Metadata) -> Result<(), PrivateError> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(PrivateError::Exposed {
            path: path.to_path_buf(),
            why: format!(
                "it belongs to uid {}, not to this user (uid {me})",
                meta.uid()
            ),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), PrivateError> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn set_mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_new_dir_is_private_and_an_open_one_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        ensure_private_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        set_mode(&dir, 0o755);
        ensure_private_dir(&dir).unwrap();
        for open in [0o775, 0o757, 0o1777] {
            set_mode(&dir, open);
            let err = ensure_private_dir(&dir).unwrap_err().to_string();
            assert!(err.contains("lets group or others write"), "{err}");
            assert!(err.contains(&dir.display().to_string()), "{err}");
        }
    }

    #[test]
    fn keys_must_not_be_readable_and_logs_are_restricted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"x").unwrap();
        set_mode(&path, 0o644);
        let file = File::open(&path).unwrap();
        check_file(&file, &path, Exposure::NoForeignWrite).unwrap();
        let err = check_file(&file, &path, Exposure::NoForeignAccess).unwrap_err();
        assert!(err.to_string().contains("read or write"), "{err}");
        assert_eq!(restrict_file(&file, &path).unwrap(), Some(0o644));
        assert_eq!(restrict_file(&file, &path).unwrap(), None);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        check_file(&file, &path, Exposure::NoForeignAccess).unwrap();
    }
}
