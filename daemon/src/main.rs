//! pathwarden: cloud IAM and resources as SQL over the PostgreSQL wire protocol.

mod audit;
mod banner;
mod config;
mod console;
mod doctor;
mod engine;
mod exec;
mod frozen;
mod graph_cmd;
mod http;
mod identity;
mod internal;
mod limits;
mod pg;
mod policy;
mod posture;
mod query;
mod throttle;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::engine::Engine;
use crate::pg::auth::{AuthConfig, Login, ScramVerifier};
use crate::pg::session::{CancelRegistry, Shared};

/// mimalloc: DataFusion plans and executes with many small allocations, and glibc's
/// malloc/free were a sixth of a key lookup's CPU time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Cloud IAM and resources as SQL tables over the PostgreSQL wire protocol, with a
/// privilege graph, benchmarks and drift detection.
#[derive(Parser, Debug)]
#[command(name = "pathwarden", version = banner::VERSION, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum GraphAction {
    /// Mirror the privilege graph into Neo4j / FalkorDB (`[neo4j]` in the config).
    Sync {
        /// Configuration file with a `[neo4j]` section.
        #[arg(long, short = 'c', env = "PATHWARDEN_CONFIG")]
        config: PathBuf,
        /// Principals in the built-in demo organisation (when the config has no connections).
        #[arg(long, default_value_t = 150)]
        demo_scale: usize,
    },
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the tables over the PostgreSQL wire protocol (and health/metrics over HTTP).
    Serve {
        /// Configuration file; without it the built-in demo organisation is served.
        #[arg(long, short = 'c', env = "PATHWARDEN_CONFIG")]
        config: Option<PathBuf>,
        /// Principals in the built-in demo organisation (when no config is given).
        #[arg(long, default_value_t = 150)]
        demo_scale: usize,
        /// Override `server.listen`.
        #[arg(long)]
        listen: Option<String>,
        /// Override `server.http_listen`.
        #[arg(long)]
        http_listen: Option<String>,
    },
    /// Run one SQL statement and print the result.
    Query {
        /// Configuration file; without it the built-in demo organisation is queried.
        #[arg(long, short = 'c', env = "PATHWARDEN_CONFIG")]
        config: Option<PathBuf>,
        /// Principals in the built-in demo organisation (when no config is given).
        #[arg(long, default_value_t = 150)]
        demo_scale: usize,
        /// Output format.
        #[arg(long, short = 'o', value_enum, default_value_t = query::Output::Table)]
        output: query::Output,
        /// The SQL statement.
        sql: String,
    },
    /// Run a benchmark once and print a summary by section and status
    /// (exit code 0: no alarm, 1: alarms, 2: errors).
    Check {
        /// Benchmark id (`cis_aws_v3`).
        benchmark: String,
        /// Configuration file; without it the built-in demo organisation is checked.
        #[arg(long, short = 'c', env = "PATHWARDEN_CONFIG")]
        config: Option<PathBuf>,
        /// Principals in the built-in demo organisation (when no config is given).
        #[arg(long, default_value_t = 150)]
        demo_scale: usize,
        /// Output format.
        #[arg(long, short = 'o', value_enum, default_value_t = posture::report::Format::Table)]
        output: posture::report::Format,
        /// Only the controls matching this SQL condition over id, title, section, severity, mode, tags.
        #[arg(long = "where")]
        where_clause: Option<String>,
        /// Only the controls carrying one of these tags (`nist:AC-2`); repeatable.
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Exit 0 even when controls alarm.
        #[arg(long)]
        no_fail: bool,
    },
    /// Attack paths from the privilege graph.
    Paths {
        /// Every principal that can become admin of an account, with the shortest path.
        #[arg(long)]
        to_admin: bool,
        /// What this principal (ARN) can reach.
        #[arg(long)]
        from: Option<String>,
        /// Configuration file; without it the built-in demo organisation is used.
        #[arg(long, short = 'c', env = "PATHWARDEN_CONFIG")]
        config: Option<PathBuf>,
        /// Principals in the built-in demo organisation (when no config is given).
        #[arg(long, default_value_t = 150)]
        demo_scale: usize,
        /// Output format.
        #[arg(long, short = 'o', value_enum, default_value_t = query::Output::Table)]
        output: query::Output,
    },
    /// Privilege graph operations.
    Graph {
        #[command(subcommand)]
        action: GraphAction,
    },
    /// Review IAM policies (rules always; the LLM when `[llm]` is configured).
    Review {
        /// Only this policy ARN.
        #[arg(long)]
        policy: Option<String>,
        /// Configuration file; without it the built-in demo organisation is used.
        #[arg(long, short = 'c', env = "PATHWARDEN_CONFIG")]
        config: Option<PathBuf>,
        /// Principals in the built-in demo organisation (when no config is given).
        #[arg(long, default_value_t = 150)]
        demo_scale: usize,
        /// Output format.
        #[arg(long, short = 'o', value_enum, default_value_t = query::Output::Table)]
        output: query::Output,
    },
    /// Check that each connection authenticates and may make the calls its tables need
    /// (exit code 0: every check passed, 1: a check failed, 2: the checks could not run).
    Doctor {
        /// Only this connection.
        #[arg(long)]
        connection: Option<String>,
        /// Configuration file; without it the built-in demo organisation is checked.
        #[arg(long, short = 'c', env = "PATHWARDEN_CONFIG")]
        config: Option<PathBuf>,
        /// Principals in the built-in demo organisation (when no config is given).
        #[arg(long, default_value_t = 150)]
        demo_scale: usize,
        /// Output format.
        #[arg(long, short = 'o', value_enum, default_value_t = doctor::Output::Table)]
        output: doctor::Output,
        /// Print the least-privilege read-only policy the tables of this cloud need, and exit.
        #[arg(long, value_enum)]
        print_policy: Option<doctor::PolicyCloud>,
    },
    /// Print a SCRAM-SHA-256 verifier for a `[[user]]` entry (password read from stdin).
    HashPassword {
        /// PBKDF2 iterations.
        #[arg(long, default_value_t = pg::auth::DEFAULT_ITERATIONS)]
        iterations: u32,
    },
}

fn load_config(path: Option<&PathBuf>, demo_scale: usize) -> Result<Config> {
    match path {
        Some(p) => {
            let mut cfg = Config::load(p)?;
            if cfg.connections.is_empty() {
                // A config that only sets server/users still answers: it serves the demo.
                tracing::warn!(config = %p.display(), "no [[connection]] configured; serving the built-in demo organisation");
                cfg.connections = Config::demo(demo_scale).connections;
            }
            Ok(cfg)
        }
        None => Ok(Config::demo(demo_scale)),
    }
}

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PATHWARDEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn serve(
    mut cfg: Config,
    listen: Option<String>,
    http_listen: Option<String>,
    demo_scale: usize,
) -> Result<()> {
    let started = std::time::Instant::now();
    if let Some(l) = listen {
        cfg.server.listen = l;
    }
    if let Some(l) = http_listen {
        cfg.server.http_listen = l;
    }
    let pg_addr: SocketAddr = cfg
        .server
        .listen
        .parse()
        .context("server.listen: expected host:port")?;
    let http_addr: SocketAddr = cfg
        .server
        .http_listen
        .parse()
        .context("server.http_listen: expected host:port")?;
    let tls = match (&cfg.server.tls_cert, &cfg.server.tls_key) {
        (Some(c), Some(k)) => Some(pg::tls_acceptor(c, k)?),
        _ => None,
    };
    if !is_loopback(&pg_addr) && (cfg.users.is_empty() || tls.is_none()) {
        bail!(
            "server.listen = {pg_addr} is not a loopback address: configure [[user]] entries (SCRAM-SHA-256) and server.tls_cert/tls_key first"
        );
    }
    let limits = cfg.server.limits().map_err(|e| anyhow::anyhow!("{e}"))?;
    // One record of failed logins for the pgwire and console logins.
    let throttle = Arc::new(throttle::LoginThrottle::new());
    let auth = Arc::new(AuthConfig {
        throttle: throttle.clone(),
        users: cfg
            .users
            .iter()
            .filter_map(|u| {
                ScramVerifier::parse(&u.password_hash).map(|v| {
                    (
                        u.name.clone(),
                        Login {
                            verifier: v,
                            role: u.role.clone(),
                        },
                    )
                })
            })
            .collect(),
        require_tls: !is_loopback(&pg_addr),
        trust: cfg.server.trust_loopback,
        statement_timeout: limits.statement_timeout,
    });
    if cfg.users.is_empty() {
        if cfg.server.trust_loopback {
            tracing::warn!(
                listen = %pg_addr,
                "no [[user]] configured: every local user who can reach {pg_addr} is logged in as admin (set server.trust_loopback = false to refuse them)"
            );
        } else {
            tracing::warn!(
                "no [[user]] configured and server.trust_loopback = false: every pgwire login is refused"
            );
        }
    }
    exec::init_query_runtime(limits.query_threads)
        .context("server.query_threads: cannot start the query threads")?;
    let neo4j = graph_cmd::Neo4jConfig::from_raw(&cfg.neo4j)?;
    let engine = Arc::new(Engine::build(&cfg, demo_scale).await?);
    if let Some(neo) = neo4j.filter(|n| n.sync_on_start) {
        // Mirror in the background: queries are served meanwhile, and a graph server that
        // is down is a warning, not a reason to refuse SQL.
        let engine = engine.clone();
        tokio::spawn(async move {
            tracing::info!(uri = %neo.uri, "graph mirror: syncing (sync_on_start)");
            match graph_cmd::mirror_now(&engine, &neo).await {
                Ok(stats) => tracing::info!(uri = %neo.uri, ?stats, "graph mirror: synced"),
                Err(e) => {
                    tracing::warn!(uri = %neo.uri, error = %format!("{e:#}"), "graph mirror: sync failed")
                }
            }
        });
    }
    let store = posture::shared_store(&cfg.state, &cfg.server.data_dir)
        .await?
        .clone();
    let store_audit = Arc::new(posture::audit::StoreAudit::with_config(
        store.clone(),
        &cfg.state,
    ));
    let audit: Arc<dyn audit::AuditSink> = store_audit.clone();
    let runs = Arc::new(posture::setup(&cfg, engine.clone(), store.clone(), audit.clone()).await?);
    let interrupted = runs.mark_interrupted().await?;
    if interrupted > 0 {
        tracing::warn!(
            runs = interrupted,
            "runs left running by a previous process are marked interrupted"
        );
    }
    let _scheduler = posture::scheduler::start(runs.clone()).await?;
    let shared = Arc::new(Shared {
        engine: engine.clone(),
        auth,
        cancels: Arc::new(CancelRegistry::default()),
        audit: audit.clone(),
        slots: Arc::new(tokio::sync::Semaphore::new(cfg.server.max_connections)),
    });
    let pg_listener = tokio::net::TcpListener::bind(pg_addr)
        .await
        .with_context(|| format!("server.listen: cannot bind {pg_addr}"))?;
    let http_listener = tokio::net::TcpListener::bind(http_addr)
        .await
        .with_context(|| format!("server.http_listen: cannot bind {http_addr}"))?;
    let api_state = posture::api::ApiState::new(runs.clone(), &cfg.tokens, audit.clone());
    let router = http::router(http::HttpState {
        engine: engine.clone(),
    })
    .merge(posture::api::router(api_state.clone()))
    .merge(console::router(console::ConsoleState::new(
        api_state,
        engine.clone(),
        &cfg.users,
        !http_addr.ip().is_loopback(),
        limits.statement_timeout,
        throttle,
    )));
    tracing::info!(
        pgwire = %pg_listener.local_addr()?,
        http = %http_listener.local_addr()?,
        tls = tls.is_some(),
        auth = if cfg.users.is_empty() { "trust (loopback)" } else { "scram-sha-256" },
        connections = cfg.connections.len(),
        startup_ms = started.elapsed().as_millis() as u64,
        "pathwarden ready"
    );
    eprint!(
        "{}",
        banner::render(
            &cfg,
            &engine,
            &banner::Served {
                pgwire: pg_listener.local_addr()?,
                http: http_listener.local_addr()?,
                tls: tls.is_some(),
            }
        )
    );
    let pg_task = tokio::spawn(pg::serve(
        pg_listener,
        shared,
        tls,
        pg::conn::ConnLimits {
            startup_timeout: limits.startup_timeout,
            idle_timeout: limits.idle_session_timeout,
            max_message_size: limits.max_message_size,
        },
        limits.max_startup_connections,
    ));
    let http_limits = http::HttpLimits::new(
        http_addr,
        cfg.server
            .limits()
            .map_err(anyhow::Error::msg)?
            .http_request_timeout,
        cfg.server.http_max_connections,
        &cfg.server.allowed_hosts,
        cfg.server.trust_loopback,
    );
    let http_task = tokio::spawn(http::serve(
        http_listener,
        router,
        http_limits,
        shutdown_signal(),
    ));
    shutdown_signal().await;
    tracing::info!("shutting down");
    pg_task.abort();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), http_task).await;
    // Audit events still gathering for a group commit are written before exit.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), store_audit.flush()).await;
    Ok(())
}

async fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Serve {
            config,
            demo_scale,
            listen,
            http_listen,
        } => {
            let cfg = load_config(config.as_ref(), demo_scale)?;
            serve(cfg, listen, http_listen, demo_scale).await?;
            Ok(0)
        }
        Command::Query {
            config,
            demo_scale,
            output,
            sql,
        } => {
            let cfg = load_config(config.as_ref(), demo_scale)?;
            let engine = Engine::build(&cfg, demo_scale).await?;
            query::run(&engine, &sql, output).await?;
            Ok(0)
        }
        Command::Check {
            benchmark,
            config,
            demo_scale,
            output,
            where_clause,
            tags,
            no_fail,
        } => {
            let opts = posture::check::CheckOptions {
                benchmark,
                output,
                where_clause,
                tags,
                no_fail,
            };
            let checked = async {
                let cfg = load_config(config.as_ref(), demo_scale)?;
                let engine = Engine::build(&cfg, demo_scale).await?;
                posture::check::run(&engine, &opts).await
            };
            match checked.await {
                Ok(code) => Ok(code),
                Err(e) => {
                    // A check that cannot run is an error for CI, not an alarm.
                    eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
                    Ok(2)
                }
            }
        }
        Command::Paths {
            to_admin,
            from,
            config,
            demo_scale,
            output,
        } => {
            let cfg = load_config(config.as_ref(), demo_scale)?;
            let engine = Engine::build(&cfg, demo_scale).await?;
            graph_cmd::paths(&engine, to_admin, from, output).await?;
            Ok(0)
        }
        Command::Review {
            policy,
            config,
            demo_scale,
            output,
        } => {
            let cfg = load_config(config.as_ref(), demo_scale)?;
            let engine = Engine::build(&cfg, demo_scale).await?;
            graph_cmd::review(&engine, policy, output).await?;
            Ok(0)
        }
        Command::Graph {
            action: GraphAction::Sync { config, demo_scale },
        } => {
            let cfg = load_config(Some(&config), demo_scale)?;
            let neo = graph_cmd::Neo4jConfig::from_raw(&cfg.neo4j)?.with_context(|| {
                format!(
                    "{}: no [neo4j] section (uri = \"bolt://...\" or \"redis://...\")",
                    config.display()
                )
            })?;
            let engine = Engine::build(&cfg, demo_scale).await?;
            graph_cmd::sync(&engine, &neo).await?;
            Ok(0)
        }
        Command::Doctor {
            connection,
            config,
            demo_scale,
            output,
            print_policy,
        } => {
            if let Some(cloud) = print_policy {
                print!("{}", doctor::policy(cloud));
                return Ok(0);
            }
            let checked = async {
                let cfg = load_config(config.as_ref(), demo_scale)?;
                doctor::run(&cfg, connection.as_deref(), demo_scale, output).await
            };
            match checked.await {
                Ok(code) => Ok(code),
                Err(e) => {
                    // Checks that cannot run are not a failed check.
                    eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
                    Ok(2)
                }
            }
        }
        Command::HashPassword { iterations } => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            let pw = line.trim_end_matches(['\n', '\r']);
            if pw.is_empty() {
                bail!("empty password on stdin");
            }
            println!(
                "{}",
                ScramVerifier::generate(pw, iterations.max(4096)).encode()
            );
            Ok(0)
        }
    }
}

fn main() {
    let cli = Cli::parse();
    init_tracing(if matches!(cli.command, Command::Serve { .. }) {
        "info"
    } else {
        "warn"
    });
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::exit(2);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // One readable line: the chain of contexts.
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("error: {msg}");
            std::process::exit(1);
        }
    }
}
