//! `verge deploy`: compile a worker locally (errors are reported before anything is uploaded), upload its
//! bundle, make a version, deploy it, and follow it to every live PoP.

use crate::commands::remote::{RemoteArgs, compile, describe_shares, runtime, wait_for_pops};
use crate::output;
use anyhow::Context as _;
use bytes::Bytes;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use verge_core::sha256_hex;

/// Arguments of `verge deploy`.
#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    /// A worker folder (with verge.toml) or a single .js/.mjs file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Send this share of traffic (1-100) to the new version; the current one keeps the rest.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u8).range(1..=100))]
    percent: u8,
    /// A note for `verge versions`.
    #[arg(long, short)]
    message: Option<String>,
    /// Give up waiting for PoPs after this many seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// Run `verge deploy`.
pub fn run(args: DeployArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let worker = compile(&args.path)?;
    let bundle = worker.bundle();
    let name = bundle.manifest.name.clone();
    let archive = bundle.to_archive();
    let hash = sha256_hex(&archive);
    output::line(&format!(
        "Built {name}: {} modules, {} bytes, bundle {} ({:.0} ms)",
        bundle.modules.len() + bundle.binaries.len(),
        archive.len(),
        &hash[..12],
        started.elapsed().as_secs_f64() * 1e3
    ));
    let client = args.remote.client()?;
    runtime()?.block_on(async {
        let uploaded = client
            .upload_bundle(Bytes::from(archive), Some(&hash))
            .await
            .context("upload")?;
        let version = client
            .create_version(&name, &uploaded.hash, args.message.as_deref())
            .await
            .context("create version")?;
        let deploy_started = Instant::now();
        let deployed = client
            .deploy(&name, version.version, args.percent)
            .await
            .context("deploy")?;
        output::line(&format!(
            "Deploying {name} version {} ({}), generation {}",
            version.version,
            describe_shares(&deployed.versions),
            deployed.generation
        ));
        wait_for_pops(
            &client,
            &deployed,
            deploy_started,
            Duration::from_secs(args.timeout),
        )
        .await?;
        output::line(&format!(
            "Deployed {name} version {} in {:.2} s",
            version.version,
            started.elapsed().as_secs_f64()
        ));
        Ok(())
    })
}
