//! `ikmcp-sim`: runs the sandbox tenant as a process. The first stdout line is one JSON object
//! with the URLs and credentials; logs go to stderr.

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use ikmcp_sim::{Scale, Sim, SimConfig};

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    name = "ikmcp-sim",
    about = "Local simulator of Infomaniak's APIs (the sandbox tenant)"
)]
struct Args {
    /// API port (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Manager port (0 = any free port).
    #[arg(long, default_value_t = 0)]
    manager_port: u16,
    /// Control-plane port (0 = any free port).
    #[arg(long, default_value_t = 0)]
    control_port: u16,
    /// Seed of the generated tenant.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Tenant size: small or fleet.
    #[arg(long, default_value = "small")]
    scale: Scale,
    /// Requests per minute per token; 0 disables the limit.
    #[arg(long, default_value_t = 60)]
    rate_limit: u32,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let sim = Sim::start(SimConfig {
        seed: args.seed,
        scale: args.scale,
        rate_limit_per_minute: (args.rate_limit > 0).then_some(args.rate_limit),
        rate_limit_period: Duration::from_secs(60),
        api_port: args.port,
        manager_port: args.manager_port,
        control_port: args.control_port,
        ..SimConfig::default()
    })
    .await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", sim.announcement())?;
    out.flush()?;
    drop(out);
    tokio::signal::ctrl_c().await?;
    tracing::info!("interrupted; shutting down");
    sim.shutdown().await;
    Ok(())
}
