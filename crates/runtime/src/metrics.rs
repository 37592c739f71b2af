//! Per-worker counters for a node's `/metrics`: requests by status, CPU time, isolates, limit violations.
//!
//! Counters live in one process-wide registry, by worker name, so every version and every shard of a worker
//! adds to the same figures. Each [`Worker`](crate::Worker) holds its [`WorkerStats`], so the request path
//! only touches atomics.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use verge_core::ViolationKind;

/// Status codes counted one by one; any other status counts under its class (`"5xx"`).
const TRACKED_STATUSES: [u16; 12] = [200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 500, 503];

/// Every counter of one worker.
#[derive(Debug, Default)]
pub struct WorkerStats {
    statuses: [AtomicU64; TRACKED_STATUSES.len()],
    classes: [AtomicU64; 6],
    cpu_us: AtomicU64,
    isolates: AtomicI64,
    isolates_created: AtomicU64,
    isolates_evicted: AtomicU64,
    violations: [AtomicU64; 5],
}

fn kind_index(kind: ViolationKind) -> usize {
    match kind {
        ViolationKind::Cpu => 0,
        ViolationKind::Memory => 1,
        ViolationKind::Wall => 2,
        ViolationKind::Subrequests => 3,
        _ => 4,
    }
}

const KIND_CODES: [&str; 5] = [
    "cpu-limit",
    "memory-limit",
    "wall-limit",
    "subrequest-limit",
    "request-body-limit",
];

impl WorkerStats {
    /// One response with `status`.
    pub fn response(&self, status: u16) {
        match TRACKED_STATUSES.iter().position(|s| *s == status) {
            Some(i) => self.statuses[i].fetch_add(1, Ordering::Relaxed),
            None => self.classes[usize::from(status / 100).min(5)].fetch_add(1, Ordering::Relaxed),
        };
    }
    /// CPU time one request used.
    pub fn cpu(&self, used: std::time::Duration) {
        self.cpu_us
            .fetch_add(used.as_micros() as u64, Ordering::Relaxed);
    }
    /// A limit violation.
    pub fn violation(&self, kind: ViolationKind) {
        self.violations[kind_index(kind)].fetch_add(1, Ordering::Relaxed);
    }
    /// An isolate was made.
    pub fn isolate_created(&self) {
        self.isolates.fetch_add(1, Ordering::Relaxed);
        self.isolates_created.fetch_add(1, Ordering::Relaxed);
    }
    /// An idle isolate was evicted to keep the shard within its idle limit.
    pub fn isolate_evicted(&self) {
        self.isolates_evicted.fetch_add(1, Ordering::Relaxed);
    }
    /// `n` isolates were dropped.
    pub fn isolates_gone(&self, n: usize) {
        self.isolates.fetch_sub(n as i64, Ordering::Relaxed);
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> StatsSnapshot {
        let mut statuses = BTreeMap::new();
        for (i, s) in TRACKED_STATUSES.iter().enumerate() {
            let n = self.statuses[i].load(Ordering::Relaxed);
            if n > 0 {
                statuses.insert(s.to_string(), n);
            }
        }
        for (i, c) in self.classes.iter().enumerate() {
            let n = c.load(Ordering::Relaxed);
            if n > 0 {
                statuses.insert(format!("{i}xx"), n);
            }
        }
        StatsSnapshot {
            requests: statuses.values().sum(),
            statuses,
            cpu_us: self.cpu_us.load(Ordering::Relaxed),
            isolates: self.isolates.load(Ordering::Relaxed).max(0) as u64,
            isolates_created: self.isolates_created.load(Ordering::Relaxed),
            isolates_evicted: self.isolates_evicted.load(Ordering::Relaxed),
            violations: KIND_CODES
                .iter()
                .zip(&self.violations)
                .map(|(code, n)| (*code, n.load(Ordering::Relaxed)))
                .collect(),
        }
    }
}

/// A worker's counters at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Responses, all statuses.
    pub requests: u64,
    /// Responses by status code (or class, `"4xx"`).
    pub statuses: BTreeMap<String, u64>,
    /// CPU time, microseconds.
    pub cpu_us: u64,
    /// Isolates alive now (all shards).
    pub isolates: u64,
    /// Isolates made so far.
    pub isolates_created: u64,
    /// Idle isolates evicted (the shard's idle limit).
    pub isolates_evicted: u64,
    /// Violations by `verge-error` code.
    pub violations: Vec<(&'static str, u64)>,
}

static REGISTRY: LazyLock<Mutex<HashMap<String, Arc<WorkerStats>>>> = LazyLock::new(Mutex::default);

/// The counters of the worker called `name`.
pub fn for_worker(name: &str) -> Arc<WorkerStats> {
    let mut r = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    r.entry(name.to_owned()).or_default().clone()
}

/// Every worker's counters, by name.
pub fn snapshot() -> BTreeMap<String, StatsSnapshot> {
    let r = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    r.iter().map(|(k, v)| (k.clone(), v.snapshot())).collect()
}
