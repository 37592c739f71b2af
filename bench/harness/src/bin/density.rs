//! In-node cold start and memory per loaded worker, measured inside one process through the runtime's public
//! API (the same calls a shard makes: `Worker::compile`, `pool::instantiate`, `dispatch`).
//!
//! Every worker is the `json-api` workload with its own `const WORKER_ID = "wNNNNN";` line appended, so no
//! two share source or bytecode (not an export: workerd, measured the same way, takes every named export for
//! an entry point).
//!
//! - `verge-density coldstart --workers 1000`: compiles the workers, then gives each its first request the
//!   two ways a shard can for a worker that has never run there: on a blank isolate made ahead of time (the
//!   prelude already installed; only the worker's modules are evaluated) and on an isolate made from scratch
//!   (when no blank is ready). Prints the p50/p90/p99/max of compiling, of making a blank, and of each
//!   path's instantiation alone and with the first request served.
//! - `verge-density memory --workers N`: loads N workers and keeps one idle isolate per worker (made as a
//!   shard makes them, from a blank) after it has served one request, then prints the process's resident memory (VmRSS) at each step. Per-worker cost is
//!   the difference between two runs with different N (bench/lib/bench.py does that).
//!
//! Output is one JSON object on stdout.

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use http_body_util::BodyExt as _;
use std::io::Write as _;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};
use verge_js::Isolate;
use verge_runtime::Worker;
use verge_runtime::pool::{instantiate, instantiate_from, make_blank};
use verge_runtime::worker::WorkerPath;
use verge_web::dispatch;

/// The source every worker starts from.
const TEMPLATE: &str = include_str!("../../../workloads/json-api/worker.js");
/// QuickJS runs the workers' top level on this thread, as `verge dev` does.
const STACK: usize = 32 << 20;

/// Arguments.
#[derive(Parser)]
#[command(about = "In-node cold start and memory per loaded worker (bench/run.sh runs it)")]
struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Compile N distinct workers, then time each one's first isolate and first request.
    Coldstart {
        /// Distinct workers.
        #[arg(long, default_value_t = 1000)]
        workers: usize,
    },
    /// Keep N distinct workers loaded, each with one idle isolate that has served one request; report RSS.
    Memory {
        /// Distinct workers.
        #[arg(long)]
        workers: usize,
    },
}

/// A host without network: the workers here make no subrequests.
struct Offline;

impl verge_web::Host for Offline {
    fn fetch(
        &self,
        _: http::Request<http_body_util::Full<bytes::Bytes>>,
    ) -> futures::future::LocalBoxFuture<
        'static,
        Result<http::Response<verge_web::Body>, verge_js::ops::OpError>,
    > {
        Box::pin(async { Err(verge_js::ops::OpError::Type("offline".into())) })
    }
}

/// Write `n` distinct workers into `dir` and compile each; returns them with their compile times.
fn compile_all(dir: &Path, n: usize) -> anyhow::Result<(Vec<Worker>, Vec<Duration>)> {
    let mut workers = Vec::with_capacity(n);
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let file = dir.join(format!("w{i:05}.js"));
        std::fs::write(
            &file,
            format!("{TEMPLATE}\nconst WORKER_ID = \"w{i:05}\";\n"),
        )?;
        let started = Instant::now();
        let worker = WorkerPath::read(&file)
            .and_then(Worker::compile)
            .with_context(|| format!("compiling {}", file.display()))?;
        times.push(started.elapsed());
        workers.push(worker);
    }
    Ok((workers, times))
}

/// Serve `GET /api/health` on `isolate`; fails unless the worker answers 200.
async fn first_request(isolate: &Isolate) -> anyhow::Result<()> {
    let url = "http://bench.local/api/health";
    let request = http::Request::builder().uri(url).body(
        http_body_util::Empty::new()
            .map_err(|e| match e {})
            .boxed_unsync(),
    )?;
    let response = dispatch::dispatch(isolate, request, url, "{}", Rc::new(Offline)).await;
    dispatch::end(isolate);
    let status = response?.status;
    if status != 200 {
        bail!("the worker answered {status}");
    }
    Ok(())
}

/// p50/p90/p99/max/mean of `times` in microseconds (nearest rank).
fn summary(times: &[Duration]) -> serde_json::Value {
    let mut us: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    us.sort_by(f64::total_cmp);
    let rank = |p: f64| -> f64 {
        if us.is_empty() {
            return 0.0;
        }
        let i = ((p / 100.0) * us.len() as f64).ceil() as usize;
        us[i.clamp(1, us.len()) - 1]
    };
    let mean = if us.is_empty() {
        0.0
    } else {
        us.iter().sum::<f64>() / us.len() as f64
    };
    serde_json::json!({
        "n": us.len(), "p50_us": rank(50.0), "p90_us": rank(90.0), "p99_us": rank(99.0),
        "max_us": rank(100.0), "mean_us": mean,
    })
}

/// The process's resident set in KiB (`VmRSS` of /proc/self/status).
fn rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc/self/status")
}

fn coldstart(n: usize) -> anyhow::Result<serde_json::Value> {
    let dir = tempfile::tempdir()?;
    let (workers, compile) = compile_all(dir.path(), n)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut blank_made = Vec::with_capacity(n);
    let mut from_blank = Vec::with_capacity(n);
    let mut from_blank_first = Vec::with_capacity(n);
    let mut scratch = Vec::with_capacity(n);
    let mut scratch_first = Vec::with_capacity(n);
    for worker in &workers {
        // The shard's usual path: a blank made ahead of time (in the background), then the worker loaded.
        let started = Instant::now();
        let blank = make_blank()?;
        blank_made.push(started.elapsed());
        let started = Instant::now();
        let (isolate, made) = instantiate_from(blank, worker)?;
        rt.block_on(first_request(&isolate))?;
        from_blank_first.push(started.elapsed());
        from_blank.push(made);
        drop(isolate);
        // No blank ready: the isolate is made from scratch.
        let started = Instant::now();
        let (isolate, made) = instantiate(worker)?;
        rt.block_on(first_request(&isolate))?;
        scratch_first.push(started.elapsed());
        scratch.push(made);
        drop(isolate);
    }
    Ok(serde_json::json!({
        "workers": n,
        "compile": summary(&compile),
        "blank": summary(&blank_made),
        "from_blank": summary(&from_blank),
        "from_blank_first_response": summary(&from_blank_first),
        "instantiate": summary(&scratch),
        "first_response": summary(&scratch_first),
    }))
}

fn memory(n: usize) -> anyhow::Result<serde_json::Value> {
    let rss_start = rss_kib()?;
    let dir = tempfile::tempdir()?;
    let (workers, _) = compile_all(dir.path(), n)?;
    let rss_compiled = rss_kib()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut isolates = Vec::with_capacity(n);
    for worker in &workers {
        let (isolate, _) = instantiate_from(make_blank()?, worker)?;
        rt.block_on(first_request(&isolate))?;
        isolates.push(isolate);
    }
    let rss_loaded = rss_kib()?;
    let heap: usize = isolates.iter().map(Isolate::heap_used).sum();
    let bytecode: usize = workers.iter().map(|w| w.compiled().size()).sum();
    Ok(serde_json::json!({
        "workers": n,
        "rss_start_kib": rss_start,
        "rss_compiled_kib": rss_compiled,
        "rss_loaded_kib": rss_loaded,
        "quickjs_heap_bytes": heap,
        "bytecode_bytes": bytecode,
    }))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let job = std::thread::Builder::new()
        .name("verge-density".into())
        .stack_size(STACK)
        .spawn(move || match args.mode {
            Mode::Coldstart { workers } => coldstart(workers),
            Mode::Memory { workers } => memory(workers),
        })?;
    let report = match job.join() {
        Ok(r) => r?,
        Err(_) => bail!("the benchmark thread panicked"),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{report}")?;
    Ok(())
}
