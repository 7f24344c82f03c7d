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
    /// Write the AsyncAPI 3.0 document of the realtime WebSocket protocol (to stdout, or --out).
    Asyncapi {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write the canvas sync socket's AsyncAPI 3.0 document (JSON) to stdout or a file.
    CanvasAsyncapi {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write the event catalog's `data` JSON Schemas, one `<type>.v<version>.json` per event
    /// type, to --out (the committed copy is openapi/events); removes stale schema files there.
    EventsSchemas {
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the effective configuration, secrets redacted.
    Config,
    /// Inspect and replay consumers' dead-letter queues.
    Dlq {
        #[command(subcommand)]
        command: DlqCommand,
    },
    /// Operator tasks: tenants.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Signing keys of user access tokens.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Tenants' audit logs.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute a tenant's audit hash chain; exits 1 naming the first broken seq.
    Verify {
        /// The tenant (`ten_...`).
        #[arg(long)]
        tenant: atelier_core::TenantId,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Publish a new signing key and make it the active one; the previous key keeps verifying
    /// until every token it signed has expired. Prints the new kid.
    Rotate,
    /// List signing keys: kid, status, created, verify_until.
    List,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create (once) a demo organisation with a workspace and two users, then print a fresh
    /// API key and user tokens for it. Used by ./scripts/dev.
    Demo,
    /// Create an organisation (tenant) and print its first API key (shown once).
    CreateTenant {
        /// The organisation's display name.
        #[arg(long)]
        name: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
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
        let config = Config::load_from(config_file.as_deref(), environment()?)?;
        atelier_observability::init_tracing(config.log.format, &config.log.filter);
        Ok(config)
    };
    match cli.command {
        // Needs no configuration, so it works on a bare checkout.
        Command::Openapi { out } => {
            let spec = atelier_server::spec_json();
            match out {
                Some(path) => std::fs::write(&path, spec)
                    .with_context(|| format!("writing {}", path.display())),
                None => {
                    print!("{spec}");
                    Ok(())
                }
            }
        }
        Command::Asyncapi { out } => {
            let document = atelier_realtime::asyncapi::document_json();
            match out {
                Some(path) => std::fs::write(&path, document)
                    .with_context(|| format!("writing {}", path.display())),
                None => {
                    print!("{document}");
                    Ok(())
                }
            }
        }
        Command::CanvasAsyncapi { out } => {
            let document = atelier_canvas::asyncapi::document_json();
            match out {
                Some(path) => std::fs::write(&path, document)
                    .with_context(|| format!("writing {}", path.display())),
                None => {
                    print!("{document}");
                    Ok(())
                }
            }
        }
        Command::EventsSchemas { out } => write_event_schemas(&out),
        Command::Config => {
            println!("{}", serde_json::to_string_pretty(&load()?.redacted())?);
            Ok(())
        }
        Command::Migrate => {
            let config = load()?;
            let store = connect(&config).await?;
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
        Command::Admin { command } => admin(load()?, command).await,
        Command::Keys { command } => keys(load()?, command).await,
        Command::Audit { command } => audit(load()?, command).await,
    }
}

/// Where `./scripts/dev` leaves the connection settings of the servers it started.
const DEV_ENV: &str = ".run/dev.env";

/// The process environment, plus the `ATELIER_*` settings `./scripts/dev` left in
/// `.run/dev.env` (in this directory or a parent) for those the environment does not set: so
/// `atelier keys list` next to a running `./scripts/dev` talks to its MongoDB.
fn environment() -> anyhow::Result<Vec<(String, String)>> {
    let mut variables: Vec<(String, String)> = std::env::vars().collect();
    let Some(path) = std::env::current_dir().ok().and_then(|dir| {
        dir.ancestors()
            .map(|dir| dir.join(DEV_ENV))
            .find(|path| path.is_file())
    }) else {
        return Ok(variables);
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut used = Vec::new();
    for line in text.lines().map(str::trim) {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().trim_start_matches("export ").trim();
        if line.starts_with('#') || !key.starts_with("ATELIER_") {
            continue;
        }
        if variables.iter().any(|(set, _)| set == key) {
            continue;
        }
        used.push(key.to_owned());
        variables.push((key.to_owned(), value.trim().to_owned()));
    }
    if !used.is_empty() {
        eprintln!(
            "using {} from {} (written by ./scripts/dev; set them in the environment to override)",
            used.join(", "),
            path.display()
        );
    }
    Ok(variables)
}

/// The MongoDB handle of a command, once the server answered: a command that cannot reach it
/// says so (and where it looked) instead of failing in its first query.
async fn connect(config: &Config) -> anyhow::Result<atelier_store::Store> {
    let store = atelier_store::Store::connect(&config.mongodb).await?;
    let timeout = config.mongodb.server_selection_timeout;
    if let Err(error) = store.ping(timeout).await {
        anyhow::bail!(
            "could not connect to MongoDB at {} within {timeout:?} ({error}). Is it running? \
             ./scripts/dev leaves its address in {DEV_ENV}; otherwise set ATELIER_MONGODB_URI.",
            config.redacted().mongodb.uri
        );
    }
    Ok(store)
}

/// Writes the catalog's schema files into `dir` and deletes `*.v<N>.json` files it no longer
/// lists, so the directory mirrors the catalog exactly.
fn write_event_schemas(dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let files = atelier_server::modules::catalog().schema_files();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let is_schema = name
            .strip_suffix(".json")
            .and_then(|stem| stem.rsplit_once(".v"))
            .is_some_and(|(_, version)| version.parse::<u32>().is_ok());
        if is_schema && !files.iter().any(|(listed, _)| *listed == name) {
            let path = dir.join(&name);
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            println!("removed {}", path.display());
        }
    }
    for (name, contents) in files {
        let path = dir.join(name);
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

const DEMO_TENANT: &str = "Atelier Demo";

/// Idempotent: the organisation, users and workspace are created on the first run only; each
/// run prints a new API key (secrets are never stored in clear) and new user tokens.
async fn demo(
    identity: &atelier_identity::Identity,
    http_addr: std::net::SocketAddr,
) -> anyhow::Result<()> {
    let tenancy = &identity.tenancy;
    let tenant = match tenancy.find_tenant_by_name(DEMO_TENANT).await? {
        Some(tenant) => tenant,
        None => tenancy.create_tenant(DEMO_TENANT).await?,
    };
    // Each run's key is also the principal the demo set-up acts as.
    let key = identity
        .api_keys
        .bootstrap(
            tenant.id,
            &format!("dev run {}", chrono_now()),
            atelier_identity::ApiKeyScope::Full,
        )
        .await?;
    let backend = key.principal();
    let secret = key.secret.context("a new API key has its secret")?;
    let mut users = Vec::new();
    for (external_id, name) in [("demo-ada", "Ada Lovelace"), ("demo-grace", "Grace Hopper")] {
        let user = match tenancy
            .find_user_by_external_id(tenant.id, external_id)
            .await?
        {
            Some(user) => user,
            None => {
                tenancy
                    .create_user(&backend, name, Some(external_id))
                    .await?
            }
        };
        users.push(user);
    }
    let workspaces = tenancy.list_workspaces(tenant.id).await?;
    let workspace = match workspaces.into_iter().next() {
        Some(workspace) => workspace,
        None => {
            let workspace = tenancy
                .create_workspace(&backend, "Demo workspace", Some(users[0].id))
                .await?;
            tenancy
                .set_member(
                    &backend,
                    workspace.id,
                    users[1].id,
                    atelier_identity::WorkspaceRole::Member,
                )
                .await?;
            workspace
        }
    };
    println!("Demo organisation {} ({})", tenant.name, tenant.id);
    println!("  workspace  {} ({})", workspace.name, workspace.id);
    println!("  API key    {secret}   (full scope; new each run)");
    for user in &users {
        let pair = identity.tokens.issue_pair(tenant.id, user.id).await?;
        println!("  user       {} ({})", user.display_name, user.id);
        println!("    access token   {}", pair.access_token);
        println!("    refresh token  {}", pair.refresh_token);
    }
    println!("Mint fresh user tokens with:");
    println!(
        "  curl -s -X POST -H 'Authorization: Bearer {}' http://{http_addr}/v1/users/{}/tokens",
        secret, users[0].id
    );
    Ok(())
}

fn chrono_now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs().to_string())
        .unwrap_or_default()
}

async fn admin(config: Config, command: AdminCommand) -> anyhow::Result<()> {
    let store = connect(&config).await?;
    atelier_server::migrations::run(&store).await?;
    let identity = atelier_identity::Identity::new(&store, config.identity.clone());
    match command {
        AdminCommand::Demo => demo(&identity, config.http.addr).await?,
        AdminCommand::CreateTenant { name, json } => {
            let tenant = identity.tenancy.create_tenant(&name).await?;
            let key = identity
                .api_keys
                .bootstrap(tenant.id, "bootstrap", atelier_identity::ApiKeyScope::Full)
                .await?;
            // Outside a request nothing is replayed: a new key always has its secret.
            let secret = key.secret.context("a new API key has its secret")?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "tenant_id": tenant.id, "name": tenant.name, "api_key": secret })
                );
            } else {
                println!("tenant:  {} ({})", tenant.id, tenant.name);
                println!("API key: {secret}");
                println!("This key is shown once. Store it in your backend's secrets now.");
            }
        }
    }
    Ok(())
}

async fn keys(config: Config, command: KeysCommand) -> anyhow::Result<()> {
    let store = connect(&config).await?;
    // The unique index that keeps one active key must exist before keys are written.
    atelier_server::migrations::run(&store).await?;
    let tokens = atelier_identity::tokens::Tokens::new(&store, &config.identity);
    match command {
        KeysCommand::Rotate => println!("{}", tokens.rotate().await?),
        KeysCommand::List => {
            println!("kid\tstatus\tcreated\tverify_until");
            for key in tokens.list_keys().await? {
                let verify_until = key
                    .verify_until()
                    .map_or_else(|| "-".to_owned(), |at| at.to_rfc3339());
                println!(
                    "{}\t{}\t{}\t{verify_until}",
                    key.kid,
                    key.status.as_str(),
                    key.created_at().to_rfc3339()
                );
            }
        }
    }
    Ok(())
}

async fn dlq(config: Config, command: DlqCommand) -> anyhow::Result<()> {
    let bus = atelier_bus::Bus::new(config.amqp.clone(), atelier_observability::Metrics::new())?;
    match command {
        DlqCommand::List => {
            // Building the handlers needs a store handle, not a connection: nothing is read.
            let store = atelier_store::Store::connect(&config.mongodb).await?;
            let handlers = atelier_server::platform_handlers(&atelier_server::PlatformContext {
                outbox: atelier_outbox::Outbox::new(&store),
                store,
                bus: bus.clone(),
                config: config.clone(),
            })?;
            if handlers.is_empty() {
                println!("this build registers no consumers");
            }
            for handler in handlers {
                let name = handler.spec().name;
                match bus.dlq_depth(&name).await {
                    Ok(depth) => println!("{name}\t{depth}"),
                    // No consumer node has declared its queues on this prefix yet.
                    Err(atelier_bus::BusError::UnknownConsumer(_)) => {
                        println!("{name}\t- (queues not declared yet)")
                    }
                    Err(error) => return Err(error.into()),
                }
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

async fn audit(config: Config, command: AuditCommand) -> anyhow::Result<()> {
    let store = connect(&config).await?;
    let audit = atelier_identity::audit::AuditLog::new(&store);
    match command {
        AuditCommand::Verify { tenant } => {
            let report = audit.verify(tenant).await?;
            match report.first_broken_seq {
                None => {
                    println!("{tenant}: ok, {} record(s) checked", report.checked);
                    if let Some(head) = report.head_hash {
                        println!("head hash: {head}");
                    }
                }
                Some(seq) => {
                    println!("{tenant}: BROKEN at seq {seq}");
                    anyhow::bail!(
                        "the audit chain of {tenant} is broken at seq {seq}: {}",
                        report.reason.unwrap_or_default()
                    );
                }
            }
        }
    }
    Ok(())
}
