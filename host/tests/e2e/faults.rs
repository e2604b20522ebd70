//! Upstream faults through the whole stack: reads ride out 429 storms (honouring
//! Retry-After) and dropped connections; a malformed body is a clean error; the server
//! keeps serving.

use ikmcp_sim::Faults;
use serde_json::json;

use crate::dns::{first_zone, records};
use crate::harness::{Harness, Options};

fn records_requests(h: &Harness, zone: &str) -> Vec<u16> {
    h.sim
        .requests()
        .into_iter()
        .filter(|r| r.path == format!("/2/zones/{zone}/records"))
        .map(|r| r.status)
        .collect()
}

#[tokio::test]
async fn a_read_waits_out_a_429_storm() {
    let h = Harness::start(Options::default()).await;
    let zone = first_zone(&h).await;
    h.sim.clear_requests();
    h.sim
        .set_faults(Faults {
            rate_limit_storm: 2,
            ..Faults::default()
        })
        .unwrap();
    let started = std::time::Instant::now();
    assert!(!records(&h, &zone).await.is_empty());
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "Retry-After: 1 was honoured twice"
    );
    assert_eq!(records_requests(&h, &zone), [429, 429, 200]);
    let read = h
        .audit_lines()
        .into_iter()
        .rev()
        .find(|l| l["tool"] == "infomaniak_dns_list_records")
        .unwrap();
    assert_eq!(read["upstream"][0]["attempts"], 3, "{read}");
    assert_eq!(read["upstream"][0]["status"], 200, "{read}");
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_reads() {
    let h = Harness::start(Options::default()).await;
    let zone = first_zone(&h).await;
    h.sim
        .set_faults(Faults {
            drop_connections: 1,
            ..Faults::default()
        })
        .unwrap();
    assert!(!records(&h, &zone).await.is_empty());
}

#[tokio::test]
async fn a_malformed_body_is_a_clean_upstream_error() {
    let h = Harness::start(Options::default()).await;
    let zone = first_zone(&h).await;
    h.sim
        .set_faults(Faults {
            malformed_json: 1,
            ..Faults::default()
        })
        .unwrap();
    let err = h
        .err("infomaniak_dns_list_records", json!({"zone": zone}))
        .await;
    assert_eq!(err["error"]["kind"], "upstream", "{err}");
    assert!(err["error"]["hint"].is_string(), "{err}");
    assert!(!records(&h, &zone).await.is_empty(), "the next call works");
}
