//! The writer: one chained, redacted line per event, appended under a cross-process lock,
//! with the chain head recorded in the checkpoint after every append (a line, or a batch
//! of them).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::chain::{GENESIS, open_line, seal};
use super::checkpoint::{self, HeadFile};
use super::file::{FileLock, ReverseLines, Tail, read_tail};
use super::redact::Redactor;
use super::{AuditError, AuditEvent};
use crate::mac::MacKey;
use crate::private_fs;
use crate::secret::Secret;

/// How far back the writer looks for the line its checkpoint recorded, when the
/// checkpoint lags behind the log (the process stopped between the two writes).
const MAX_LAG: u64 = 1000;

/// The append-only audit log of this process. Several processes may share one file: each
/// append takes an exclusive file lock and re-reads the chain head if the file grew.
pub struct AuditLog {
    path: PathBuf,
    redactor: Redactor,
    key: Option<MacKey>,
    head: Mutex<Head>,
}

/// Where the chain ends, as far as this handle knows.
struct Head {
    file: File,
    checkpoint: HeadFile,
    /// File length after the last line we read or wrote.
    len: u64,
    seq: u64,
    hash: String,
}

impl AuditLog {
    /// Opens (creating if needed, parent directories too) the log at `path` without an
    /// audit key; see [`AuditLog::open_keyed`].
    pub fn open(path: &Path, secrets: Vec<Secret>) -> Result<Self, AuditError> {
        AuditLog::open_keyed(path, secrets, None)
    }

    /// Opens (creating if needed, parent directories too) the log at `path`; `secrets` are
    /// redacted by value from everything written; with a `key`, lines and checkpoint are
    /// sealed with HMAC under it. The log and its checkpoint are made mode 0600 (on every
    /// open, not only at creation). Reads only the end of the log to find the chain head,
    /// and refuses a log whose last line is broken or that does not match its checkpoint.
    pub fn open_keyed(
        path: &Path,
        secrets: Vec<Secret>,
        key: Option<MacKey>,
    ) -> Result<Self, AuditError> {
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
        let checkpoint = HeadFile::open(path).map_err(AuditError::io(path))?;
        for (file, file_path) in [(&file, path), (checkpoint.file(), checkpoint.path())] {
            if let Some(mode) = private_fs::restrict_file(file, file_path)? {
                tracing::warn!(
                    path = %file_path.display(),
                    was = format!("{mode:04o}"),
                    "the audit log was readable or writable by others; made it 0600"
                );
            }
        }
        if !existed {
            sync_dir(parent.unwrap_or(Path::new("."))).map_err(AuditError::io(path))?;
        }
        let (len, seq, hash) = {
            let _lock = FileLock::exclusive(&file).map_err(AuditError::io(path))?;
            let len = file.metadata().map_err(AuditError::io(path))?.len();
            let tail = read_tail(&file, len).map_err(AuditError::io(path))?;
            let (seq, hash) = chain_head(path, tail, key.as_ref())?;
            let actual = checkpoint::Head { seq, hash };
            reconcile(path, &file, len, &checkpoint, &actual, None, key.as_ref())?;
            (len, actual.seq, actual.hash)
        };
        Ok(AuditLog {
            path: path.to_path_buf(),
            redactor: Redactor::new(&secrets),
            key,
            head: Mutex::new(Head {
                file,
                checkpoint,
                len,
                seq,
                hash,
            }),
        })
    }

    /// Appends one event (redacted, chained). Returns the line's hash. Lines of durable
    /// phases (see [`super::AuditPhase::is_durable`]) are on disk when this returns.
    pub fn record(&self, event: AuditEvent) -> Result<String, AuditError> {
        let durable = event.phase.is_durable();
        self.append(vec![event], durable)
    }

    /// Appends `events` in order, under one lock and with one write of the log and of the
    /// checkpoint (the background writer's batches of read and plan lines). Nothing of the
    /// batch is appended if the write fails. Returns the last line's hash (`""` for none).
    pub fn record_all(&self, events: Vec<AuditEvent>) -> Result<String, AuditError> {
        let durable = events.iter().any(|e| e.phase.is_durable());
        self.append(events, durable)
    }

    fn append(&self, events: Vec<AuditEvent>, durable: bool) -> Result<String, AuditError> {
        let io = || AuditError::io(&self.path);
        if events.is_empty() {
            return Ok(String::new());
        }
        let fields: Vec<_> = events
            .iter()
            .map(|e| self.fields(e))
            .collect::<io::Result<_>>()
            .map_err(io())?;
        let mut head = self.head();
        let head = &mut *head;
        let _lock = FileLock::exclusive(&head.file).map_err(io())?;
        let len = head.file.metadata().map_err(io())?.len();
        if len != head.len {
            // Another process appended (or the file was cut or replaced): continue its
            // chain, once it agrees with the checkpoint and with what this handle wrote.
            let tail = read_tail(&head.file, len).map_err(io())?;
            let (seq, hash) = chain_head(&self.path, tail, self.key.as_ref())?;
            let actual = checkpoint::Head { seq, hash };
            let known = checkpoint::Head {
                seq: head.seq,
                hash: head.hash.clone(),
            };
            reconcile(
                &self.path,
                &head.file,
                len,
                &head.checkpoint,
                &actual,
                Some(&known),
                self.key.as_ref(),
            )?;
            (head.seq, head.hash) = (actual.seq, actual.hash);
            head.len = len;
        }
        let ts = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .map_err(|e| io()(io::Error::other(e)))?;
        let (mut seq, mut hash) = (head.seq, head.hash.clone());
        let mut text = String::new();
        for fields in fields {
            let mut line = Map::new();
            line.insert("seq".into(), Value::from(seq + 1));
            line.insert("ts".into(), Value::String(ts.clone()));
            line.extend(fields);
            line.insert("prev_hash".into(), Value::String(hash.clone()));
            let (sealed, sealed_hash) = seal(line, &hash, self.key.as_ref());
            text.push_str(&sealed);
            (seq, hash) = (seq + 1, sealed_hash);
        }
        if let Err(e) = (&head.file).write_all(text.as_bytes()) {
            // Take back a partial write so the chain stays appendable.
            let _ = head.file.set_len(len);
            return Err(io()(e));
        }
        if durable {
            head.file.sync_data().map_err(io())?;
        } else {
            (&head.file).flush().map_err(io())?;
        }
        head.len = len + text.len() as u64;
        head.seq = seq;
        head.hash.clone_from(&hash);
        let recorded = checkpoint::Head {
            seq,
            hash: hash.clone(),
        };
        head.checkpoint
            .write(&recorded, self.key.as_ref(), durable)
            .map_err(io())?;
        Ok(hash)
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The event's fields in line order, redacted (the call's secret arguments too);
    /// optional ones left out when empty.
    fn fields(&self, event: &AuditEvent) -> io::Result<Vec<(String, Value)>> {
        let with_call;
        let r = if event.secrets.is_empty() {
            &self.redactor
        } else {
            with_call = self.redactor.with_call(&event.secrets);
            &with_call
        };
        let upstream = serde_json::to_value(&event.upstream).map_err(io::Error::other)?;
        // A password found under a sensitive key in one field (an API's answer, an
        // argument) is removed from every field of the line.
        let parts: Vec<&Value> = [Some(&event.args), event.result_summary.as_ref()]
            .into_iter()
            .chain([event.error.as_ref(), Some(&upstream)])
            .flatten()
            .collect();
        let learned = r.learning_from(&parts);
        let r = learned.as_ref().unwrap_or(r);
        let text = |s: &str| Value::String(r.text(s));
        let mut fields = vec![
            ("phase".to_string(), Value::from(event.phase.as_str())),
            ("tool".to_string(), text(&event.tool)),
            ("plugin".to_string(), text(&event.plugin)),
            ("risk".to_string(), text(&event.risk)),
            ("args".to_string(), r.scrub(&event.args)),
        ];
        if let Some(summary) = &event.result_summary {
            fields.push(("result_summary".to_string(), r.scrub(summary)));
        }
        if let Some(error) = &event.error {
            fields.push(("error".to_string(), r.scrub(error)));
        }
        if let Some(ms) = event.duration_ms {
            fields.push(("duration_ms".to_string(), Value::from(ms)));
        }
        fields.push(("upstream".to_string(), r.scrub(&upstream)));
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
fn chain_head(path: &Path, tail: Tail, key: Option<&MacKey>) -> Result<(u64, String), AuditError> {
    let tail_error = |reason: String| AuditError::Tail {
        path: path.to_path_buf(),
        reason,
    };
    match tail {
        Tail::Empty => Ok((0, GENESIS.to_string())),
        Tail::Unterminated => Err(tail_error(
            "it is cut short, with no final newline: a write was interrupted".to_string(),
        )),
        Tail::Line(bytes) => open_line(&bytes, key)
            .map(|sealed| (sealed.seq, sealed.hash))
            .map_err(tail_error),
    }
}

/// Checks the log's `actual` end (the first `len` bytes of `file`) against its checkpoint
/// and against the head this handle last `known`; records the end in a new or lagging
/// checkpoint. Called under the exclusive lock.
fn reconcile(
    path: &Path,
    file: &File,
    len: u64,
    checkpoint: &HeadFile,
    actual: &checkpoint::Head,
    known: Option<&checkpoint::Head>,
    key: Option<&MacKey>,
) -> Result<(), AuditError> {
    let mismatch = |reason: String| AuditError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    };
    let recorded = checkpoint
        .read(key)
        .map_err(AuditError::io(path))?
        .map_err(&mismatch)?;
    let hash_at = |seq| hash_at(file, len, seq, key);
    match &recorded {
        None if actual.seq > 0 => {
            return Err(AuditError::NoCheckpoint {
                path: path.to_path_buf(),
            });
        }
        None => {}
        Some(recorded) => checkpoint::compare(recorded, actual, hash_at).map_err(&mismatch)?,
    }
    // Another process may have appended any number of lines (the checkpoint vouches for
    // those); but the log never shrinks or changes its end under a writer.
    if let Some(known) = known
        && (actual.seq < known.seq || actual.seq == known.seq && actual.hash != known.hash)
    {
        return Err(mismatch(format!(
            "while this process was writing it, the log was cut or replaced: it now ends at \
             line {}, and this process had written up to line {}",
            actual.seq, known.seq
        )));
    }
    if recorded.as_ref() != Some(actual) {
        checkpoint
            .write(actual, key, true)
            .map_err(AuditError::io(path))?;
    }
    Ok(())
}

/// The hash of line `seq`, looked for among the last [`MAX_LAG`] lines.
fn hash_at(file: &File, len: u64, seq: u64, key: Option<&MacKey>) -> Option<String> {
    let mut lines = ReverseLines::new(file, len).ok()?;
    for _ in 0..MAX_LAG {
        let (_, bytes) = lines.next_line().ok()??;
        let sealed = open_line(&bytes, key).ok()?;
        if sealed.seq == seq {
            return Some(sealed.hash);
        }
        if sealed.seq < seq {
            return None;
        }
    }
    None
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
