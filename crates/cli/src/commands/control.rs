//! `verge control`: the control plane as a process of its own.

use crate::output;
use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use verge_control::client::DEFAULT_DATA_DIR;
use verge_control::{Control, ControlOptions, load_or_create_key, write_private};
use verge_store::Store;

/// The platform key's file name in the data dir.
pub const SECRET_KEY_FILE: &str = "secret.key";

/// Storage backends `verge control` can use.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// Durable files under the data dir (one host).
    Embedded,
    /// NATS JetStream (`--nats URL`): KV buckets and an object store shared by every host.
    Nats,
    /// In memory: nothing survives a restart (tests, demos).
    Memory,
}

/// Arguments of `verge control`.
#[derive(clap::Args, Debug)]
pub struct ControlArgs {
    /// Address of the API.
    #[arg(long, default_value = "127.0.0.1:8800")]
    listen: SocketAddr,
    /// Where the control plane keeps its files (the secret key; the store's files).
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Storage backend.
    #[arg(long, value_enum, default_value = "embedded")]
    store: StoreKind,
    /// The NATS server for `--store nats`.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    nats: String,
    /// Prefix of the NATS buckets.
    #[arg(long, default_value = "verge")]
    nats_prefix: String,
    /// The platform's secret key file (64 hex digits), created if absent [default: <data-dir>/secret.key].
    #[arg(long)]
    secret_key_file: Option<PathBuf>,
    /// Write the bootstrap admin token (made on first start with an empty store) to this file.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// A PoP is live while its last heartbeat is at most this many seconds old.
    #[arg(long, default_value_t = 10.0)]
    live_window: f64,
    /// Largest bundle upload, in MiB.
    #[arg(long, default_value_t = 64)]
    max_bundle_mib: usize,
}

/// The store `args.store` names.
async fn open_store(args: &ControlArgs) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match args.store {
        StoreKind::Embedded => {
            let dir = args.data_dir.join("store");
            Arc::new(
                verge_store::EmbeddedStore::open(&dir)
                    .with_context(|| format!("opening the store in {}", dir.display()))?,
            )
        }
        StoreKind::Nats => Arc::new(
            verge_store::NatsStore::connect(&args.nats, &args.nats_prefix)
                .await
                .with_context(|| format!("connecting to NATS at {}", args.nats))?,
        ),
        StoreKind::Memory => Arc::new(verge_store::MemoryStore::new()),
    })
}

/// Nodes following this control plane read the configuration and bundles, and write their status, through
/// the store protocol under `/v1/store/` (the control plane has checked their token first).
pub fn store_gateway() -> verge_control::StoreGateway {
    Arc::new(|store, req| {
        Box::pin(async move {
            verge_store::remote::serve(store, req).await.map(|b| {
                http_body_util::BodyExt::boxed_unsync(http_body_util::BodyExt::map_err(
                    b,
                    |never| match never {},
                ))
            })
        })
    })
}

/// Run `verge control` until interrupted.
pub fn run(args: ControlArgs) -> anyhow::Result<()> {
    output::init_logging();
    if !(args.live_window.is_finite() && args.live_window > 0.0) {
        anyhow::bail!("--live-window must be a positive number of seconds");
    }
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let key_file = args
        .secret_key_file
        .clone()
        .unwrap_or_else(|| args.data_dir.join(SECRET_KEY_FILE));
    let key = load_or_create_key(&key_file)?;
    let options = ControlOptions {
        live_window: Duration::from_secs_f64(args.live_window),
        max_bundle_bytes: args.max_bundle_mib << 20,
        ..ControlOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let store = open_store(&args).await?;
        let control = Control::new(store, key, options).with_store_gateway(store_gateway());
        if let Some(token) = control.bootstrap_admin_token().await? {
            output::line(&format!("Admin token (shown once): {token}"));
            if let Some(path) = &args.token_file {
                write_private(path, &format!("{token}\n"))?;
                output::line(&format!("Admin token written to {}", path.display()));
            }
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        if args.store == StoreKind::Memory {
            tracing::warn!("store: memory (nothing survives a restart)");
        }
        output::line(&format!("Control plane on http://{addr}"));
        tokio::select! {
            () = verge_control::serve(Arc::new(control), listener) => {}
            r = tokio::signal::ctrl_c() => { r.context("waiting for Ctrl-C")?; }
        }
        Ok(())
    })
}
