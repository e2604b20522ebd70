//! File access shared by the writer, `verify` and `query`: locks, forward line streaming
//! and reading the last line backwards.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Take};
use std::path::Path;

/// Holds a cross-process lock on the log file until dropped.
pub(crate) struct FileLock<'a>(&'a File);

impl<'a> FileLock<'a> {
    /// Waits for the exclusive lock (writers).
    pub(crate) fn exclusive(file: &'a File) -> io::Result<Self> {
        file.lock()?;
        Ok(FileLock(file))
    }

    /// Waits for a shared lock (readers that must not see a half-written line).
    pub(crate) fn shared(file: &'a File) -> io::Result<Self> {
        file.lock_shared()?;
        Ok(FileLock(file))
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        // Closing the file releases the lock anyway; nothing better to do on failure.
        let _ = self.0.unlock();
    }
}

/// One line read forward.
pub(crate) struct Line<'a> {
    /// 1-based line number.
    pub(crate) number: u64,
    /// The bytes without the newline.
    pub(crate) bytes: &'a [u8],
    /// Whether the line ended with a newline (the last write completed).
    pub(crate) terminated: bool,
}

/// Streams the lines of a log as it was when opened: appends made while reading are
/// left for the next reader, so no lock is held during a long scan.
pub(crate) struct LineReader {
    reader: BufReader<Take<File>>,
    buf: Vec<u8>,
    number: u64,
}

impl LineReader {
    /// Opens the log at `path`; `None` when it does not exist.
    pub(crate) fn open(path: &Path) -> io::Result<Option<Self>> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let len = {
            let _lock = FileLock::shared(&file)?;
            file.metadata()?.len()
        };
        Ok(Some(LineReader {
            reader: BufReader::new(file.take(len)),
            buf: Vec::new(),
            number: 0,
        }))
    }

    /// The next line, or `None` at the end.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        if self.reader.read_until(b'\n', &mut self.buf)? == 0 {
            return Ok(None);
        }
        self.number += 1;
        let terminated = self.buf.last() == Some(&b'\n');
        if terminated {
            self.buf.pop();
        }
        Ok(Some(Line {
            number: self.number,
            bytes: &self.buf,
            terminated,
        }))
    }
}

/// The end of a log file, read backwards.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Tail {
    /// The file is empty.
    Empty,
    /// The last line, without its newline.
    Line(Vec<u8>),
    /// The file does not end with a newline: the last write was cut short.
    Unterminated,
}

const CHUNK: u64 = 8192;

/// Reads the last line of the first `len` bytes of `file` without reading the rest.
pub(crate) fn read_tail(mut file: &File, len: u64) -> io::Result<Tail> {
    if len == 0 {
        return Ok(Tail::Empty);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] != b'\n' {
        return Ok(Tail::Unterminated);
    }
    let end = len - 1;
    let mut start = end;
    let mut line: Vec<u8> = Vec::new();
    while start > 0 {
        let from = start.saturating_sub(CHUNK);
        let mut chunk = vec![0u8; (start - from) as usize];
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(&mut chunk)?;
        if let Some(newline) = chunk.iter().rposition(|&b| b == b'\n') {
            chunk.drain(..=newline);
            chunk.extend_from_slice(&line);
            return Ok(Tail::Line(chunk));
        }
        chunk.extend_from_slice(&line);
        line = chunk;
        start = from;
    }
    Ok(Tail::Line(line))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn tail_of(content: &[u8]) -> Tail {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(content).unwrap();
        read_tail(&file, content.len() as u64).unwrap()
    }

    #[test]
    fn tail_cases() {
        assert_eq!(tail_of(b""), Tail::Empty);
        assert_eq!(tail_of(b"abc"), Tail::Unterminated);
        assert_eq!(tail_of(b"a\nbc"), Tail::Unterminated);
        assert_eq!(tail_of(b"abc\n"), Tail::Line(b"abc".to_vec()));
        assert_eq!(tail_of(b"a\nbc\n"), Tail::Line(b"bc".to_vec()));
        assert_eq!(tail_of(b"a\n\n"), Tail::Line(Vec::new()));
        assert_eq!(tail_of(b"\n"), Tail::Line(Vec::new()));
    }

    #[test]
    fn long_lines_span_chunks() {
        let long = vec![b'x'; 3 * CHUNK as usize + 17];
        for prefix in [&b""[..], b"first\n", &vec![b'y'; CHUNK as usize - 1][..]] {
            let mut content = prefix.to_vec();
            if !prefix.is_empty() && !prefix.ends_with(b"\n") {
                content.push(b'\n');
            }
            content.extend_from_slice(&long);
            content.push(b'\n');
            assert_eq!(tail_of(&content), Tail::Line(long.clone()));
        }
    }

    #[test]
    fn tail_only_looks_at_the_first_len_bytes() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"one\ntwo\nthr").unwrap();
        assert_eq!(read_tail(&file, 8).unwrap(), Tail::Line(b"two".to_vec()));
    }

    #[test]
    fn reader_numbers_lines_and_flags_a_cut_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        assert!(LineReader::open(&path).unwrap().is_none());
        std::fs::write(&path, b"a\n\nb").unwrap();
        let mut reader = LineReader::open(&path).unwrap().unwrap();
        let mut seen = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            seen.push((line.number, line.bytes.to_vec(), line.terminated));
        }
        assert_eq!(
            seen,
            vec![
                (1, b"a".to_vec(), true),
                (2, Vec::new(), true),
                (3, b"b".to_vec(), false)
            ]
        );
    }
}
