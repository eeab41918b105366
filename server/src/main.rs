//! `arena`: serve, migrate, seed-demo, seed-load, token, member-id, bot, tenant.

use anyhow::Context;
use arena_protocol::model::Role;
use arena_protocol::SnowflakeGenerator;
use arena_server::config::Config;
use arena_server::registry::RegistryFile;
use arena_server::store::Store;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

/// Arena real-time workspace server. Settings come from `arena.toml` and
/// `ARENA_*` variables (see docs/operations.md).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the gateway, API and web client on ARENA_ADDR. Refuses to
    /// start without ARENA_JWT_SECRET of at least 32 bytes unless `--dev`.
    Serve {
        /// Development mode (as ARENA_DEV=1): allow the development secret.
        #[arg(long)]
        dev: bool,
    },
    /// Apply database migrations.
    Migrate,
    /// Create the demo workspace (tenants demo and acme); safe to rerun.
    SeedDemo,
    /// Create a load-test tenant with N partner users user{i}@{tenant}.test.
    SeedLoad {
        #[arg(long, default_value = "load")]
        tenant: String,
        #[arg(long, default_value_t = 1000)]
        users: usize,
    },
    /// Print an access token for a member (or, with --all, `user_id<TAB>token` for every member).
    Token {
        #[arg(long)]
        tenant: String,
        #[arg(long, required_unless_present = "all")]
        email: Option<String>,
        #[arg(long)]
        all: bool,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl_s: u64,
    },
    /// Print a member's id (e.g. the `partner_id` of a deal win).
    MemberId {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    /// Bot accounts: `arena bot create --tenant demo --name deal-bot
    /// --channels deal-wins,system-status --scopes revenue` prints the token once.
    Bot {
        #[command(subcommand)]
        command: BotCommand,
    },
    /// Workspaces: `arena tenant create --slug northwind --name Northwind
    /// --admin-email ops@northwind.example` prints the admin's invite link.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant with the registry's channels and an admin invite; a
    /// running server loads it on its first request (no restart).
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_name: Option<String>,
    },
}

#[derive(Subcommand)]
enum BotCommand {
    /// Create a bot (or give an existing bot of that name a new token).
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        /// Channel keys the bot may read and post in, comma-separated.
        #[arg(long, value_delimiter = ',')]
        channels: Vec<String>,
        /// Domain APIs it may call, comma-separated (e.g. `revenue`).
        #[arg(long, value_delimiter = ',', default_value = "")]
        scopes: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();
    let cli = Cli::parse();
    let mut cfg = Config::load()?;
    if let Command::Serve { dev: true } = cli.command {
        cfg.dev = true;
    }
    if cfg.dev && cfg.jwt_secret == arena_server::config::DEV_SECRET {
        tracing::warn!("development mode: signing tokens with the repository's development secret");
    }
    match cli.command {
        Command::Serve { .. } => {
            cfg.check_secret()?;
            serve(cfg).await
        }
        Command::Migrate => {
            Store::migrate_url(cfg.migrate_url()).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::SeedDemo => {
            let file = RegistryFile::load(&cfg.channels)?;
            Store::migrate_url(cfg.migrate_url()).await?;
            let store = Store::connect(&cfg.database_url, 4).await?;
            let program = arena_server::domains::revenue::Program::load(&cfg.program)?;
            arena_server::seed::seed_demo(
                &store,
                &SnowflakeGenerator::new(cfg.node_id),
                &file,
                &program,
            )
            .await?;
            println!("demo workspace seeded");
            Ok(())
        }
        Command::SeedLoad { tenant, users } => {
            let file = RegistryFile::load(&cfg.channels)?;
            Store::migrate_url(cfg.migrate_url()).await?;
            let store = Store::connect(&cfg.database_url, 4).await?;
            arena_server::seed::seed_load(
                &store,
                &SnowflakeGenerator::new(cfg.node_id),
                &file,
                &tenant,
                users,
            )
            .await?;
            Ok(())
        }
        Command::MemberId { tenant, email } => {
            let store = Store::connect(&cfg.database_url, 2).await?;
            let t = store
                .fetch_tenant_by_slug(&tenant)
                .await
                .with_context(|| format!("tenant {tenant}"))?;
            let u = store
                .fetch_user_by_email(t.id, &email)
                .await
                .with_context(|| format!("member {email}"))?;
            println!("{}", u.id);
            Ok(())
        }
        Command::Bot {
            command:
                BotCommand::Create {
                    tenant,
                    name,
                    channels,
                    scopes,
                },
        } => {
            Store::migrate_url(cfg.migrate_url()).await?;
            let store = Store::connect(&cfg.database_url, 2).await?;
            let t = store
                .fetch_tenant_by_slug(&tenant)
                .await
                .with_context(|| format!("tenant {tenant}"))?;
            let registry = arena_server::registry::Registry::default();
            let spec = arena_server::auth::bots::BotSpec {
                name,
                channels,
                scopes: scopes.into_iter().filter(|s| !s.is_empty()).collect(),
            };
            let ids = SnowflakeGenerator::new(cfg.node_id);
            let bot =
                arena_server::auth::bots::create_bot(&store, &registry, &ids, t.id, &spec, None)
                    .await?;
            eprintln!(
                "bot {} (token {}) created; the token is shown once:",
                bot.user_id, bot.token_id
            );
            println!("{}", bot.token);
            Ok(())
        }
        Command::Tenant {
            command:
                TenantCommand::Create {
                    slug,
                    name,
                    admin_email,
                    admin_name,
                },
        } => {
            let file = RegistryFile::load(&cfg.channels)?;
            Store::migrate_url(cfg.migrate_url()).await?;
            let store = Store::connect(&cfg.database_url, 2).await?;
            let spec = arena_server::http::tenants::NewTenant {
                slug,
                name,
                admin_email,
                admin_name,
            };
            let created = arena_server::http::tenants::create_tenant(
                &store,
                &SnowflakeGenerator::new(cfg.node_id),
                &arena_server::registry::Registry::default(),
                &file,
                None,
                &cfg,
                &spec,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{:?}: {}", e.0.code, e.0.message))?;
            eprintln!(
                "tenant {} ({}) created; invite for {} (expires {}):",
                created.tenant.slug,
                created.tenant.id,
                created.invite.row.email,
                arena_server::store::rfc3339(created.invite.row.expires_at)
            );
            println!("{}", created.invite.url);
            Ok(())
        }
        Command::Token {
            tenant,
            email,
            all,
            ttl_s,
        } => {
            cfg.check_secret()?;
            let store = Store::connect(&cfg.database_url, 2).await?;
            let t = store
                .fetch_tenant_by_slug(&tenant)
                .await
                .with_context(|| format!("tenant {tenant}"))?;
            let tokens = arena_server::auth::Tokens::new(&cfg.jwt_secret, ttl_s);
            let role = |r: &str| Role::parse(r).unwrap_or(Role::Partner);
            if all {
                use std::io::Write;
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                for u in store.fetch_members(t.id).await? {
                    writeln!(
                        out,
                        "{}\t{}",
                        u.id,
                        tokens.issue(
                            t.id,
                            u.id,
                            role(&u.role),
                            u.tier.clone(),
                            u.token_epoch,
                            ttl_s
                        )
                    )?;
                }
            } else {
                let email = email.unwrap_or_default();
                let u = store
                    .fetch_user_by_email(t.id, &email)
                    .await
                    .with_context(|| format!("user {email}"))?;
                println!(
                    "{}",
                    tokens.issue(
                        t.id,
                        u.id,
                        role(&u.role),
                        u.tier.clone(),
                        u.token_epoch,
                        ttl_s
                    )
                );
            }
            Ok(())
        }
    }
}

async fn serve(cfg: Config) -> anyhow::Result<()> {
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .context("metrics recorder")?;
    let shutdown = CancellationToken::new();
    let addr = cfg.addr;
    let state = arena_server::build(cfg, shutdown.clone(), Some(metrics)).await?;
    // A deep accept backlog: a reconnect storm of thousands of sockets arrives at once
    // (tokio's default is 1,024; the kernel caps it at net.core.somaxconn).
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr).with_context(|| format!("bind {addr}"))?;
    let listener = socket
        .listen(8192)
        .with_context(|| format!("listen {addr}"))?;
    tracing::info!(%addr, "arena serving");
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
        tracing::info!("shutting down");
        stop.cancel();
    });
    arena_server::run(listener, state).await?;
    Ok(())
}
