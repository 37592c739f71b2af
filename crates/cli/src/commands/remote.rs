//! What the control plane's clients share: where the control plane is and which token to send
//! (`--control`/`--token`, `VERGE_CONTROL`/`VERGE_TOKEN`, or `<data-dir>/up.json`), and waiting for PoPs to
//! ack a deployment.

use crate::output;
use anyhow::{Context as _, bail};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use verge_control::client::{Client, DEFAULT_DATA_DIR, UpFile};
use verge_control::model::DeployResult;
use verge_runtime::Worker;
use verge_runtime::worker::WorkerPath;

/// Environment variable naming the control plane URL.
pub const CONTROL_ENV: &str = "VERGE_CONTROL";
/// Environment variable holding the token.
pub const TOKEN_ENV: &str = "VERGE_TOKEN";

/// How often deploy progress is polled.
const POLL: Duration = Duration::from_millis(50);

/// Where the control plane is and how to authenticate.
#[derive(clap::Args, Debug, Clone)]
pub struct RemoteArgs {
    /// Control plane URL (default: $VERGE_CONTROL, else the one in <data-dir>/up.json).
    #[arg(long, value_name = "URL")]
    control: Option<String>,
    /// API token (default: $VERGE_TOKEN, else the one in <data-dir>/up.json).
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// Where `verge up` wrote up.json.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
}

impl RemoteArgs {
    /// A client of the control plane these arguments name.
    pub fn client(&self) -> anyhow::Result<Client> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut control = self.control.clone().or_else(|| env(CONTROL_ENV));
        let mut token = self.token.clone().or_else(|| env(TOKEN_ENV));
        if control.is_none() || token.is_none() {
            let up = UpFile::read(&self.data_dir).with_context(|| {
                format!(
                    "no control plane given: pass --control and --token, set {CONTROL_ENV} and \
                     {TOKEN_ENV}, or run `verge up` (it writes {})",
                    UpFile::path(&self.data_dir).display()
                )
            })?;
            control.get_or_insert(up.control);
            token.get_or_insert(up.token);
        }
        let (Some(control), Some(token)) = (control, token) else {
            bail!("no control plane URL or token");
        };
        if !control.starts_with("http://") {
            bail!("control plane URL {control:?}: only http:// URLs are supported");
        }
        Ok(Client::new(&control, Some(&token)))
    }
}

/// The worker name in the manifest of the worker at `dir` (a folder with verge.toml, or a script).
pub fn worker_name(dir: &Path) -> anyhow::Result<String> {
    let source = WorkerPath::read(dir)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("no worker name given and none found in {}", dir.display()))?;
    Ok(source.manifest.name)
}

/// Stack for compiling a worker (QuickJS runs the worker's top level there).
const COMPILE_STACK: usize = 32 << 20;

/// Read and compile the worker at `path` as a node would, on a thread with a large stack: a syntax error, a
/// failing import or a missing handler comes back here, before anything is uploaded.
pub fn compile(path: &Path) -> anyhow::Result<Worker> {
    let path = path.to_path_buf();
    let job = std::thread::Builder::new()
        .name("verge-compile".into())
        .stack_size(COMPILE_STACK)
        .spawn(move || Worker::compile(WorkerPath::read(&path)?))
        .context("cannot start the compiler thread")?;
    match job.join() {
        Ok(result) => result.map_err(|e| anyhow::anyhow!("{e}")),
        Err(_) => bail!("the compiler thread crashed"),
    }
}

/// A runtime for a client command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Print each live PoP as it acks `deployed`'s generation, until all have; fail on a PoP's load error for
/// this deployment or after `timeout`. `started` is when the deploy call was made.
pub async fn wait_for_pops(
    client: &Client,
    deployed: &DeployResult,
    started: Instant,
    timeout: Duration,
) -> anyhow::Result<()> {
    let worker = &deployed.worker;
    let mut reported = BTreeSet::new();
    let mut retrying = false;
    loop {
        let status = match client
            .deployment_status(worker, Some(deployed.generation))
            .await
        {
            Ok(status) => status,
            // The deployment is recorded; a store that is reconnecting (503) or a dropped connection only
            // delays the PoPs' report, so keep asking until the timeout.
            Err(e) if e.status.is_none_or(|s| s == 503) && started.elapsed() < timeout => {
                if !retrying {
                    output::line(&format!("  (no deployment status yet: {e}; asking again)"));
                    retrying = true;
                }
                tokio::time::sleep(POLL).await;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        for pop in status.pops.iter().filter(|p| p.live && p.acked) {
            if reported.insert(pop.id.clone()) {
                let note = if pop.errors.is_empty() {
                    "ok".to_owned()
                } else {
                    "FAILED".to_owned()
                };
                output::line(&format!(
                    "  {:<12} {:<5} generation {:<6} {:>8.1} ms  {note}",
                    pop.id,
                    pop.region,
                    pop.generation,
                    started.elapsed().as_secs_f64() * 1e3
                ));
            }
        }
        if status.failed {
            let errors: Vec<String> = status
                .pops
                .iter()
                .flat_map(|p| {
                    p.errors
                        .iter()
                        .map(move |(what, e)| format!("{} could not load {what}: {e}", p.id))
                })
                .collect();
            bail!("deployment failed:\n  {}", errors.join("\n  "));
        }
        if status.live == 0 {
            output::line(&format!(
                "No live PoPs: generation {} will reach PoPs as they come up",
                deployed.generation
            ));
            return Ok(());
        }
        if status.done {
            output::line(&format!(
                "{worker}: generation {} on {}/{} live PoPs in {:.3} s",
                deployed.generation,
                status.acked,
                status.live,
                started.elapsed().as_secs_f64()
            ));
            return Ok(());
        }
        if started.elapsed() > timeout {
            let waiting: Vec<&str> = status
                .pops
                .iter()
                .filter(|p| p.live && !p.acked)
                .map(|p| p.id.as_str())
                .collect();
            bail!(
                "timed out after {:.1} s: {} of {} live PoPs acked generation {}; still waiting for {}",
                timeout.as_secs_f64(),
                status.acked,
                status.live,
                deployed.generation,
                waiting.join(", ")
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A share list as `v3 90%, v4 10%`.
pub fn describe_shares(shares: &[verge_core::platform::VersionShare]) -> String {
    shares
        .iter()
        .map(|s| format!("v{} {}%", s.version, s.percent))
        .collect::<Vec<_>>()
        .join(", ")
}
