//! `verge rollback`: point a worker back at an earlier version (no upload) and follow it to every PoP.

use crate::commands::remote::{RemoteArgs, describe_shares, runtime, wait_for_pops, worker_name};
use crate::output;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Arguments of `verge rollback`.
#[derive(clap::Args, Debug)]
pub struct RollbackArgs {
    /// The version to go back to (default: the previous one).
    version: Option<u64>,
    /// The worker (default: the `name` in ./verge.toml).
    #[arg(long)]
    name: Option<String>,
    /// The worker folder whose manifest names the worker, when --name is not given.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Give up waiting for PoPs after this many seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// Run `verge rollback`.
pub fn run(args: RollbackArgs) -> anyhow::Result<()> {
    let name = match args.name {
        Some(n) => n,
        None => worker_name(&args.dir)?,
    };
    let client = args.remote.client()?;
    runtime()?.block_on(async {
        let started = Instant::now();
        let deployed = client.rollback(&name, args.version).await?;
        output::line(&format!(
            "Rolled {name} back to {}, generation {}",
            describe_shares(&deployed.versions),
            deployed.generation
        ));
        wait_for_pops(
            &client,
            &deployed,
            started,
            Duration::from_secs(args.timeout),
        )
        .await
    })
}
