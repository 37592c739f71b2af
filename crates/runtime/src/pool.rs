//! Each shard's isolates, by worker.
//!
//! An isolate serves one request at a time and goes back to the pool afterwards; a worker therefore gets as
//! many isolates on a shard as it has concurrent requests there, up to `max_live_per_worker`. Past that,
//! requests wait for an isolate to come back, so one busy tenant cannot fill a node's memory with isolates.
//! At most `max_idle_per_worker` are kept warm. Each loaded version of a worker (its uid) has isolates of its
//! own; a name keeps the isolates of its [`VERSIONS_PER_NAME`] most recently used versions (two during a
//! gradual rollout), so a reload or a new deployment retires the oldest.

use crate::Worker;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use verge_js::loader::Source;
use verge_js::{Blank, Isolate, Result};
use verge_web::WebSetup;

/// Versions of one worker name whose isolates a shard keeps.
pub const VERSIONS_PER_NAME: usize = 2;

struct Entry {
    /// The pool's clock at this worker's last acquire (for least-recently-used eviction).
    last_used: u64,
    stats: std::sync::Arc<crate::metrics::WorkerStats>,
    idle: Vec<Isolate>,
    live: usize,
    returned: Rc<Notify>,
}

impl Entry {
    fn new(worker: &Worker) -> Self {
        Self {
            last_used: 0,
            stats: worker.stats().clone(),
            idle: Vec::new(),
            live: 0,
            returned: Rc::new(Notify::new()),
        }
    }
}

/// What the pool can give a request.
pub enum Acquire {
    /// A warm isolate.
    Warm(Isolate),
    /// Room for a new isolate: instantiate one (and [`IsolatePool::discard`] it if that fails).
    Create,
    /// Every allowed isolate is busy: wait for this, then ask again.
    Wait(Rc<Notify>),
}

/// Isolates of one shard.
pub struct IsolatePool {
    /// By worker uid.
    workers: HashMap<u64, Entry>,
    /// Uids by worker name, most recently used first.
    versions: HashMap<String, Vec<u64>>,
    max_idle_per_worker: usize,
    max_live_per_worker: usize,
    /// Idle isolates the shard keeps in all; past it, the least recently used worker's go first.
    max_idle_total: usize,
    idle_total: usize,
    clock: u64,
    evictions: u64,
    /// Isolates with the prelude installed and no worker yet (see [`Blank`]).
    blanks: Vec<Blank>,
}

impl IsolatePool {
    /// A pool keeping at most `max_idle_per_worker` idle and `max_live_per_worker` existing isolates per worker.
    pub fn new(max_idle_per_worker: usize, max_live_per_worker: usize) -> Self {
        Self {
            workers: HashMap::new(),
            versions: HashMap::new(),
            max_idle_per_worker,
            max_live_per_worker: max_live_per_worker.max(1),
            max_idle_total: usize::MAX,
            idle_total: 0,
            clock: 0,
            evictions: 0,
            blanks: Vec::new(),
        }
    }

    /// Keep at most `max` idle isolates in all (every worker together): a node with more workers than
    /// memory evicts the least recently used worker's idle isolates, which then start cold again.
    pub fn with_idle_limit(mut self, max: usize) -> Self {
        self.max_idle_total = max;
        self
    }

    /// Idle isolates evicted so far to stay within the idle limit.
    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    /// A blank isolate made ahead of time, if one is ready.
    pub fn take_blank(&mut self) -> Option<Blank> {
        self.blanks.pop()
    }

    /// Keep a blank isolate for the next worker that needs a new one.
    pub fn add_blank(&mut self, blank: Blank) {
        self.blanks.push(blank);
    }

    /// Blank isolates ready.
    pub fn blank_count(&self) -> usize {
        self.blanks.len()
    }

    fn entry(&mut self, worker: &Worker) -> &mut Entry {
        let uid = worker.uid();
        let uids = self.versions.entry(worker.name().to_owned()).or_default();
        if uids.first() != Some(&uid) {
            uids.retain(|u| *u != uid);
            uids.insert(0, uid);
            for old in uids.split_off(VERSIONS_PER_NAME.min(uids.len())) {
                // An older version: its isolates run code nothing routes to now. Busy ones are dropped when
                // they return; requests waiting for one ask again.
                if let Some(e) = self.workers.remove(&old) {
                    self.idle_total -= e.idle.len();
                    e.stats.isolates_gone(e.idle.len());
                    e.returned.notify_waiters();
                }
            }
        }
        self.workers
            .entry(uid)
            .or_insert_with(|| Entry::new(worker))
    }

    /// Take a warm isolate of `worker`, or the right to make one, or a reason to wait.
    pub fn acquire(&mut self, worker: &Worker) -> Acquire {
        let max_live = self.max_live_per_worker;
        self.clock += 1;
        let now = self.clock;
        let e = self.entry(worker);
        e.last_used = now;
        if let Some(iso) = e.idle.pop() {
            self.idle_total -= 1;
            return Acquire::Warm(iso);
        }
        if e.live < max_live {
            e.live += 1;
            e.stats.isolate_created();
            return Acquire::Create;
        }
        Acquire::Wait(e.returned.clone())
    }

    /// Give an isolate back after a request that left it healthy.
    pub fn put(&mut self, worker: &Worker, isolate: Isolate) {
        let max_idle = self.max_idle_per_worker;
        let Some(e) = self.workers.get_mut(&worker.uid()) else {
            worker.stats().isolates_gone(1);
            return;
        };
        if e.idle.len() < max_idle {
            e.idle.push(isolate);
            self.idle_total += 1;
        } else {
            e.live = e.live.saturating_sub(1);
            e.stats.isolates_gone(1);
        }
        e.returned.notify_one();
        while self.idle_total > self.max_idle_total && self.evict_one() {}
    }

    /// Drop one idle isolate of the least recently used worker that has one.
    fn evict_one(&mut self) -> bool {
        let Some(e) = self
            .workers
            .values_mut()
            .filter(|e| !e.idle.is_empty())
            .min_by_key(|e| e.last_used)
        else {
            return false;
        };
        drop(e.idle.remove(0));
        e.live = e.live.saturating_sub(1);
        e.stats.isolates_gone(1);
        e.stats.isolate_evicted();
        e.returned.notify_one();
        self.idle_total -= 1;
        self.evictions += 1;
        true
    }

    /// An isolate of `worker` is gone (condemned by a limit, or it failed to start).
    pub fn discard(&mut self, worker: &Worker) {
        worker.stats().isolates_gone(1);
        if let Some(e) = self.workers.get_mut(&worker.uid()) {
            e.live = e.live.saturating_sub(1);
            e.returned.notify_one();
        }
    }

    /// Idle isolates held.
    pub fn idle_count(&self) -> usize {
        self.idle_total
    }
}

/// Make a new isolate of `worker` from its bytecode, from scratch; returns it with the time it took.
pub fn instantiate(worker: &Worker) -> Result<(Isolate, Duration)> {
    let started = Instant::now();
    let iso = Isolate::new(
        worker.config(),
        &WebSetup,
        worker.compiled().main(),
        Source::Bytecode(worker.compiled().clone()),
    )?;
    Ok((iso, started.elapsed()))
}

/// Make `blank` an isolate of `worker` (only its modules are evaluated); returns it with the time it took.
pub fn instantiate_from(blank: Blank, worker: &Worker) -> Result<(Isolate, Duration)> {
    let started = Instant::now();
    let iso = blank.load(
        worker.config(),
        &WebSetup,
        worker.compiled().main(),
        Source::Bytecode(worker.compiled().clone()),
    )?;
    Ok((iso, started.elapsed()))
}

/// A blank isolate for workers without `allow_eval` (the default), to keep ready.
pub fn make_blank() -> Result<Blank> {
    Blank::new(&WebSetup, false)
}
