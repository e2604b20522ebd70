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

const CHUNK: u64 = 64 * 1024;

/// Reads the last line of the first `len` bytes of `file` without reading the rest.
pub(crate) fn read_tail(file: &File, len: u64) -> io::Result<Tail> {
    let mut lines = ReverseLines::new(file, len)?;
    if !lines.ends_with_newline() {
        return Ok(Tail::Unterminated);
    }
    Ok(match lines.next_line()? {
        None => Tail::Empty,
        Some((_, line)) => Tail::Line(line),
    })
}

/// The lines of the first `len` bytes of a file, newest first, read in chunks from the
/// end: the cost of reading the last lines does not grow with the file.
pub(crate) struct ReverseLines<'f> {
    file: &'f File,
    /// File offset of `buf[0]`.
    start: u64,
    /// The unread bytes before the lines already returned, `file[start..start+buf.len()]`.
    buf: Vec<u8>,
    terminated: bool,
    /// The first line was returned (or the file is empty).
    done: bool,
}

impl<'f> ReverseLines<'f> {
    /// Starts at the end of the first `len` bytes of `file`.
    pub(crate) fn new(mut file: &'f File, len: u64) -> io::Result<Self> {
        let mut terminated = true;
        let mut end = len;
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))?;
            file.read_exact(&mut last)?;
            terminated = last[0] == b'\n';
            if terminated {
                end -= 1;
            }
        }
        Ok(ReverseLines {
            file,
            start: end,
            buf: Vec::new(),
            terminated,
            done: len == 0,
        })
    }

    /// Whether the region ends with a newline (or is empty): if not, the newest line was
    /// cut short by an interrupted write.
    pub(crate) fn ends_with_newline(&self) -> bool {
        self.terminated
    }

    /// The previous line and the file offset where it starts, or `None` before the first.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<(u64, Vec<u8>)>> {
        if self.done {
            return Ok(None);
        }
        loop {
            if let Some(newline) = self.buf.iter().rposition(|&b| b == b'\n') {
                let line = self.buf.split_off(newline + 1);
                self.buf.pop();
                return Ok(Some((self.start + newline as u64 + 1, line)));
            }
            if self.start == 0 {
                self.done = true;
                return Ok(Some((0, std::mem::take(&mut self.buf))));
            }
            self.read_chunk()?;
        }
    }

    fn read_chunk(&mut self) -> io::Result<()> {
        // Grow the chunk with the pending bytes, so a line longer than CHUNK costs a few
        // reads rather than one per CHUNK.
        let want = CHUNK.max(self.buf.len() as u64);
        let from = self.start.saturating_sub(want);
        let mut chunk = vec![0u8; (self.start - from) as usize];
        let mut file = self.file;
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&self.buf);
        self.buf = chunk;
        self.start = from;
        Ok(())
    }
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

    fn backwards(content: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(content).unwrap();
        let mut lines = ReverseLines::new(&file, content.len() as u64).unwrap();
        assert_eq!(
            lines.ends_with_newline(),
            content.is_empty() || content.ends_with(b"\n")
        );
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            seen.push(line);
        }
        assert!(lines.next_line().unwrap().is_none());
        seen
    }

    #[test]
    fn reverse_lines_give_every_line_newest_first_with_its_offset() {
        assert!(backwards(b"").is_empty());
        assert_eq!(backwards(b"\n"), vec![(0, vec![])]);
        assert_eq!(
            backwards(b"a\n\nbc\n"),
            vec![(3, b"bc".to_vec()), (2, vec![]), (0, b"a".to_vec())]
        );
        assert_eq!(
            backwards(b"a\nbc"),
            vec![(2, b"bc".to_vec()), (0, b"a".to_vec())]
        );
        // Many lines and lines longer than a chunk, across chunk boundaries.
        let mut content = Vec::new();
        let mut expected = Vec::new();
        for i in 0..3000u64 {
            let line = if i % 1000 == 7 {
                vec![b'x'; 2 * CHUNK as usize + 3]
            } else {
                format!("line {i}").into_bytes()
            };
            expected.push((content.len() as u64, line.clone()));
            content.extend_from_slice(&line);
            content.push(b'\n');
        }
        expected.reverse();
        assert_eq!(backwards(&content), expected);
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
