//! `verge dev`: one worker on a local node, with hot reload.

use crate::output;
use anyhow::Context as _;
use notify::{RecursiveMode, Watcher};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use verge_node::{Node, NodeConfig, SingleWorker};
use verge_runtime::worker::WorkerPath;
use verge_runtime::{LoadError, ShardConfig, Worker};

/// Stack for compiling workers (QuickJS runs the worker's top level there).
const COMPILE_STACK: usize = 32 << 20;
/// Edits closer together than this are one reload.
const DEBOUNCE: Duration = Duration::from_millis(100);

/// Arguments of `verge dev`.
#[derive(clap::Args, Debug)]
pub struct DevArgs {
    /// A worker folder (with verge.toml) or a single .js/.mjs file.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    ip: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Set or override a var: KEY=VALUE (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// Shard threads (default: one per core).
    #[arg(long)]
    shards: Option<usize>,
    /// Override a field of `request.cf`: KEY=VALUE (repeatable), e.g. `--cf country=JP --cf city=Tokyo`.
    #[arg(long = "cf", value_name = "KEY=VALUE", value_parser = parse_var)]
    cf: Vec<(String, String)>,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

/// Read and compile the worker at `path` with `vars` applied, on a thread with a large stack.
fn load(path: &Path, vars: &[(String, String)]) -> Result<Worker, LoadError> {
    let path = path.to_path_buf();
    let vars = vars.to_vec();
    let job = std::thread::Builder::new()
        .name("verge-compile".into())
        .stack_size(COMPILE_STACK)
        .spawn(move || {
            let mut source = WorkerPath::read(&path)?;
            for (k, v) in vars {
                source.manifest.vars.insert(k, v);
            }
            Worker::compile(source)
        })
        .map_err(|e| LoadError::Io(format!("cannot start the compiler thread: {e}")))?;
    job.join()
        .unwrap_or_else(|_| Err(LoadError::Script("the compiler thread crashed".into())))
}

fn describe(w: &Worker) -> String {
    format!(
        "{} ({} modules, {} bytes of bytecode, {:.1} ms)",
        w.name(),
        w.bundle().modules.len(),
        w.compiled().size(),
        w.compile_time().as_secs_f64() * 1e3
    )
}

/// Run `verge dev`.
pub fn run(args: DevArgs) -> anyhow::Result<()> {
    output::init_logging();
    let first = load(&args.path, &args.vars);
    let root = match &first {
        Ok(w) => {
            tracing::info!("loaded {}", describe(w));
            w.root().to_path_buf()
        }
        Err(e) => {
            output::line(&format!("Error loading worker: {e}"));
            watch_root(&args.path)
        }
    };
    let target = Arc::new(SingleWorker::new(first));
    let mut cf = verge_runtime::cf::dev_default();
    for (k, v) in &args.cf {
        verge_runtime::cf::set(&mut cf, k, v).map_err(|e| anyhow::anyhow!("--cf {k}={v}: {e}"))?;
    }
    let mut config = NodeConfig {
        addr: SocketAddr::new(args.ip, args.port),
        shard: ShardConfig {
            dev: true,
            cf: Arc::new(cf),
            ..ShardConfig::default()
        },
        ..NodeConfig::default()
    };
    if let Some(n) = args.shards {
        config.shards = n.max(1);
    }
    let node = Node::start(config, target.clone()).context("starting the dev server")?;
    output::line(&format!("Ready on http://{}", node.local_addr()));
    watch(&root, &args, &target)?;
    node.join();
    Ok(())
}

/// The folder to watch for a path that failed to load.
fn watch_root(path: &Path) -> PathBuf {
    if path.is_file() {
        path.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    } else {
        path.to_path_buf()
    }
}

/// Reload the worker whenever a file under `root` changes. Returns only if the watcher cannot run.
fn watch(root: &Path, args: &DevArgs, target: &SingleWorker) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        if let Ok(ev) = ev
            && !matches!(ev.kind, notify::EventKind::Access(_))
        {
            let _ = tx.send(ev.paths);
        }
    })
    .context("starting the file watcher")?;
    let root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    watcher
        .watch(root, RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", root.display()))?;
    while let Ok(paths) = rx.recv() {
        let mut relevant = paths.iter().any(|p| is_source(p));
        // Gather the rest of a burst of events (editors write several times).
        let until = Instant::now() + DEBOUNCE;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(more) => relevant |= more.iter().any(|p| is_source(p)),
                Err(_) => break,
            }
        }
        if !relevant {
            continue;
        }
        match load(&args.path, &args.vars) {
            Ok(w) => {
                output::line(&format!("Reloaded {}", describe(&w)));
                target.replace(w);
            }
            Err(e) if target.has_worker() => {
                output::line(&format!(
                    "Reload failed, still serving the last good version:\n{e}"
                ));
            }
            Err(e) => {
                output::line(&format!("Error loading worker: {e}"));
                target.set_failed(e);
            }
        }
    }
    Ok(())
}

/// Whether a change to `p` can change the worker (skips editor swap files and VCS folders).
fn is_source(p: &Path) -> bool {
    let hidden_dir = p.components().any(|c| {
        let s = c.as_os_str().to_string_lossy();
        s == ".git" || s == "node_modules" || s == "target"
    });
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.starts_with(".#");
    !hidden_dir && !temp
}
