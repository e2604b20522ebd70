//! `ikmcp`: the command line. `serve` (the default) runs the MCP server on stdio;
//! `plugins list` and `audit tail|verify` are for operators.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ikmcp_host::config::{self, Config};
use ikmcp_host::{app, audit, sandbox_mode};

/// MCP server for administering Infomaniak accounts through sandboxed plugins, with a
/// confirmation guard on every write and a tamper-evident audit log.
#[derive(Parser)]
#[command(name = "ikmcp", version)]
struct Cli {
    /// Configuration file (default: $XDG_CONFIG_HOME/ikmcp/config.toml, or IKMCP_CONFIG).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the MCP server on stdin/stdout (the default command).
    Serve(ServeArgs),
    /// Inspect the plugins this configuration loads.
    Plugins {
        #[command(subcommand)]
        command: PluginsCommand,
    },
    /// Read or check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(clap::Args, Default)]
struct ServeArgs {
    /// Serve against a built-in simulated Infomaniak tenant instead of the real API: no
    /// account or token needed, nothing leaves this machine.
    #[arg(long)]
    sandbox: bool,
    /// Seed of the simulated tenant's data (with --sandbox).
    #[arg(long, default_value_t = 42, requires = "sandbox")]
    seed: u64,
    /// Size of the simulated tenant (with --sandbox).
    #[arg(long, value_enum, default_value_t = sandbox_mode::Scale::Small, requires = "sandbox")]
    scale: sandbox_mode::Scale,
    /// Offer only the tools of these toolsets, e.g. `--toolsets dns,mail` (default: every
    /// toolset; also IKMCP_TOOLSETS or [tools] toolsets).
    #[arg(long, value_name = "NAMES")]
    toolsets: Option<String>,
    /// Start each session with the built-in tools only; the client lists and enables
    /// toolsets itself (also IKMCP_DYNAMIC_TOOLSETS or [tools] dynamic_toolsets).
    #[arg(long)]
    dynamic_toolsets: bool,
    /// Hide and refuse every write tool (also IKMCP_READ_ONLY or read_only).
    #[arg(long)]
    read_only: bool,
}

#[derive(Subcommand)]
enum PluginsCommand {
    /// Id, version, tools and sha256 of every plugin that would be loaded.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Print the newest entries (JSON lines).
    Tail {
        /// How many entries.
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: usize,
    },
    /// Check the hash chain of the whole log and its checkpoint; exits 1 if it was
    /// tampered with.
    Verify,
    /// Check the chain, then record the log's current end as its checkpoint (for a log
    /// written before checkpoints, or one you restored or trimmed yourself).
    Reseal,
}

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let config = match config::load(cli.config.as_deref(), &|k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ikmcp: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(config, args),
        Command::Plugins {
            command: PluginsCommand::List { json },
        } => plugins_list(&config, json),
        Command::Audit { command } => audit_command(&config, command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ikmcp: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("IKMCP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}

/// The runtime `serve` runs on: one worker thread (plus tokio's blocking pool for file
/// work). A stdio server has one client, whose calls spend their time waiting on the
/// upstream; a second worker buys no throughput there, and costs every call wake-ups of
/// the idle worker (each task a call spawns notifies it), which on a small virtual machine
/// are the most expensive thing on the call's path. Guest code yields to the client's other
/// calls at every epoch tick (`sandbox::run`), so one busy plugin does not hold them up.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?)
}

fn serve(mut config: Config, args: ServeArgs) -> anyhow::Result<ExitCode> {
    if let Some(toolsets) = &args.toolsets {
        config.toolsets = Some(config::toolset_list(toolsets)).filter(|t| !t.is_empty());
    }
    config.dynamic_toolsets |= args.dynamic_toolsets;
    config.read_only |= args.read_only;
    let rt = runtime()?;
    rt.block_on(async move {
        let _tenant = if args.sandbox {
            Some(sandbox_mode::start(&mut config, args.seed, args.scale).await?)
        } else {
            None
        };
        let dispatcher = app::build_dispatcher(&config)?;
        let tools = dispatcher.registry().tools().len();
        tracing::info!(tools, audit_log = %config.audit_log.display(), "ikmcp serving MCP on stdio");
        ikmcp_host::serve_stdio(dispatcher).await?;
        Ok(ExitCode::SUCCESS)
    })
}

fn plugins_list(config: &Config, json: bool) -> anyhow::Result<ExitCode> {
    let sandbox = app::sandbox(config)?;
    let plugins = app::load_plugins(config, &sandbox)?;
    let grants = app::grants(config, &plugins)?;
    let rows: Vec<serde_json::Value> = plugins
        .iter()
        .map(|found| {
            let m = found.plugin.manifest();
            serde_json::json!({
                "id": m.id, "version": m.version, "contract": m.contract_version,
                "tools": m.tools.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
                "sha256": found.plugin.sha256(),
                "path": found.path,
                "first_party": found.first_party,
                "roles_declared": m.roles,
                "roles_granted": grants.roles(&m.id),
            })
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else if rows.is_empty() {
        println!("no plugins found (see README: Plugins)");
    } else {
        let list = |v: &serde_json::Value| {
            v.as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
        };
        for row in &rows {
            println!(
                "{}  {}  {}  sha256:{}\n    tools: {}\n    roles granted: {} (declared: {})",
                row["id"].as_str().unwrap_or_default(),
                row["version"].as_str().unwrap_or_default(),
                if row["first_party"] == true {
                    "first-party"
                } else {
                    "third-party"
                },
                row["sha256"].as_str().unwrap_or_default(),
                list(&row["tools"]),
                list(&row["roles_granted"]),
                list(&row["roles_declared"]),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn audit_command(config: &Config, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let path = &config.audit_log;
    let key = app::audit_key(config)?;
    match command {
        AuditCommand::Tail { lines } => {
            let query = audit::AuditQuery {
                limit: lines,
                ..Default::default()
            };
            for entry in audit::query(path, &query)?.entries {
                println!("{entry}");
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify => match audit::verify_keyed(path, key.as_ref()) {
            Ok(report) => {
                println!(
                    "ok: {} lines, chain intact, checkpoint matches{}{}",
                    report.lines,
                    report
                        .head
                        .map(|h| format!(", head {h}"))
                        .unwrap_or_default(),
                    if key.is_some() { ", keyed" } else { "" }
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                println!("TAMPERED OR CORRUPT: {e}");
                Ok(ExitCode::from(1))
            }
        },
        AuditCommand::Reseal => match audit::reseal(path, key.as_ref()) {
            Ok(report) => {
                println!(
                    "resealed: {} lines, chain intact; the checkpoint now records this end",
                    report.lines
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                println!("NOT RESEALED: {e}");
                Ok(ExitCode::from(1))
            }
        },
    }
}
