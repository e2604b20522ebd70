//! Each fault mode, through the library API and the control plane.

mod common;

use std::time::{Duration, Instant};

use common::*;
use ikmcp_sim::Faults;
use serde_json::{Value, json};

#[tokio::test]
async fn latency_delays_answers() {
    let sim = small().await;
    sim.set_faults(Faults {
        latency_ms: 400,
        ..Faults::default()
    })
    .unwrap();
    for _ in 0..2 {
        let t = Instant::now();
        let (s, _) = get(&sim, "/2/profile").await;
        assert_eq!(s, 200);
        assert!(
            t.elapsed() >= Duration::from_millis(400),
            "every request is delayed"
        );
    }
    sim.clear_faults();
    let v: Value = client()
        .get(format!("{}/faults", sim.control_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["latency_ms"], 0);
}

#[tokio::test]
async fn error_rate_gives_seeded_500s() {
    let run = || async {
        let sim = small().await;
        sim.set_faults(Faults {
            error_rate: 0.5,
            ..Faults::default()
        })
        .unwrap();
        let mut statuses = Vec::new();
        for _ in 0..30 {
            let (s, v) = get(&sim, "/1/accounts").await;
            if s == 500 {
                assert_error(&v, "unexpected_error");
            }
            statuses.push(s);
        }
        statuses
    };
    let a = run().await;
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
    assert_eq!(a, run().await, "fault randomness is seeded");
    let sim = small().await;
    sim.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    })
    .unwrap();
    assert_eq!(get(&sim, "/1/accounts").await.0, 500);
}

#[tokio::test]
async fn rate_limit_storm_hits_next_n() {
    let sim = small().await;
    sim.set_faults(Faults {
        rate_limit_storm: 2,
        ..Faults::default()
    })
    .unwrap();
    for _ in 0..2 {
        let (s, h, v) = call(&sim, sim.token(), "GET", "/2/profile", None).await;
        assert_eq!(s, 429);
        assert_error(&v, "too_many_requests");
        assert!(h.contains_key("retry-after"));
    }
    assert_eq!(get(&sim, "/2/profile").await.0, 200);
}

#[tokio::test]
async fn malformed_json_truncates_next_n_bodies() {
    let sim = small().await;
    sim.set_faults(Faults {
        malformed_json: 1,
        ..Faults::default()
    })
    .unwrap();
    let r = client()
        .get(format!("{}/1/accounts", sim.api_url()))
        .bearer_auth(sim.token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(!text.is_empty());
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "body must be invalid JSON: {text}"
    );
    assert_eq!(get(&sim, "/1/accounts").await.0, 200, "only the next one");
}

#[tokio::test]
async fn drop_connections_closes_without_response() {
    let sim = small().await;
    sim.set_faults(Faults {
        drop_connections: 1,
        ..Faults::default()
    })
    .unwrap();
    let err = client()
        .get(format!("{}/1/accounts", sim.api_url()))
        .bearer_auth(sim.token())
        .send()
        .await;
    assert!(
        err.is_err(),
        "connection must be closed without an answer: {err:?}"
    );
    assert_eq!(get(&sim, "/1/accounts").await.0, 200);
    let log = sim.requests();
    assert_eq!(
        log[0].status, 0,
        "the dropped request is logged with status 0"
    );
}

#[tokio::test]
async fn faults_over_the_control_plane() {
    let sim = small().await;
    let c = client();
    let r = c
        .post(format!("{}/faults", sim.control_url()))
        .json(&json!({"rate_limit_storm": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = c
        .get(format!("{}/faults", sim.control_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["rate_limit_storm"], 1);
    assert_eq!(get(&sim, "/2/profile").await.0, 429);
    let r = c
        .post(format!("{}/faults", sim.control_url()))
        .json(&json!({"error_rate": 2.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = c
        .post(format!("{}/faults", sim.control_url()))
        .json(&json!({"eror_rate": 0.1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "unknown keys are refused");
    c.post(format!("{}/faults", sim.control_url()))
        .json(&json!({"error_rate": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&sim, "/2/profile").await.0, 500);
    let r = c
        .delete(format!("{}/faults", sim.control_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(get(&sim, "/2/profile").await.0, 200);
    assert!(
        sim.set_faults(Faults {
            error_rate: -1.0,
            ..Faults::default()
        })
        .is_err()
    );
}
