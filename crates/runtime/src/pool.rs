//! Each shard's warm isolates, by worker.
//!
//! An isolate serves one request at a time and goes back to the pool afterwards; a hot worker therefore gets
//! as many isolates on a shard as it has concurrent requests there, up to `max_idle_per_worker` kept warm.
//! A reloaded worker (new uid) replaces its old isolates.

use crate::Worker;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use verge_js::loader::Source;
use verge_js::{Isolate, Result};
use verge_web::WebSetup;

/// Warm isolates of one shard.
#[derive(Default)]
pub struct IsolatePool {
    idle: HashMap<String, (u64, Vec<Isolate>)>,
    max_idle_per_worker: usize,
}

impl IsolatePool {
    /// A pool keeping at most `max_idle_per_worker` idle isolates per worker.
    pub fn new(max_idle_per_worker: usize) -> Self {
        Self {
            idle: HashMap::new(),
            max_idle_per_worker,
        }
    }

    /// A warm isolate of `worker`, if one is idle.
    pub fn take(&mut self, worker: &Worker) -> Option<Isolate> {
        let entry = self.idle.get_mut(worker.name())?;
        if entry.0 != worker.uid() {
            // The worker was reloaded: its old isolates run old code.
            self.idle.remove(worker.name());
            return None;
        }
        entry.1.pop()
    }

    /// Give an isolate back after a request that left it healthy.
    pub fn put(&mut self, worker: &Worker, isolate: Isolate) {
        let entry = self
            .idle
            .entry(worker.name().to_owned())
            .or_insert_with(|| (worker.uid(), Vec::new()));
        if entry.0 != worker.uid() {
            *entry = (worker.uid(), Vec::new());
        }
        if entry.1.len() < self.max_idle_per_worker {
            entry.1.push(isolate);
        }
    }

    /// Idle isolates held.
    pub fn idle_count(&self) -> usize {
        self.idle.values().map(|(_, v)| v.len()).sum()
    }
}

/// Make a new isolate of `worker` from its bytecode; returns it with the time it took (the cold start).
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
