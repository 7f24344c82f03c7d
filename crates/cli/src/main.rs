//! `atelier`: the one binary. Parses the command line and configuration, installs tracing and
//! calls into `atelier-server`. No logic lives here.

use std::path::PathBuf;

use anyhow::Context;
use atelier_server::{Config, config::settings_help};
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Parser)]
#[command(
    name = "atelier",
    version,
    about = "Atelier: chat, feeds, canvas and webhooks for product teams"
)]
struct Cli {
    /// TOML configuration file (overridden by ATELIER_* environment variables).
    #[arg(long, global = true, env = "ATELIER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API, realtime gateway and workers of the configured roles.
    #[command(after_long_help = settings_help(), after_help = "Run `atelier serve --help` for every setting.")]
    Serve {
        /// Roles to run (overrides ATELIER_ROLES): any of api, relay, consumers, all.
        #[arg(long)]
        roles: Option<String>,
    },
    /// Apply pending MongoDB migrations and exit.
    Migrate,
    /// Write the OpenAPI v1 document (to stdout, or --out).
    Openapi {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the effective configuration, secrets redacted.
    Config,
    /// Inspect and replay consumers' dead-letter queues.
    Dlq {
        #[command(subcommand)]
        command: DlqCommand,
    },
}

#[derive(Debug, Subcommand)]
enum DlqCommand {
    /// Dead-letter counts of every consumer this build knows.
    List,
    /// Show dead letters without removing them.
    Peek {
        consumer: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Move dead letters back to the consumer's work queue (attempts reset).
    Replay {
        consumer: String,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match execute(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn execute(cli: Cli) -> anyhow::Result<()> {
    let config_file = cli.config;
    let load = || -> anyhow::Result<Config> {
        let config = Config::load(config_file.as_deref())?;
        atelier_observability::init_tracing(config.log.format, &config.log.filter);
        Ok(config)
    };
    match cli.command {
        // Needs no configuration, so it works on a bare checkout.
        Command::Openapi { out } => {
            let spec = atelier_api::spec_json();
            match out {
                Some(path) => std::fs::write(&path, spec)
                    .with_context(|| format!("writing {}", path.display())),
                None => {
                    print!("{spec}");
                    Ok(())
                }
            }
        }
        Command::Config => {
            println!("{}", serde_json::to_string_pretty(&load()?.redacted())?);
            Ok(())
        }
        Command::Migrate => {
            let config = load()?;
            let store = atelier_store::Store::connect(&config.mongodb).await?;
            let report = atelier_server::migrations::run(&store).await?;
            println!(
                "migrations applied: {:?}; already applied: {:?}",
                report.applied, report.already_applied
            );
            Ok(())
        }
        Command::Serve { roles } => {
            let mut config = load()?;
            if let Some(roles) = roles {
                config.roles = atelier_server::Roles::parse(&roles)
                    .map_err(|message| anyhow::anyhow!("--roles: {message}"))?;
            }
            let listener = tokio::net::TcpListener::bind(config.http.addr)
                .await
                .with_context(|| format!("binding http.addr {}", config.http.addr))?;
            let shutdown = CancellationToken::new();
            tokio::spawn(forward_signals(shutdown.clone()));
            atelier_server::run(config, listener, shutdown).await
        }
        Command::Dlq { command } => dlq(load()?, command).await,
    }
}

async fn dlq(config: Config, command: DlqCommand) -> anyhow::Result<()> {
    let bus = atelier_bus::Bus::new(config.amqp.clone(), atelier_observability::Metrics::new())?;
    match command {
        DlqCommand::List => {
            let handlers = atelier_server::platform_handlers();
            if handlers.is_empty() {
                println!("this build registers no consumers");
            }
            for handler in handlers {
                let name = handler.spec().name;
                let depth = bus.dlq_depth(&name).await?;
                println!("{name}\t{depth}");
            }
        }
        DlqCommand::Peek { consumer, limit } => {
            for letter in bus.dlq_peek(&consumer, limit).await? {
                println!("{}", serde_json::to_string(&letter)?);
            }
        }
        DlqCommand::Replay { consumer, limit } => {
            let replayed = bus.dlq_replay(&consumer, limit).await?;
            println!("replayed {replayed} message(s) to {consumer}");
        }
    }
    Ok(())
}

/// SIGINT or SIGTERM starts a graceful shutdown; a second signal exits at once.
async fn forward_signals(shutdown: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop with SIGKILL");
        return;
    };
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    tracing::info!("shutdown requested; draining (signal again to exit now)");
    shutdown.cancel();
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    std::process::exit(130);
}
