//! `verge node`: one point of presence. It follows the platform configuration (through the control plane, or
//! straight from NATS), serves every deployed worker by route, and answers admin requests.

use crate::output;
use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use verge_core::secrets::SecretKey;
use verge_node::admin::AdminState;
use verge_node::sync::{PopInfo, SyncConfig, SyncState};
use verge_node::{Node, NodeConfig, PlatformTarget};
use verge_runtime::ShardConfig;
use verge_store::Store;

/// The default platform domain: `<worker>.verge.localhost` reaches a worker on any node.
pub const DEFAULT_DOMAIN: &str = "verge.localhost";

/// Arguments of `verge node`.
#[derive(clap::Args, Debug, Clone)]
pub struct NodeArgs {
    /// This PoP's id, unique in the platform.
    #[arg(long, default_value = "local-1")]
    pub id: String,
    /// Region code, IATA-style (`nrt`, `fra`, `iad`).
    #[arg(long, default_value = "local")]
    pub region: String,
    /// Latitude of the PoP, degrees.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub lat: f64,
    /// Longitude of the PoP, degrees.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub lon: f64,
    /// Where to serve workers.
    #[arg(long, default_value = "127.0.0.1:8801")]
    pub listen: SocketAddr,
    /// Where to serve /healthz, /readyz, /metrics and /status.
    #[arg(long, default_value = "127.0.0.1:9801")]
    pub admin: SocketAddr,
    /// The control plane to follow (its store API), e.g. http://127.0.0.1:8800.
    #[arg(long, env = "VERGE_CONTROL", conflicts_with = "nats")]
    pub control: Option<String>,
    /// A token with the `node` scope for the control plane.
    #[arg(long, env = "VERGE_NODE_TOKEN")]
    pub token: Option<String>,
    /// Follow the configuration straight from NATS JetStream instead (e.g. nats://127.0.0.1:4222).
    #[arg(long)]
    pub nats: Option<String>,
    /// Prefix of the NATS buckets.
    #[arg(long, default_value = "verge")]
    pub nats_prefix: String,
    /// File with the platform's secret key (64 hex digits), to open deployed secrets.
    #[arg(long)]
    pub secret_key_file: Option<PathBuf>,
    /// Keep the last applied configuration and its bundles here, so a restart while the control plane (or
    /// NATS) is unreachable serves what was served before.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Platform domain: `<worker>.<domain>` reaches a worker.
    #[arg(long, default_value = DEFAULT_DOMAIN)]
    pub domain: String,
    /// Shard threads (default: one per core).
    #[arg(long)]
    pub shards: Option<usize>,
    /// Seconds between status reports.
    #[arg(long, default_value_t = 2.0)]
    pub heartbeat_secs: f64,
    /// Exit when standard input closes (how `verge up` ties its nodes' lives to its own).
    #[arg(long, hide = true)]
    pub exit_with_stdin: bool,
}

/// Open the store a node follows.
pub async fn open_store(args: &NodeArgs) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(url) = &args.nats {
        // A node starts (and serves what it cached) even while NATS is down, and connects when it is up.
        let options = verge_store::NatsOptions::default().with_retry_on_initial_connect(true);
        let store = verge_store::NatsStore::connect_with(url, &args.nats_prefix, options)
            .await
            .with_context(|| format!("connecting to NATS at {url}"))?;
        return Ok(Arc::new(store));
    }
    let Some(control) = &args.control else {
        anyhow::bail!(
            "a node follows a control plane (--control URL --token T) or NATS (--nats URL)"
        );
    };
    let token = args
        .token
        .clone()
        .context("--token (or VERGE_NODE_TOKEN) is needed to follow a control plane")?;
    let base = format!("{}/v1/store", control.trim_end_matches('/'));
    Ok(Arc::new(verge_store::remote::RemoteStore::new(
        &base, &token,
    )?))
}

/// Run `verge node`.
pub fn run(args: NodeArgs) -> anyhow::Result<()> {
    output::init_logging();
    let secret_key = match &args.secret_key_file {
        Some(p) => Some(
            SecretKey::from_hex(
                &std::fs::read_to_string(p)
                    .with_context(|| format!("reading the secret key {}", p.display()))?,
            )
            .with_context(|| format!("{}", p.display()))?,
        ),
        None => None,
    };
    let target = Arc::new(PlatformTarget::new());
    let mut config = NodeConfig {
        addr: args.listen,
        shard: ShardConfig::default(),
        ..NodeConfig::default()
    };
    if let Some(n) = args.shards {
        config.shards = n.max(1);
    }
    let node = Node::start(config, target.clone()).context("starting the node")?;
    let http = node.local_addr();

    // Admin endpoints and the configuration follower share one small runtime. Its blocking threads compile
    // workers, so they get the stack QuickJS needs.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(2)
        .thread_stack_size(32 << 20)
        .thread_name("verge-control-sync")
        .enable_all()
        .build()
        .context("starting the node's control runtime")?;
    let violations = node.violation_counters();
    let admin_addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.admin)
            .await
            .with_context(|| format!("cannot listen on {} (admin)", args.admin))?;
        let addr = listener.local_addr()?;
        let store = open_store(&args).await?;
        let state = Arc::new(SyncState::default());
        let sync = SyncConfig {
            pop: PopInfo {
                id: args.id.clone(),
                region: args.region.clone(),
                lat: args.lat,
                lon: args.lon,
                http: http.to_string(),
                admin: addr.to_string(),
            },
            domain: args.domain.clone(),
            secret_key,
            heartbeat: Duration::from_secs_f64(args.heartbeat_secs.max(0.1)),
            retry: Duration::from_secs(1),
            cache_dir: args.data_dir.clone(),
        };
        tokio::spawn(verge_node::admin::serve(
            listener,
            AdminState {
                target: target.clone(),
                sync: Some(state.clone()),
                violations,
                pop: args.id.clone(),
            },
        ));
        tokio::spawn(verge_node::sync::run(store, target.clone(), sync, state));
        anyhow::Ok(addr)
    })?;
    output::line(&format!(
        "Node {} ({}) serving on http://{http}, admin on http://{admin_addr}",
        args.id, args.region
    ));
    if args.exit_with_stdin {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        tracing::info!(pop = args.id, "standard input closed: stopping");
        std::process::exit(0);
    }
    node.join();
    drop(rt);
    Ok(())
}
