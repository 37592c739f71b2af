//! The density run: many distinct workers on one verge node under a Zipf-distributed load.
//!
//! `verge-zipf --workers 10000` builds the workers in process (`Worker::from_bundle`, the `json-api` workload
//! with a `const WORKER_ID = "wNNNNN";` line of its own, as `verge-density` does), deploys them all in one route
//! table (`verge_node::PlatformTarget`), starts a real node (`Node::start`: its shards, its idle-isolate cap)
//! on loopback, then drives it over HTTP/1.1 from `--connections` keep-alive connections (hyper client, one
//! thread). Each request is `GET /api/health` to the worker of Zipf rank k (probability ∝ 1/k^s, a fixed
//! seed), reached by its Host header `w{k-1:05}.<domain>`, as every worker is on a node. A warm-up (not
//! measured) is followed by the measured window; then the run stops by itself.
//!
//! Prints one JSON object: latency percentiles, requests/s, errors, isolates made and evicted during the
//! measured window (from the runtime's per-worker counters), resident memory (peak and at each step), the
//! load average, and the settings. The load generator runs in the same process, on its own thread, sharing
//! the machine's cores with the node's shards.

use anyhow::{Context as _, bail};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::rt::TokioIo;
use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use verge_core::{Bundle, Manifest, ModuleKind, SourceModule};
use verge_node::routes::Deployed;
use verge_node::{Node, NodeConfig, PlatformTarget, RouteTable};
use verge_runtime::{ShardConfig, Worker};

/// The source every worker starts from.
const TEMPLATE: &str = include_str!("../../../workloads/json-api/worker.js");
/// QuickJS runs the workers' top level on the compiling threads, as `verge dev` does.
const STACK: usize = 32 << 20;
/// Every worker answers on `<name>.<DOMAIN>`.
const DOMAIN: &str = "bench.verge";

/// Arguments.
#[derive(Parser, Clone)]
#[command(
    about = "Many distinct workers on one node under a Zipf-distributed load (bench/run.sh runs it)"
)]
struct Args {
    /// Distinct workers deployed on the node.
    #[arg(long, default_value_t = 10_000)]
    workers: usize,
    /// Zipf exponent: worker of rank k gets requests in proportion to 1/k^s.
    #[arg(long, default_value_t = 1.0)]
    s: f64,
    /// Seed of the request sequence (each connection derives its own from it).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Concurrent keep-alive connections (closed loop: each sends its next request when the last answered).
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Seconds of load before measuring (isolates made then are not counted).
    #[arg(long, default_value_t = 5.0)]
    warmup: f64,
    /// Seconds measured.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Shard threads of the node.
    #[arg(long, default_value_t = 2)]
    shards: usize,
    /// Idle isolates each shard keeps over all workers (`ShardConfig::max_idle_isolates`).
    #[arg(long)]
    max_idle_isolates: Option<usize>,
    /// Threads compiling the workers before the node starts.
    #[arg(long, default_value_t = 2)]
    compile_threads: usize,
}

/// The bundle of worker `i`.
fn bundle(i: usize) -> Bundle {
    let name = format!("w{i:05}");
    let source = format!("{TEMPLATE}\nconst WORKER_ID = \"{name}\";\n");
    let mut modules = BTreeMap::new();
    modules.insert(
        "worker.js".to_owned(),
        SourceModule {
            path: "worker.js".into(),
            kind: ModuleKind::JavaScript,
            source,
        },
    );
    Bundle {
        manifest: Manifest::for_script(&name, "worker.js"),
        secrets: BTreeMap::new(),
        modules,
        binaries: BTreeMap::new(),
    }
}

/// Compile `n` workers on `threads` threads (32 MiB stacks); returns them by name.
fn compile_all(n: usize, threads: usize) -> anyhow::Result<HashMap<String, Deployed>> {
    let threads = threads.max(1);
    let mut jobs = Vec::new();
    for t in 0..threads {
        let job = std::thread::Builder::new()
            .name(format!("compile-{t}"))
            .stack_size(STACK)
            .spawn(move || -> anyhow::Result<Vec<(String, Arc<Worker>)>> {
                let mut out = Vec::new();
                for i in (t..n).step_by(threads) {
                    let worker = Worker::from_bundle(bundle(i))
                        .with_context(|| format!("compiling worker {i}"))?;
                    out.push((worker.name().to_owned(), Arc::new(worker)));
                }
                Ok(out)
            })?;
        jobs.push(job);
    }
    let mut workers = HashMap::with_capacity(n);
    for job in jobs {
        let built = match job.join() {
            Ok(r) => r?,
            Err(_) => bail!("a compiling thread panicked"),
        };
        for (name, worker) in built {
            workers.insert(
                name,
                Deployed {
                    versions: vec![(1, worker, 100)],
                },
            );
        }
    }
    Ok(workers)
}

/// splitmix64: small, seedable, good enough to pick workers.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Zipf over ranks 1..=n by inverting the cumulative distribution.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Self {
        let mut cdf = Vec::with_capacity(n);
        let mut sum = 0.0;
        for k in 1..=n {
            sum += 1.0 / (k as f64).powf(s);
            cdf.push(sum);
        }
        for c in &mut cdf {
            *c /= sum;
        }
        Self { cdf }
    }
    /// A worker index (rank − 1).
    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|c| *c < u).min(self.cdf.len() - 1)
    }
    /// Share of requests that go to the `k` most popular workers.
    fn top_share(&self, k: usize) -> f64 {
        if k == 0 {
            return 0.0;
        }
        self.cdf[k.min(self.cdf.len()) - 1]
    }
}

/// What one connection measured.
#[derive(Default)]
struct ConnResult {
    /// Latency of each measured request, microseconds.
    latencies_us: Vec<u32>,
    /// Measured requests answered with another status than 200, or failed.
    errors: u64,
    /// Workers asked for in the measured window (by index).
    hit: Vec<usize>,
}

/// Phase boundaries shared by the connections.
struct Window {
    from: Instant,
    until: Instant,
}

/// One closed-loop connection: requests until `window.until`, reconnecting after a transport error.
async fn connection(
    addr: SocketAddr,
    hosts: Arc<Vec<String>>,
    zipf: Arc<Zipf>,
    mut rng: Rng,
    window: Arc<Window>,
    stop: Arc<AtomicBool>,
) -> ConnResult {
    let mut out = ConnResult::default();
    'connect: while !stop.load(Ordering::Relaxed) && Instant::now() < window.until {
        let stream = match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(_) => {
                out.errors += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let Ok((mut sender, conn)) =
            hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream)).await
        else {
            out.errors += 1;
            continue;
        };
        tokio::spawn(conn);
        loop {
            let started = Instant::now();
            if started >= window.until || stop.load(Ordering::Relaxed) {
                break 'connect;
            }
            let measured = started >= window.from;
            let i = zipf.sample(&mut rng);
            let request = match http::Request::get("/api/health")
                .header(http::header::HOST, hosts[i].as_str())
                .body(Empty::new())
            {
                Ok(r) => r,
                Err(_) => break 'connect,
            };
            let ok = match sender.send_request(request).await {
                Ok(response) => {
                    let status = response.status();
                    response.into_body().collect().await.is_ok() && status == 200
                }
                Err(_) => {
                    if measured {
                        out.errors += 1;
                    }
                    continue 'connect;
                }
            };
            if measured {
                let us = started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                out.latencies_us.push(us);
                out.hit.push(i);
                if !ok {
                    out.errors += 1;
                }
            }
        }
    }
    out
}

/// Nearest-rank percentile of sorted `us`, in milliseconds.
fn pct_ms(us: &[u32], p: f64) -> f64 {
    if us.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * us.len() as f64).ceil() as usize;
    f64::from(us[i.clamp(1, us.len()) - 1]) / 1e3
}

/// A field of /proc/self/status in KiB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {field} in /proc/self/status"))
}

fn loadavg() -> Vec<String> {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .map(str::to_owned)
        .collect()
}

/// Isolates made and evicted so far, all workers together.
fn isolate_counters() -> (u64, u64) {
    verge_runtime::metrics::snapshot()
        .values()
        .fold((0, 0), |(c, e), s| {
            (c + s.isolates_created, e + s.isolates_evicted)
        })
}

fn run(args: Args) -> anyhow::Result<serde_json::Value> {
    let load_start = loadavg();
    let rss_start = status_kib("VmRSS")?;
    let started = Instant::now();
    let workers = compile_all(args.workers, args.compile_threads)?;
    let compile_s = started.elapsed().as_secs_f64();
    let rss_compiled = status_kib("VmRSS")?;

    let mut shard = ShardConfig::default();
    if let Some(cap) = args.max_idle_isolates {
        shard.max_idle_isolates = cap;
    }
    let max_idle = shard.max_idle_isolates;
    let target = Arc::new(PlatformTarget::new());
    target.swap(RouteTable::new(1, DOMAIN, workers, Vec::new()));
    let node = Node::start(
        NodeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            shards: args.shards,
            shard: shard.clone(),
            ..NodeConfig::default()
        },
        target,
    )?;
    let addr = node.local_addr();
    // The node's shards run until the process ends; the run ends with `main`.
    std::mem::forget(node);

    let hosts: Arc<Vec<String>> = Arc::new(
        (0..args.workers)
            .map(|i| format!("w{i:05}.{DOMAIN}"))
            .collect(),
    );
    let zipf = Arc::new(Zipf::new(args.workers, args.s));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let (results, counters_from, counters_until, measured_s) = rt.block_on(async {
        let from = Instant::now() + Duration::from_secs_f64(args.warmup);
        let until = from + Duration::from_secs_f64(args.duration);
        let window = Arc::new(Window { from, until });
        let mut tasks = Vec::new();
        for c in 0..args.connections {
            let rng = Rng(args.seed.wrapping_mul(1_000_003).wrapping_add(c as u64));
            tasks.push(tokio::spawn(connection(
                addr,
                hosts.clone(),
                zipf.clone(),
                rng,
                window.clone(),
                stop.clone(),
            )));
        }
        tokio::time::sleep_until(from.into()).await;
        let counters_from = isolate_counters();
        let t0 = Instant::now();
        tokio::time::sleep_until(until.into()).await;
        let counters_until = isolate_counters();
        let measured_s = t0.elapsed().as_secs_f64();
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap_or_default());
        }
        (results, counters_from, counters_until, measured_s)
    });
    stop.store(true, Ordering::Relaxed);

    let mut latencies: Vec<u32> = results
        .iter()
        .flat_map(|r| r.latencies_us.iter().copied())
        .collect();
    latencies.sort_unstable();
    let errors: u64 = results.iter().map(|r| r.errors).sum();
    let mut distinct: Vec<usize> = results.iter().flat_map(|r| r.hit.iter().copied()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let requests = latencies.len() as u64;
    let created = counters_until.0 - counters_from.0;
    let evicted = counters_until.1 - counters_from.1;
    let per_request = |n: u64| n as f64 / requests.max(1) as f64;
    let (total_created, total_evicted) = isolate_counters();
    Ok(serde_json::json!({
        "workers": args.workers,
        "zipf_s": args.s,
        "seed": args.seed,
        "connections": args.connections,
        "shards": args.shards,
        "max_idle_isolates_per_shard": max_idle,
        "max_idle_per_worker": shard.max_idle_per_worker,
        "blank_isolates_per_shard": shard.blank_isolates,
        "warmup_s": args.warmup,
        "duration_s": measured_s,
        "request": "GET /api/health, Host w<rank-1>.bench.verge",
        "compile_s": compile_s,
        "requests": requests,
        "errors": errors,
        "rps": requests as f64 / measured_s,
        "p50_ms": pct_ms(&latencies, 50.0),
        "p90_ms": pct_ms(&latencies, 90.0),
        "p99_ms": pct_ms(&latencies, 99.0),
        "p999_ms": pct_ms(&latencies, 99.9),
        "max_ms": pct_ms(&latencies, 100.0),
        "distinct_workers_requested": distinct.len(),
        // Each shard sees the whole distribution (connections spread over shards), so a shard's idle cap
        // can hold at most its top `max_idle` workers warm.
        "zipf_share_of_top_shard_idle_cap": zipf.top_share(max_idle),
        "isolates_created": created,
        "isolates_evicted": evicted,
        "isolates_created_per_request": per_request(created),
        "isolates_evicted_per_request": per_request(evicted),
        "isolates_created_total": total_created,
        "isolates_evicted_total": total_evicted,
        "rss_start_kib": rss_start,
        "rss_compiled_kib": rss_compiled,
        "rss_end_kib": status_kib("VmRSS")?,
        "peak_rss_kib": status_kib("VmHWM")?,
        "loadavg_start": load_start,
        "loadavg_end": loadavg(),
    }))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.workers == 0 || args.connections == 0 || args.workers > 100_000 {
        bail!("--workers must be 1..=100000 and --connections at least 1");
    }
    let report = run(args)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{report}")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_favours_low_ranks_and_is_seeded() {
        let z = Zipf::new(1000, 1.0);
        let (mut a, mut b) = (Rng(7), Rng(7));
        let first: Vec<usize> = (0..1000).map(|_| z.sample(&mut a)).collect();
        let again: Vec<usize> = (0..1000).map(|_| z.sample(&mut b)).collect();
        assert_eq!(first, again);
        let top = first.iter().filter(|i| **i == 0).count();
        let tail = first.iter().filter(|i| **i == 999).count();
        assert!(top > tail, "rank 1 {top} times, rank 1000 {tail} times");
        assert!(first.iter().all(|i| *i < 1000));
        assert!((z.top_share(1000) - 1.0).abs() < 1e-9);
    }
}
