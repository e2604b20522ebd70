//! Tests of the audit log as a whole: chain, tampering, redaction, reopening, sharing,
//! queries.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::chain::GENESIS;
use super::checkpoint;
use super::*;
use crate::secret::Secret;
use crate::upstream::RequestOutcome;

const API_TOKEN: &str = "ik-API-TOKEN-0123456789abcdef";
const COOKIE: &str = "session=c00k1e-value-42";

fn event(phase: AuditPhase, tool: &str, args: Value) -> AuditEvent {
    AuditEvent {
        phase,
        tool: tool.to_string(),
        plugin: "dns".to_string(),
        risk: if phase == AuditPhase::Read {
            "read"
        } else {
            "write"
        }
        .to_string(),
        args,
        result_summary: None,
        error: None,
        duration_ms: None,
        upstream: Vec::new(),
        fingerprint: None,
        secrets: Default::default(),
    }
}

fn log_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("state").join("audit.jsonl")
}

/// A log of `n` lines with varied phases and tools.
fn write_log(path: &Path, n: u64) -> Vec<String> {
    let log = AuditLog::open(path, vec![]).unwrap();
    let phases = [
        AuditPhase::Read,
        AuditPhase::Plan,
        AuditPhase::ApplyAttempt,
        AuditPhase::Applied,
        AuditPhase::Failed,
        AuditPhase::Denied,
    ];
    (1..=n)
        .map(|i| {
            let phase = phases[(i as usize) % phases.len()];
            let tool = if i % 2 == 0 {
                "dns_record_list"
            } else {
                "mail_alias_create"
            };
            log.record(event(
                phase,
                tool,
                json!({"i": i, "note": format!("line {i}")}),
            ))
            .unwrap()
        })
        .collect()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

fn broken_at(path: &Path) -> (u64, String) {
    match verify(path) {
        Err(AuditError::Broken { line, reason, .. }) => (line, reason),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[test]
fn phase_names_match_serde() {
    for phase in [
        AuditPhase::Read,
        AuditPhase::Plan,
        AuditPhase::ApplyAttempt,
        AuditPhase::Applied,
        AuditPhase::Failed,
        AuditPhase::Denied,
    ] {
        assert_eq!(serde_json::to_value(phase).unwrap(), phase.as_str());
    }
    assert!(!AuditPhase::Read.is_durable() && !AuditPhase::Plan.is_durable());
    assert!(AuditPhase::ApplyAttempt.is_durable() && AuditPhase::Denied.is_durable());
}

#[test]
fn a_long_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let hashes = write_log(&path, 300);
    let report = verify(&path).unwrap();
    assert_eq!(report.lines, 300);
    assert_eq!(report.head.as_deref(), Some(hashes[299].as_str()));
}

#[test]
fn line_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let log = AuditLog::open(&path, vec![]).unwrap();
    let first = log
        .record(event(AuditPhase::Read, "dns_zone_list", json!({})))
        .unwrap();
    let mut full = event(
        AuditPhase::Failed,
        "dns_record_create",
        json!({"zone": "example.com"}),
    );
    full.result_summary = Some(json!("nothing written"));
    full.error = Some(json!({"code": "conflict"}));
    full.duration_ms = Some(12);
    full.fingerprint = Some("f".repeat(64));
    full.upstream = vec![crate::upstream::RequestRecord {
        role: "api".into(),
        method: "POST".into(),
        path: "/2/zones/example.com/records".into(),
        query: String::new(),
        status: Some(409),
        ms: 40,
        wait_us: 39_500,
        attempts: 1,
        outcome: RequestOutcome::Sent,
        effect: Some(1),
    }];
    let second = log.record(full).unwrap();

    let lines: Vec<Value> = lines(&path)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&lines[0]),
        [
            "seq",
            "ts",
            "phase",
            "tool",
            "plugin",
            "risk",
            "args",
            "upstream",
            "prev_hash",
            "hash"
        ]
    );
    assert_eq!(
        keys(&lines[1]),
        [
            "seq",
            "ts",
            "phase",
            "tool",
            "plugin",
            "risk",
            "args",
            "result_summary",
            "error",
            "duration_ms",
            "upstream",
            "fingerprint",
            "prev_hash",
            "hash"
        ]
    );
    assert_eq!(lines[0]["seq"], 1);
    assert_eq!(lines[0]["prev_hash"], GENESIS);
    assert_eq!(lines[0]["hash"], first.as_str());
    assert_eq!(lines[1]["seq"], 2);
    assert_eq!(lines[1]["prev_hash"], first.as_str());
    assert_eq!(lines[1]["hash"], second.as_str());
    assert_eq!(lines[1]["phase"], "failed");
    assert_eq!(
        lines[1]["upstream"][0],
        json!({"role": "api", "method": "POST", "path": "/2/zones/example.com/records",
               "status": 409, "ms": 40, "wait_us": 39_500, "attempts": 1, "outcome": {"kind": "sent"},
               "effect": 1})
    );
    let ts = OffsetDateTime::parse(lines[0]["ts"].as_str().unwrap(), &Rfc3339).unwrap();
    assert_eq!(ts.offset(), time::UtcOffset::UTC);
    assert!((OffsetDateTime::now_utc() - ts).whole_seconds() < 60);
}

#[test]
fn every_flipped_byte_of_a_line_is_caught_at_that_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 5);
    let original = std::fs::read(&path).unwrap();
    let text = String::from_utf8(original.clone()).unwrap();
    let start = text.match_indices('\n').nth(1).unwrap().0 + 1;
    let end = text.match_indices('\n').nth(2).unwrap().0;
    for i in start..=end {
        let mut bytes = original.clone();
        bytes[i] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let (line, reason) = broken_at(&path);
        assert_eq!(line, 3, "byte {i} flipped: {reason}");
    }
    std::fs::write(&path, &original).unwrap();
    assert_eq!(verify(&path).unwrap().lines, 5);
}

#[test]
fn a_deleted_line_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 10);
    let mut all = lines(&path);
    all.remove(4);
    write_lines(&path, &all);
    let (line, reason) = broken_at(&path);
    assert_eq!(line, 5);
    assert!(reason.contains("seq is 6, expected 5"), "{reason}");
}

#[test]
fn a_deleted_first_line_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 3);
    let all = lines(&path);
    write_lines(&path, &all[1..]);
    assert_eq!(broken_at(&path).0, 1);
}

#[test]
fn a_swapped_pair_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 10);
    let mut all = lines(&path);
    all.swap(3, 4);
    write_lines(&path, &all);
    assert_eq!(broken_at(&path).0, 4);
}

#[test]
fn a_line_from_another_chain_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let other = dir.path().join("other.jsonl");
    write_log(&path, 5);
    AuditLog::open(&other, vec![])
        .unwrap()
        .record(event(AuditPhase::Read, "x", json!(1)))
        .unwrap();
    let log = AuditLog::open(&other, vec![]).unwrap();
    log.record(event(AuditPhase::Read, "x", json!(2))).unwrap();
    log.record(event(AuditPhase::Read, "forged", json!(3)))
        .unwrap();
    let mut all = lines(&path);
    all[2] = lines(&other)[2].clone();
    write_lines(&path, &all);
    let (line, reason) = broken_at(&path);
    assert_eq!(line, 3);
    assert!(
        reason.contains("prev_hash does not match the hash of line 2"),
        "{reason}"
    );
}

#[test]
fn garbage_and_truncation_at_the_end_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 4);
    let original = std::fs::read(&path).unwrap();

    let mut garbage = original.clone();
    garbage.extend_from_slice(b"{\"seq\":5}\n");
    std::fs::write(&path, &garbage).unwrap();
    assert_eq!(broken_at(&path).0, 5);

    let mut blank = original.clone();
    blank.push(b'\n');
    std::fs::write(&path, &blank).unwrap();
    assert_eq!(broken_at(&path), (5, "the line is empty".to_string()));

    std::fs::write(&path, &original[..original.len() - 10]).unwrap();
    let (line, reason) = broken_at(&path);
    assert_eq!(line, 4);
    assert!(reason.contains("cut short"), "{reason}");
}

#[test]
fn missing_and_empty_logs_verify_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let empty = VerifyReport {
        lines: 0,
        head: None,
    };
    assert_eq!(verify(&path).unwrap(), empty);
    AuditLog::open(&path, vec![]).unwrap();
    assert_eq!(verify(&path).unwrap(), empty);
}

#[test]
fn a_password_under_a_sensitive_key_is_removed_from_every_field_of_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let log = AuditLog::open(&path, vec![]).unwrap();
    let pw = "N3w-r00t-P4ss";
    let mut e = event(AuditPhase::Applied, "reset", json!({"db_password": pw}));
    e.result_summary = Some(json!({"uri": format!("mysql://root:{pw}@db:3306")}));
    e.error = Some(json!(format!("login with {pw} failed")));
    log.record(e).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(pw), "{text}");
    let line: Value = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(
        line["result_summary"]["uri"],
        "mysql://root:[REDACTED]@db:3306"
    );
    assert_eq!(line["error"], "login with [REDACTED] failed");
}

#[test]
fn secrets_never_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let log = AuditLog::open(&path, vec![Secret::new(API_TOKEN), Secret::new(COOKIE)]).unwrap();
    let mut e = event(
        AuditPhase::Failed,
        "raw_api_call",
        json!({"headers": [{"name": "X-Debug", "value": format!("Bearer {API_TOKEN}")}],
               "deep": {"deeper": [[format!("prefix{COOKIE}suffix")]]}}),
    );
    e.result_summary = Some(json!(format!("sent {API_TOKEN}")));
    e.error = Some(json!({"message": format!("rejected cookie {COOKIE}")}));
    e.upstream = vec![crate::upstream::RequestRecord {
        role: "manager".into(),
        method: "GET".into(),
        path: format!("/x/{API_TOKEN}"),
        query: format!("key={API_TOKEN}"),
        status: None,
        ms: 1,
        wait_us: 900,
        attempts: 1,
        outcome: RequestOutcome::Failed(format!("timeout for {COOKIE}")),
        effect: None,
    }];
    log.record(e).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    for needle in [API_TOKEN, COOKIE, "c00k1e", "0123456789abcdef"] {
        assert!(!text.contains(needle), "{needle} leaked: {text}");
    }
    let line: Value = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(line["args"]["headers"][0]["value"], "Bearer [REDACTED]");
    assert_eq!(
        line["args"]["deep"]["deeper"][0][0],
        "prefix[REDACTED]suffix"
    );
    assert_eq!(line["result_summary"], "sent [REDACTED]");
    assert_eq!(line["upstream"][0]["path"], "/x/[REDACTED]");
    assert_eq!(line["upstream"][0]["query"], "key=[REDACTED]");
    assert_eq!(
        line["upstream"][0]["outcome"]["reason"],
        "timeout for [REDACTED]"
    );
    assert_eq!(verify(&path).unwrap().lines, 1);
}

#[test]
fn confirmation_tokens_become_matching_references() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let log = AuditLog::open(&path, vec![]).unwrap();
    let token = "0b7f3c1e-8a2d-4f6b-9c3e-5d1a2b3c4d5e";
    let mut plan = event(AuditPhase::Plan, "dns_record_create", json!({"zone": "a"}));
    plan.result_summary = Some(json!({"status": "plan", "confirmation_token": token}));
    log.record(plan).unwrap();
    log.record(event(
        AuditPhase::ApplyAttempt,
        "dns_record_create",
        json!({"zone": "a", "confirmation_token": token}),
    ))
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(token) && !text.contains("0b7f3c1e"));
    let all: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reference = all[0]["result_summary"]["confirmation_token"]
        .as_str()
        .unwrap();
    assert!(reference.starts_with("tok:") && reference.len() == 12);
    assert_eq!(all[1]["args"]["confirmation_token"], reference);
}

#[test]
fn reopening_continues_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let first = write_log(&path, 3);
    let log = AuditLog::open(&path, vec![]).unwrap();
    log.record(event(AuditPhase::Read, "t", json!({}))).unwrap();
    let all = lines(&path);
    let fourth: Value = serde_json::from_str(&all[3]).unwrap();
    assert_eq!(fourth["seq"], 4);
    assert_eq!(fourth["prev_hash"], first[2].as_str());
    assert_eq!(verify(&path).unwrap().lines, 4);
}

#[test]
fn a_batch_is_chained_line_by_line_and_the_checkpoint_follows_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let log = AuditLog::open(&path, vec![]).unwrap();
    log.record(event(AuditPhase::Read, "before", json!({})))
        .unwrap();
    let batch = (0..5)
        .map(|i| event(AuditPhase::Read, &format!("batch{i}"), json!({"i": i})))
        .collect();
    let last = log.record_all(batch).unwrap();
    assert_eq!(
        log.record_all(Vec::new()).unwrap(),
        "",
        "an empty batch writes nothing"
    );
    let all: Vec<Value> = lines(&path)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(all.len(), 6);
    for (i, line) in all.iter().enumerate().skip(1) {
        assert_eq!(line["seq"], i as u64 + 1);
        assert_eq!(line["tool"], format!("batch{}", i - 1));
        assert_eq!(line["prev_hash"], all[i - 1]["hash"]);
    }
    assert_eq!(all[5]["hash"], last.as_str());
    assert_eq!(verify(&path).unwrap().lines, 6);
    drop(log);
    // The checkpoint recorded the batch's end: the log reopens and goes on.
    let log = AuditLog::open(&path, vec![]).unwrap();
    log.record(event(AuditPhase::Read, "after", json!({})))
        .unwrap();
    assert_eq!(verify(&path).unwrap().lines, 7);
}

#[test]
fn open_refuses_a_broken_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 2);
    let original = std::fs::read(&path).unwrap();
    let edited = String::from_utf8(original.clone())
        .unwrap()
        .replace("line 2", "line 9");
    let cases: [(Vec<u8>, &str); 3] = [
        ([&original[..], b"{oops"].concat(), "cut short"),
        ([&original[..], b"{oops}\n"].concat(), "not valid JSON"),
        (edited.into_bytes(), "was edited"),
    ];
    for (content, reason) in cases {
        std::fs::write(&path, &content).unwrap();
        let err = AuditLog::open(&path, vec![])
            .err()
            .expect("open must refuse");
        let message = err.to_string();
        assert!(matches!(err, AuditError::Tail { .. }), "{message}");
        assert!(message.contains(reason), "{message}");
        assert!(message.contains("ikmcp audit verify"), "{message}");
        assert_eq!(std::fs::read(&path).unwrap(), content, "nothing appended");
    }
}

#[test]
fn record_refuses_to_chain_onto_garbage_written_by_someone_else() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let log = AuditLog::open(&path, vec![]).unwrap();
    log.record(event(AuditPhase::Read, "t", json!({}))).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"half a li");
    std::fs::write(&path, &bytes).unwrap();
    let err = log
        .record(event(AuditPhase::Read, "t", json!({})))
        .unwrap_err();
    assert!(matches!(err, AuditError::Tail { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn two_handles_on_one_file_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let a = AuditLog::open(&path, vec![]).unwrap();
    let b = AuditLog::open(&path, vec![]).unwrap();
    for i in 0..20 {
        let log = if i % 3 == 0 { &a } else { &b };
        log.record(event(AuditPhase::Read, "t", json!({"i": i})))
            .unwrap();
    }
    assert_eq!(verify(&path).unwrap().lines, 20);
}

#[test]
fn concurrent_handles_in_threads_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let shared = std::sync::Arc::new(AuditLog::open(&path, vec![]).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            let shared = shared.clone();
            std::thread::spawn(move || {
                let own = AuditLog::open(&path, vec![]).unwrap();
                for i in 0..25 {
                    let log = if i % 2 == 0 { &own } else { &*shared };
                    let phase = if t % 2 == 0 {
                        AuditPhase::Read
                    } else {
                        AuditPhase::Applied
                    };
                    log.record(event(phase, "t", json!({"t": t, "i": i})))
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(verify(&path).unwrap().lines, 100);
}

#[cfg(unix)]
#[test]
fn a_new_log_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    AuditLog::open(&path, vec![]).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn open_reports_an_unusable_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"").unwrap();
    let err = AuditLog::open(&blocker.join("audit.jsonl"), vec![])
        .err()
        .expect("a file cannot be a directory");
    assert!(matches!(err, AuditError::Io { .. }));
    assert!(err.to_string().contains("audit.jsonl"), "{err}");
}

fn seqs(values: &[Value]) -> Vec<u64> {
    values.iter().map(|v| v["seq"].as_u64().unwrap()).collect()
}

#[test]
fn query_filters() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 12);
    let all = query(&path, &AuditQuery::default()).unwrap().entries;
    assert_eq!(seqs(&all), (1..=12).collect::<Vec<_>>());

    let by_tool = AuditQuery {
        tool: Some("RECORD_list".into()),
        ..AuditQuery::default()
    };
    assert_eq!(
        seqs(&query(&path, &by_tool).unwrap().entries),
        [2, 4, 6, 8, 10, 12]
    );

    let by_phase = AuditQuery {
        phase: Some(AuditPhase::ApplyAttempt),
        ..AuditQuery::default()
    };
    assert_eq!(seqs(&query(&path, &by_phase).unwrap().entries), [2, 8]);

    let by_risk = AuditQuery {
        risk: Some("read".into()),
        ..AuditQuery::default()
    };
    assert_eq!(seqs(&query(&path, &by_risk).unwrap().entries), [6, 12]);

    let by_text = AuditQuery {
        text: Some("LINE 1".into()),
        ..AuditQuery::default()
    };
    assert_eq!(
        seqs(&query(&path, &by_text).unwrap().entries),
        [1, 10, 11, 12]
    );

    let ts = |i: usize| OffsetDateTime::parse(all[i]["ts"].as_str().unwrap(), &Rfc3339).unwrap();
    let window = AuditQuery {
        since: Some(ts(3)),
        until: Some(ts(6)),
        ..AuditQuery::default()
    };
    assert_eq!(seqs(&query(&path, &window).unwrap().entries), [4, 5, 6, 7]);

    let combined = AuditQuery {
        tool: Some("mail".into()),
        since: Some(ts(3)),
        limit: 2,
        ..AuditQuery::default()
    };
    assert_eq!(seqs(&query(&path, &combined).unwrap().entries), [9, 11]);
}

#[test]
fn query_limit_keeps_the_newest_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 50);
    let q = AuditQuery {
        limit: 3,
        ..AuditQuery::default()
    };
    assert_eq!(seqs(&query(&path, &q).unwrap().entries), [48, 49, 50]);
    let q = AuditQuery {
        limit: 100,
        ..AuditQuery::default()
    };
    assert_eq!(query(&path, &q).unwrap().entries.len(), 50);
}

#[test]
fn query_on_missing_and_damaged_logs() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    assert!(
        query(&path, &AuditQuery::default())
            .unwrap()
            .entries
            .is_empty()
    );
    write_log(&path, 3);
    let mut all = lines(&path);
    all.insert(1, "not json".into());
    let offset = all[0].len() as u64 + 1;
    write_lines(&path, &all);
    match query(&path, &AuditQuery::default()) {
        Err(AuditError::Unreadable {
            offset: at, reason, ..
        }) => {
            assert_eq!(at, offset);
            assert!(reason.contains("not JSON"), "{reason}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    // A tail that does not reach the damage still answers.
    let newest = AuditQuery {
        limit: 2,
        ..AuditQuery::default()
    };
    assert_eq!(seqs(&query(&path, &newest).unwrap().entries), [2, 3]);
}

#[test]
fn a_search_stops_at_its_scan_bound_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 40);
    let rare = AuditQuery {
        text: Some("line 3\"".into()),
        max_scan: 20,
        ..AuditQuery::default()
    };
    let found = query(&path, &rare).unwrap();
    assert!(found.entries.is_empty() && found.truncated, "{found:?}");
    assert_eq!(found.scanned, 20);
    let unbounded = AuditQuery {
        max_scan: 0,
        ..rare
    };
    let found = query(&path, &unbounded).unwrap();
    assert_eq!(seqs(&found.entries), [3]);
    assert!(!found.truncated);
    assert_eq!(found.scanned, 40);
    let tail = AuditQuery {
        limit: 5,
        max_scan: 5,
        ..AuditQuery::default()
    };
    let found = query(&path, &tail).unwrap();
    assert_eq!((found.scanned, found.truncated), (5, false));
}

fn checkpoint_path(path: &Path) -> PathBuf {
    checkpoint::path_for(path)
}

/// Finding 10: cutting lines from the end left a valid chain; verify said "ok" and the
/// writer carried on from the shortened file.
#[test]
fn lines_cut_from_the_end_are_reported_and_the_writer_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 10);
    let all = lines(&path);
    write_lines(&path, &all[..7]);
    let cut = std::fs::read(&path).unwrap();
    let message = match verify(&path) {
        Err(e @ AuditError::Checkpoint { .. }) => e.to_string(),
        other => panic!("expected a checkpoint mismatch, got {other:?}"),
    };
    assert!(
        message.contains("3 line(s) were cut from the end"),
        "{message}"
    );
    assert!(message.contains("ikmcp audit reseal"), "{message}");
    let err = AuditLog::open(&path, vec![])
        .err()
        .expect("the writer refuses");
    assert!(matches!(err, AuditError::Checkpoint { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), cut, "nothing appended");

    // Deleting the whole log is the same cut.
    std::fs::remove_file(&path).unwrap();
    let err = AuditLog::open(&path, vec![])
        .err()
        .expect("the writer refuses");
    assert!(err.to_string().contains("10 line(s) were cut"), "{err}");
}

#[test]
fn a_cut_while_the_writer_runs_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let log = AuditLog::open(&path, vec![]).unwrap();
    for i in 0..5 {
        log.record(event(AuditPhase::Read, "t", json!({"i": i})))
            .unwrap();
    }
    let all = lines(&path);
    write_lines(&path, &all[..3]);
    let err = log
        .record(event(AuditPhase::Applied, "t", json!({})))
        .unwrap_err();
    assert!(matches!(err, AuditError::Checkpoint { .. }), "{err}");
    assert_eq!(lines(&path).len(), 3);
}

#[test]
fn the_end_replaced_by_a_valid_chain_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 4);
    let recorded = std::fs::read(checkpoint_path(&path)).unwrap();
    // Line 4 replaced by another, properly chained line 4.
    let all = lines(&path);
    write_lines(&path, &all[..3]);
    reseal(&path, None).unwrap();
    AuditLog::open(&path, vec![])
        .unwrap()
        .record(event(AuditPhase::Read, "other", json!({})))
        .unwrap();
    std::fs::write(checkpoint_path(&path), &recorded).unwrap();
    match verify(&path) {
        Err(AuditError::Checkpoint { reason, .. }) => {
            assert!(reason.contains("end of the log was replaced"), "{reason}");
        }
        other => panic!("expected a checkpoint mismatch, got {other:?}"),
    }
}

#[test]
fn a_missing_checkpoint_is_refused_until_resealed() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 3);
    std::fs::remove_file(checkpoint_path(&path)).unwrap();
    assert!(matches!(
        verify(&path),
        Err(AuditError::NoCheckpoint { .. })
    ));
    let err = AuditLog::open(&path, vec![]).err().expect("refused");
    assert!(err.to_string().contains("ikmcp audit reseal"), "{err}");
    assert_eq!(reseal(&path, None).unwrap().lines, 3);
    let log = AuditLog::open(&path, vec![]).unwrap();
    log.record(event(AuditPhase::Read, "t", json!({}))).unwrap();
    assert_eq!(verify(&path).unwrap().lines, 4);
}

#[test]
fn a_checkpoint_lagging_after_a_crash_is_caught_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 3);
    let before = std::fs::read(checkpoint_path(&path)).unwrap();
    AuditLog::open(&path, vec![])
        .unwrap()
        .record(event(AuditPhase::Read, "t", json!({})))
        .unwrap();
    std::fs::write(checkpoint_path(&path), &before).unwrap();
    assert_eq!(verify(&path).unwrap().lines, 4);
    AuditLog::open(&path, vec![]).unwrap();
    assert_ne!(std::fs::read(checkpoint_path(&path)).unwrap(), before);
}

#[test]
fn a_keyed_log_cannot_be_recut_or_rechained_without_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    let key = AuditKey::new(b"operator-key-of-32-bytes-or-more".to_vec());
    let log = AuditLog::open_keyed(&path, vec![], Some(key.clone())).unwrap();
    for i in 0..5 {
        log.record(event(AuditPhase::Read, "t", json!({"i": i})))
            .unwrap();
    }
    drop(log);
    assert_eq!(verify_keyed(&path, Some(&key)).unwrap().lines, 5);
    // Without the key, neither the checkpoint nor the lines check out.
    assert!(verify(&path).is_err());
    assert!(AuditLog::open(&path, vec![]).is_err());

    // Someone without the key cuts two lines and writes an unkeyed checkpoint for the
    // shortened log (`reseal` refuses to without the key: the lines do not check out).
    let all = lines(&path);
    write_lines(&path, &all[..3]);
    assert!(reseal(&path, None).is_err());
    let third: Value = serde_json::from_str(&all[2]).unwrap();
    let forged = checkpoint::Head {
        seq: 3,
        hash: third["hash"].as_str().unwrap().to_string(),
    };
    checkpoint::HeadFile::open(&path)
        .unwrap()
        .write(&forged, None, true)
        .unwrap();
    let err = verify_keyed(&path, Some(&key)).unwrap_err();
    assert!(err.to_string().contains("carries no tag"), "{err}");
    assert!(AuditLog::open_keyed(&path, vec![], Some(key.clone())).is_err());

    // Or re-chains the whole log with plain hashes.
    std::fs::remove_file(&path).unwrap();
    std::fs::remove_file(checkpoint_path(&path)).unwrap();
    write_log(&path, 3);
    match verify_keyed(&path, Some(&key)) {
        Err(AuditError::Checkpoint { .. }) => {}
        other => panic!("expected the unkeyed checkpoint refused, got {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn the_log_and_checkpoint_are_made_private_on_every_open() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(&dir);
    write_log(&path, 1);
    for file in [path.clone(), checkpoint_path(&path)] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    AuditLog::open(&path, vec![]).unwrap();
    for file in [path.clone(), checkpoint_path(&path)] {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }
}
