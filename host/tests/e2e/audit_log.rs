//! The audit log, end to end: a line for each phase, no secret in it, and tampering
//! detected by `ikmcp audit verify`.

use serde_json::json;

use crate::dns::first_zone;
use crate::harness::{Harness, Options, run_cli};

#[tokio::test]
async fn every_phase_is_audited_without_secrets_and_tampering_is_detected() {
    let h = Harness::start(Options::default()).await;
    let zone = first_zone(&h).await;
    let args =
        json!({"zone": zone, "source": "audited", "type": "A", "target": "192.0.2.44", "ttl": 300});
    let plan = h.ok("infomaniak_dns_create_record", args.clone()).await;
    let token = plan["confirmation_token"].as_str().unwrap().to_string();
    let mut confirmed = args.clone();
    confirmed["confirmation_token"] = json!(token);
    h.ok("infomaniak_dns_create_record", confirmed.clone())
        .await;
    h.err("infomaniak_dns_create_record", confirmed).await;

    let lines = h.audit_lines();
    let phases: Vec<&str> = lines.iter().map(|l| l["phase"].as_str().unwrap()).collect();
    for phase in ["read", "plan", "apply_attempt", "applied", "denied"] {
        assert!(phases.contains(&phase), "{phase} missing from {phases:?}");
    }
    let applied = lines.iter().find(|l| l["phase"] == "applied").unwrap();
    assert_eq!(applied["tool"], "infomaniak_dns_create_record");
    assert_eq!(applied["plugin"], "dns");
    assert_eq!(applied["risk"], "write");
    let up = applied["upstream"].as_array().unwrap();
    assert!(
        up.iter()
            .any(|r| r["method"] == "POST" && r["status"] == 200),
        "{applied}"
    );
    let attempt_idx = phases.iter().position(|p| *p == "apply_attempt").unwrap();
    let applied_idx = phases.iter().position(|p| *p == "applied").unwrap();
    assert!(
        attempt_idx < applied_idx,
        "apply_attempt is written before the write"
    );

    let raw = std::fs::read_to_string(h.audit_path()).unwrap();
    assert!(
        !raw.contains(h.sim.token()),
        "the API token never reaches the audit log"
    );
    assert!(
        !raw.contains(&token),
        "confirmation tokens are stored only as references: {}",
        raw.lines()
            .filter(|l| l.contains(&token))
            .collect::<Vec<_>>()
            .join("\n")
    );

    let tail = h.ok("infomaniak_audit_log_tail", json!({"limit": 3})).await;
    assert_eq!(tail["entries"].as_array().unwrap().len(), 3);
    let found = h
        .ok(
            "infomaniak_audit_log_search",
            json!({"phase": "applied", "tool": "create_record"}),
        )
        .await;
    assert_eq!(found["entries"].as_array().unwrap().len(), 1, "{found}");

    let dir = h.dir.path();
    let log = h.audit_path();
    let env = [("IKMCP_AUDIT_LOG", log.to_str().unwrap())];
    let (code, out, _) = run_cli(dir, &["audit", "verify"], &env).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok"), "{out}");

    let mut bytes = std::fs::read(&log).unwrap();
    let pos = raw.find("192.0.2.44").unwrap();
    bytes[pos] = b'9';
    std::fs::write(&log, bytes).unwrap();
    let (code, out, _) = run_cli(dir, &["audit", "verify"], &env).await;
    assert_eq!(code, 1, "an edited byte is detected: {out}");
    assert!(out.contains("line"), "{out}");
}

/// Finding 10 through the binary: lines cut from the end are reported by `audit verify`,
/// the server refuses to write to the cut log, and `audit reseal` accepts a deliberate cut.
#[tokio::test]
async fn a_log_cut_at_the_end_is_reported_refused_and_resealed_on_purpose() {
    let h = Harness::start(Options::default()).await;
    for _ in 0..3 {
        h.ok("infomaniak_list_domains", json!({})).await;
    }
    let log = h.audit_path();
    let Harness { dir, client, .. } = h;
    let _ = client.cancel().await;
    let dir = dir.path();
    let env = [("IKMCP_AUDIT_LOG", log.to_str().unwrap())];
    let text = std::fs::read_to_string(&log).unwrap();
    let kept: Vec<&str> = text.lines().take(text.lines().count() - 2).collect();
    std::fs::write(&log, format!("{}\n", kept.join("\n"))).unwrap();

    let (code, out, _) = run_cli(dir, &["audit", "verify"], &env).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("2 line(s) were cut from the end"), "{out}");
    let (code, _, err) = run_cli(dir, &["serve", "--sandbox"], &env).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not match its checkpoint"), "{err}");

    let (code, out, _) = run_cli(dir, &["audit", "reseal"], &env).await;
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = run_cli(dir, &["audit", "verify"], &env).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("ok: {} lines", kept.len())), "{out}");
}
