//! `make demo`: a short scripted MCP session against the sandbox tenant.
//!
//! Starts `ikmcp serve --sandbox` (built beside this example), connects with rmcp's
//! client as Claude Desktop would, and walks through: list tools, a read, a plan, the
//! confirmed apply, and the audit trail. Nothing leaves the machine.

use std::process::Stdio;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .and_then(|examples| examples.parent())
        .map(|profile| profile.join("ikmcp"))
        .filter(|p| p.exists())
        .ok_or_else(|| {
            anyhow::anyhow!("ikmcp binary not found beside the example; run `make demo`")
        })?;
    // Kept after the demo (under target/demo/) so it can be inspected and verified.
    let state = bin
        .parent()
        .and_then(|profile| profile.parent())
        .map(|target| target.join("demo"))
        .ok_or_else(|| anyhow::anyhow!("no target directory"))?;
    std::fs::create_dir_all(&state)?;
    let audit_log = state.join("audit.jsonl");
    // A new log each run: the log and its checkpoint (`<log>.head`) go together, or the
    // host rightly refuses a log shorter than its checkpoint says.
    let _ = std::fs::remove_file(&audit_log);
    let _ = std::fs::remove_file(state.join("audit.jsonl.head"));
    let mut cmd = tokio::process::Command::new(&bin);
    cmd.args(["serve", "--sandbox"])
        .env("IKMCP_AUDIT_LOG", &audit_log)
        .env("IKMCP_LOG", "warn")
        .env_remove("INFOMANIAK_API_TOKEN");
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::inherit())
        .spawn()?;
    let client = ().serve(transport).await?;
    let call = |name: &'static str, args: Value| {
        let client = &client;
        async move {
            let params = CallToolRequestParams::new(name)
                .with_arguments(args.as_object().cloned().unwrap_or_default());
            let result = client.call_tool(params).await?;
            anyhow::Ok(result.structured_content.unwrap_or(Value::Null))
        }
    };

    step("1. tools/list");
    let tools = client.list_all_tools().await?;
    for t in &tools {
        let a = t.annotations.clone().unwrap_or_default();
        let kind = if a.read_only_hint == Some(true) {
            "read"
        } else if a.destructive_hint == Some(true) {
            "destructive"
        } else {
            "write"
        };
        println!("   {:<40} {kind}", t.name);
    }

    step("2. a read: infomaniak_list_domains, then the records of the first zone");
    let domains = call("infomaniak_list_domains", json!({})).await?;
    let zone = domains["domains"][0]["customer_name"]
        .as_str()
        .unwrap_or("example.com")
        .to_string();
    println!(
        "   {} domains; first: {zone}",
        domains["domains"].as_array().map_or(0, Vec::len)
    );
    let records = call("infomaniak_dns_list_records", json!({"zone": zone})).await?;
    for r in records["records"].as_array().into_iter().flatten().take(6) {
        println!(
            "   {:>8} {:<6} {:<12} {}",
            r["id"],
            r["type"].as_str().unwrap_or(""),
            r["source"].as_str().unwrap_or(""),
            r["target"]
        );
    }

    step("3. a write, first call: infomaniak_dns_create_record returns a PLAN (nothing changed)");
    let args =
        json!({"zone": zone, "source": "demo", "type": "A", "target": "192.0.2.80", "ttl": 3600});
    let plan = call("infomaniak_dns_create_record", args.clone()).await?;
    println!(
        "   status: {}\n   summary: {}\n   token expires: {}",
        plan["status"], plan["summary"], plan["token_expires_at"]
    );
    println!("   effects: {}", plan["effects"]);

    step("4. the user approves: same call plus confirmation_token");
    let mut confirmed = args.clone();
    confirmed["confirmation_token"] = plan["confirmation_token"].clone();
    let applied = call("infomaniak_dns_create_record", confirmed.clone()).await?;
    println!(
        "   status: {}\n   result: {}",
        applied["status"], applied["result"]
    );
    let replay = call("infomaniak_dns_create_record", confirmed).await?;
    println!("   replaying the token: {}", replay["error"]["message"]);

    step("5. the audit trail: infomaniak_audit_log_tail");
    let tail = call("infomaniak_audit_log_tail", json!({"limit": 8})).await?;
    for e in tail["entries"].as_array().into_iter().flatten() {
        println!(
            "   #{:<3} {:<14} {:<32} {}",
            e["seq"],
            e["phase"].as_str().unwrap_or(""),
            e["tool"].as_str().unwrap_or(""),
            e["hash"].as_str().map(|h| &h[..12]).unwrap_or("")
        );
    }
    client.cancel().await?;

    step("6. the operator checks the hash chain: ikmcp audit verify");
    let verify = std::process::Command::new(&bin)
        .args(["audit", "verify"])
        .env("IKMCP_AUDIT_LOG", &audit_log)
        .output()?;
    print!("   {}", String::from_utf8_lossy(&verify.stdout));
    println!("   audit log kept at {}", audit_log.display());
    Ok(())
}

fn step(title: &str) {
    println!("\n== {title}");
}
