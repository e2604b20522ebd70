//! The writer: one chained, redacted line per event, appended under a cross-process lock.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::chain::{GENESIS, open_line, seal};
use super::file::{FileLock, Tail, read_tail};
use super::redact::Redactor;
use super::{AuditError, AuditEvent};
use crate::secret::Secret;

/// The append-only audit log of this process. Several processes may share one file: each
/// append takes an exclusive file lock and re-reads the chain head if the file grew.
pub struct AuditLog {
    path: PathBuf,
    redactor: Redactor,
    head: Mutex<Head>,
}

/// Where the chain ends, as far as this handle knows.
struct Head {
    file: File,
    /// File length after the last line we read or wrote.
    len: u64,
    seq: u64,
    hash: String,
}

impl AuditLog {
    /// Opens (creating if needed, mode 0600 on unix, parent directories too) the log at
    /// `path`; `secrets` are redacted by value from everything written. Reads only the
    /// last line to find the chain head, and refuses a log whose last line is broken.
    pub fn open(path: &Path, secrets: Vec<Secret>) -> Result<Self, AuditError> {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(parent) = parent {
            std::fs::create_dir_all(parent).map_err(AuditError::io(path))?;
        }
        let existed = path.exists();
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(AuditError::io(path))?;
        if !existed {
            sync_dir(parent.unwrap_or(Path::new("."))).map_err(AuditError::io(path))?;
        }
        let (len, tail) = {
            let _lock = FileLock::shared(&file).map_err(AuditError::io(path))?;
            let len = file.metadata().map_err(AuditError::io(path))?.len();
            (len, read_tail(&file, len).map_err(AuditError::io(path))?)
        };
        let (seq, hash) = chain_head(path, tail)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            redactor: Redactor::new(&secrets),
            head: Mutex::new(Head {
                file,
                len,
                seq,
                hash,
            }),
        })
    }

    /// Appends one event (redacted, chained). Returns the line's hash. Lines of durable
    /// phases (see [`super::AuditPhase::is_durable`]) are on disk when this returns.
    pub fn record(&self, event: AuditEvent) -> Result<String, AuditError> {
        let io = || AuditError::io(&self.path);
        let fields = self.fields(&event).map_err(io())?;
        let mut head = self.head();
        let head = &mut *head;
        let _lock = FileLock::exclusive(&head.file).map_err(io())?;
        let len = head.file.metadata().map_err(io())?.len();
        if len != head.len {
            // Another process appended (or the file was replaced): continue its chain.
            let tail = read_tail(&head.file, len).map_err(io())?;
            (head.seq, head.hash) = chain_head(&self.path, tail)?;
            head.len = len;
        }
        let ts = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .map_err(|e| io()(io::Error::other(e)))?;
        let mut line = Map::new();
        line.insert("seq".into(), Value::from(head.seq + 1));
        line.insert("ts".into(), Value::String(ts));
        line.extend(fields);
        line.insert("prev_hash".into(), Value::String(head.hash.clone()));
        let (text, hash) = seal(line, &head.hash);
        if let Err(e) = (&head.file).write_all(text.as_bytes()) {
            // Take back a partial line so the chain stays appendable.
            let _ = head.file.set_len(len);
            return Err(io()(e));
        }
        if event.phase.is_durable() {
            head.file.sync_data().map_err(io())?;
        } else {
            (&head.file).flush().map_err(io())?;
        }
        head.len = len + text.len() as u64;
        head.seq += 1;
        head.hash.clone_from(&hash);
        Ok(hash)
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The event's fields in line order, redacted; optional ones left out when empty.
    fn fields(&self, event: &AuditEvent) -> io::Result<Vec<(String, Value)>> {
        let r = &self.redactor;
        let text = |s: &str| Value::String(r.text(s));
        let mut fields = vec![
            ("phase".to_string(), Value::from(event.phase.as_str())),
            ("tool".to_string(), text(&event.tool)),
            ("plugin".to_string(), text(&event.plugin)),
            ("risk".to_string(), text(&event.risk)),
            ("args".to_string(), r.value(&event.args)),
        ];
        if let Some(summary) = &event.result_summary {
            fields.push(("result_summary".to_string(), r.value(summary)));
        }
        if let Some(error) = &event.error {
            fields.push(("error".to_string(), r.value(error)));
        }
        if let Some(ms) = event.duration_ms {
            fields.push(("duration_ms".to_string(), Value::from(ms)));
        }
        let upstream = serde_json::to_value(&event.upstream).map_err(io::Error::other)?;
        fields.push(("upstream".to_string(), r.value(&upstream)));
        if let Some(fingerprint) = &event.fingerprint {
            fields.push(("fingerprint".to_string(), text(fingerprint)));
        }
        Ok(fields)
    }

    fn head(&self) -> MutexGuard<'_, Head> {
        // The head is updated only after a successful append, and re-read from the file
        // whenever its length is not the one we recorded, so a poisoned lock is harmless.
        self.head.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The `seq` and `hash` to continue from, given the file's last line.
fn chain_head(path: &Path, tail: Tail) -> Result<(u64, String), AuditError> {
    let tail_error = |reason: String| AuditError::Tail {
        path: path.to_path_buf(),
        reason,
    };
    match tail {
        Tail::Empty => Ok((0, GENESIS.to_string())),
        Tail::Unterminated => Err(tail_error(
            "it is cut short, with no final newline: a write was interrupted".to_string(),
        )),
        Tail::Line(bytes) => open_line(&bytes)
            .map(|sealed| (sealed.seq, sealed.hash))
            .map_err(tail_error),
    }
}

/// Makes a new file's directory entry durable, so a durable line cannot vanish with it.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}
