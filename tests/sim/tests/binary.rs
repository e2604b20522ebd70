//! The `ikmcp-sim` binary: first stdout line is the JSON announcement, and it serves quickly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_announces_and_serves() {
    let started = Instant::now();
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_ikmcp-sim"))
            .args([
                "--port",
                "0",
                "--seed",
                "42",
                "--scale",
                "fleet",
                "--rate-limit",
                "0",
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("binary runs"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "starts fast");
    let v: Value = serde_json::from_str(&line).expect("first line is JSON");
    for key in ["api", "manager", "control", "token"] {
        assert!(
            v[key].as_str().is_some_and(|s| !s.is_empty()),
            "{key} in {v}"
        );
    }
    assert!(v["tokens"]["dns_read"].is_string());
    let r = reqwest::Client::new()
        .get(format!(
            "{}/1/products?return=total",
            v["api"].as_str().unwrap()
        ))
        .bearer_auth(v["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["data"].as_u64().unwrap() > 100);
}

#[test]
fn bad_scale_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_ikmcp-sim"))
        .args(["--scale", "huge"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("small"));
}
