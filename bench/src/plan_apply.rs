//! Scenario 6: the plan/apply round trip of a write, what the two-phase guard costs a user
//! who confirms: `infomaniak_dns_create_record` without a token (plan), then again with the
//! token (apply), each time with a fresh record name.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ikmcp_sim::SimHandle;
use serde::Serialize;
use serde_json::{Value, json};

use crate::server::Server;
use crate::stats::Summary;
use crate::tenant;

/// The write tool measured.
pub const WRITE_TOOL: &str = "infomaniak_dns_create_record";

/// Round trips made before measuring.
const WARM_UP: usize = 3;

/// Plan/apply figures.
#[derive(Debug, Serialize)]
pub struct PlanApply {
    /// The zone written to.
    pub zone: String,
    /// The plan call.
    pub plan: Summary,
    /// The confirmed apply call.
    pub apply: Summary,
    /// Plan plus apply, back to back.
    pub round_trip: Summary,
}

/// Creates `runs` records (plus a warm-up) through plan and apply, rate limits off.
pub async fn run(
    sim: &SimHandle,
    bin: &Path,
    cache_dir: &Path,
    runs: usize,
) -> anyhow::Result<PlanApply> {
    let (zone, _) = tenant::smallest_zone(sim)?;
    let server = tenant::launch(sim, bin, cache_dir, 0).start().await?;
    let (mut plans, mut applies, mut trips) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..WARM_UP + runs {
        let args = json!({
            "zone": zone,
            "source": format!("bench-{}-{i}", std::process::id()),
            "type": "A",
            "target": format!("192.0.2.{}", i % 254 + 1),
            "ttl": 3600,
        });
        let (plan, apply) = round_trip(&server, args).await?;
        if i >= WARM_UP {
            plans.push(plan);
            applies.push(apply);
            trips.push(plan + apply);
        }
    }
    server.stop().await;
    Ok(PlanApply {
        zone,
        plan: Summary::of(&plans).context("no plan measured")?,
        apply: Summary::of(&applies).context("no apply measured")?,
        round_trip: Summary::of(&trips).context("no round trip measured")?,
    })
}

/// One plan call and its confirmed apply; the time of each.
async fn round_trip(server: &Server, args: Value) -> anyhow::Result<(Duration, Duration)> {
    let start = Instant::now();
    let plan = server.call_ok(WRITE_TOOL, &args).await?;
    let plan_time = start.elapsed();
    let confirmed = confirm(args, &plan)?;
    let start = Instant::now();
    let applied = server.call_ok(WRITE_TOOL, &confirmed).await?;
    let apply_time = start.elapsed();
    if applied["status"] != "applied" {
        bail!("{WRITE_TOOL} with a confirmation token did not apply: {applied}");
    }
    Ok((plan_time, apply_time))
}

/// The same arguments plus the plan's confirmation token.
fn confirm(mut args: Value, plan: &Value) -> anyhow::Result<Value> {
    if plan["status"] != "plan" {
        bail!("{WRITE_TOOL} without a token should answer a plan, got: {plan}");
    }
    let token = plan["confirmation_token"]
        .as_str()
        .with_context(|| format!("the plan carries no confirmation_token: {plan}"))?;
    args["confirmation_token"] = json!(token);
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirming_adds_the_plan_token_to_the_same_arguments() {
        let args = json!({"zone": "a.ch", "source": "x"});
        let plan = json!({"status": "plan", "confirmation_token": "tok"});
        assert_eq!(
            confirm(args.clone(), &plan).unwrap(),
            json!({"zone": "a.ch", "source": "x", "confirmation_token": "tok"})
        );
    }

    #[test]
    fn a_result_that_is_not_a_plan_is_refused() {
        let args = json!({"zone": "a.ch"});
        let err = confirm(args.clone(), &json!({"status": "applied"})).unwrap_err();
        assert!(err.to_string().contains("plan"), "{err}");
        assert!(confirm(args, &json!({"status": "plan"})).is_err());
    }
}
