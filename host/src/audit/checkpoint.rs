//! The checkpoint beside the log (`<log>.head`): how many lines the chain has and the
//! hash of the last one.
//!
//! The hash chain shows an edited, removed or reordered line, but not lines cut from the
//! end: what is left is still a valid chain. So the writer records the chain head after
//! every append, and both the writer (on open, and whenever another process appended) and
//! `ikmcp audit verify` compare it with the log. A log shorter than its checkpoint, or one
//! whose end is not the line recorded, is refused loudly.
//!
//! The record has a fixed length and is overwritten in place, so an update is a single
//! write (synced with the log line for durable phases). With an audit key it carries an
//! HMAC tag, so someone who can write the files but not read the key cannot rewrite it to
//! match a shortened log.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::chain::GENESIS;
use crate::mac::MacKey;

/// Appended to the log's file name.
const SUFFIX: &str = ".head";
/// First word of the record, with the format version.
const MAGIC: &str = "ikmcp-audit-head-v1";
/// The tag field of an unkeyed checkpoint.
const NO_TAG: &str = "----------------------------------------------------------------";

/// The end of the chain: line count and last hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// Number of lines (the last line's `seq`).
    pub(crate) seq: u64,
    /// The last line's hash ([`super::chain::GENESIS`] for an empty log).
    pub(crate) hash: String,
}

/// The checkpoint's path for the log at `log`.
pub(crate) fn path_for(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(SUFFIX);
    PathBuf::from(name)
}

/// The checkpoint file, open for reading and rewriting.
pub(crate) struct HeadFile {
    file: File,
    path: PathBuf,
}

impl HeadFile {
    /// Opens (creating it empty, mode 0600, if missing) the checkpoint of the log at `log`.
    pub(crate) fn open(log: &Path) -> io::Result<Self> {
        let path = path_for(log);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path)?;
        Ok(HeadFile { file, path })
    }

    /// The file.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The recorded head; `None` when the file is empty (never written).
    pub(crate) fn read(&self, key: Option<&MacKey>) -> io::Result<Result<Option<Head>, String>> {
        let mut text = Vec::new();
        let mut file = &self.file;
        file.seek(SeekFrom::Start(0))?;
        file.take(4096).read_to_end(&mut text)?;
        Ok(decode(&text, key))
    }

    /// Records `head`, synced to disk when `durable`.
    pub(crate) fn write(&self, head: &Head, key: Option<&MacKey>, durable: bool) -> io::Result<()> {
        let text = encode(head, key);
        write_at_start(&self.file, text.as_bytes())?;
        if durable {
            self.file.sync_data()?;
        }
        Ok(())
    }
}

/// Reads the checkpoint of the log at `log` without creating it; `Ok(None)` when it does
/// not exist or is empty.
pub(crate) fn read(log: &Path, key: Option<&MacKey>) -> io::Result<Result<Option<Head>, String>> {
    match File::open(path_for(log)) {
        Ok(file) => HeadFile {
            file,
            path: path_for(log),
        }
        .read(key),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Ok(None)),
        Err(e) => Err(e),
    }
}

/// Compares the log's actual end with the `recorded` checkpoint. `hash_at(seq)` looks up
/// the hash of an earlier line, for the one innocent mismatch: the process stopped between
/// appending a line and updating the checkpoint, which then lags a little behind.
pub(crate) fn compare(
    recorded: &Head,
    actual: &Head,
    hash_at: impl FnOnce(u64) -> Option<String>,
) -> Result<(), String> {
    let short = |h: &str| h.get(..12).unwrap_or(h).to_string();
    if actual.seq < recorded.seq {
        return Err(format!(
            "the log ends at line {}, but its checkpoint recorded {} lines (the last with hash \
             {}…): {} line(s) were cut from the end",
            actual.seq,
            recorded.seq,
            short(&recorded.hash),
            recorded.seq - actual.seq
        ));
    }
    if actual.seq == recorded.seq {
        return if actual.hash == recorded.hash {
            Ok(())
        } else {
            Err(format!(
                "line {} is not the line the checkpoint recorded (hash {}…, found {}…): the end \
                 of the log was replaced",
                actual.seq,
                short(&recorded.hash),
                short(&actual.hash)
            ))
        };
    }
    let earlier = if recorded.seq == 0 {
        Some(GENESIS.to_string())
    } else {
        hash_at(recorded.seq)
    };
    match earlier {
        Some(hash) if hash == recorded.hash => Ok(()),
        _ => Err(format!(
            "the checkpoint recorded {} lines ending in hash {}…, but the log's line {} is not \
             that line: the log was replaced from there on",
            recorded.seq,
            short(&recorded.hash),
            recorded.seq
        )),
    }
}

/// What the tag covers: the format, the line count and the last hash.
fn tagged(head: &Head) -> [Vec<u8>; 3] {
    [
        MAGIC.as_bytes().to_vec(),
        head.seq.to_string().into_bytes(),
        head.hash.clone().into_bytes(),
    ]
}

fn tag(head: &Head, key: &MacKey) -> String {
    let parts = tagged(head);
    hex::encode(key.tag(&[&parts[0], &parts[1], &parts[2]]))
}

fn verify_tag(head: &Head, key: &MacKey, found: &str) -> bool {
    let parts = tagged(head);
    hex::decode(found).is_ok_and(|t| key.verify(&[&parts[0], &parts[1], &parts[2]], &t))
}

fn encode(head: &Head, key: Option<&MacKey>) -> String {
    let tag = key.map_or_else(|| NO_TAG.to_string(), |key| tag(head, key));
    format!(
        "{MAGIC} seq={:020} hash={} tag={tag}\n",
        head.seq, head.hash
    )
}

fn decode(text: &[u8], key: Option<&MacKey>) -> Result<Option<Head>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let unreadable = || "the checkpoint is unreadable (not written by ikmcp?)".to_string();
    let text = std::str::from_utf8(text).map_err(|_| unreadable())?;
    let fields: Vec<&str> = text.trim_end_matches('\n').split(' ').collect();
    let [magic, seq, hash, found_tag] = fields[..] else {
        return Err(unreadable());
    };
    let seq = seq
        .strip_prefix("seq=")
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(unreadable)?;
    let hash = hash.strip_prefix("hash=").ok_or_else(unreadable)?;
    let found_tag = found_tag.strip_prefix("tag=").ok_or_else(unreadable)?;
    if magic != MAGIC || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unreadable());
    }
    let head = Head {
        seq,
        hash: hash.to_string(),
    };
    match key {
        Some(_) if found_tag == NO_TAG => Err(
            "the checkpoint carries no tag, but an audit key is configured: it was written \
             without the key, or rewritten by someone who does not have it"
                .to_string(),
        ),
        Some(key) if !verify_tag(&head, key, found_tag) => Err(
            "the checkpoint's tag does not match under the configured key: it was rewritten \
             by someone who does not have the key (or the key changed)"
                .to_string(),
        ),
        None if found_tag != NO_TAG => Err(
            "the checkpoint is keyed, but no audit key is configured: give ikmcp its [audit] \
             hmac_key_file"
                .to_string(),
        ),
        _ => Ok(Some(head)),
    }
}

#[cfg(unix)]
fn write_at_start(file: &File, bytes: &[u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, 0)
}

#[cfg(not(unix))]
fn write_at_start(mut file: &File, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(seq: u64, c: char) -> Head {
        Head {
            seq,
            hash: c.to_string().repeat(64),
        }
    }

    #[test]
    fn records_have_one_length_and_round_trip() {
        let key = MacKey::new(b"k".repeat(32));
        let small = encode(&head(0, 'a'), None);
        let big = encode(&head(u64::MAX, 'b'), Some(&key));
        assert_eq!(small.len(), big.len());
        assert_eq!(decode(small.as_bytes(), None), Ok(Some(head(0, 'a'))));
        assert_eq!(
            decode(big.as_bytes(), Some(&key)),
            Ok(Some(head(u64::MAX, 'b')))
        );
        assert_eq!(decode(b"", None), Ok(None));
    }

    #[test]
    fn keys_and_garbage_are_told_apart() {
        let key = MacKey::new(b"k".repeat(32));
        let keyed = encode(&head(3, 'a'), Some(&key));
        let plain = encode(&head(3, 'a'), None);
        let other = MacKey::new(b"j".repeat(32));
        let cases: [(&str, Option<&MacKey>, &str); 4] = [
            (&keyed, None, "no audit key is configured"),
            (&plain, Some(&key), "carries no tag"),
            (&keyed, Some(&other), "does not match"),
            ("ikmcp-audit-head-v1 seq=1", None, "unreadable"),
        ];
        for (text, key, expected) in cases {
            let err = decode(text.as_bytes(), key).unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
        // A rewritten count under the old tag.
        let forged = keyed.replace("seq=00000000000000000003", "seq=00000000000000000002");
        assert!(decode(forged.as_bytes(), Some(&key)).is_err());
    }

    #[test]
    fn compare_tells_a_cut_or_replaced_end_from_a_lagging_checkpoint() {
        let recorded = head(5, 'a');
        assert_eq!(compare(&recorded, &head(5, 'a'), |_| None), Ok(()));
        let cut = compare(&recorded, &head(3, 'c'), |_| None).unwrap_err();
        assert!(cut.contains("2 line(s) were cut from the end"), "{cut}");
        let replaced = compare(&recorded, &head(5, 'b'), |_| None).unwrap_err();
        assert!(replaced.contains("replaced"), "{replaced}");
        let lagging = compare(&recorded, &head(6, 'b'), |seq| {
            (seq == 5).then(|| "a".repeat(64))
        });
        assert_eq!(lagging, Ok(()));
        let rewritten = compare(&recorded, &head(6, 'b'), |_| Some("d".repeat(64)));
        assert!(rewritten.unwrap_err().contains("replaced from there on"));
        let fresh = Head {
            seq: 0,
            hash: GENESIS.to_string(),
        };
        assert_eq!(compare(&fresh, &head(1, 'b'), |_| None), Ok(()));
    }

    #[test]
    fn the_file_is_rewritten_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.jsonl");
        let file = HeadFile::open(&log).unwrap();
        assert_eq!(file.path(), dir.path().join("audit.jsonl.head"));
        assert_eq!(file.read(None).unwrap(), Ok(None));
        file.write(&head(9, 'a'), None, false).unwrap();
        file.write(&head(10, 'b'), None, true).unwrap();
        assert_eq!(file.read(None).unwrap(), Ok(Some(head(10, 'b'))));
        assert_eq!(read(&log, None).unwrap(), Ok(Some(head(10, 'b'))));
        assert_eq!(read(&dir.path().join("none"), None).unwrap(), Ok(None));
    }
}
