//! The isolate's guard: CPU budget, heap meter and termination, checked from QuickJS's interrupt handler.
//!
//! The host brackets every stretch of JS execution with [`Guard::enter`]/[`Guard::leave`]; CPU time is read from
//! the thread's own CPU clock, so time the thread spends waiting on I/O or on other threads never counts. Once a
//! limit is tripped, the interrupt handler keeps returning `true`, which QuickJS turns into an uncatchable
//! exception: the script cannot swallow it.

#![expect(unsafe_code, reason = "clock_gettime is a libc call")]

use crate::alloc::MemoryMeter;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;
use verge_core::{Violation, ViolationKind};

/// CPU time the calling thread has used since it started.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is always available on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

/// Limits state of one isolate, shared with its interrupt handler and allocator.
#[derive(Debug)]
pub struct Guard {
    cpu_limit: Cell<Duration>,
    cpu_used: Cell<Duration>,
    segment_start: Cell<Option<Duration>>,
    depth: Cell<u32>,
    tripped: RefCell<Option<Violation>>,
    memory: Rc<MemoryMeter>,
}

impl Guard {
    /// A guard over `memory` with a CPU budget of `cpu_limit`.
    pub fn new(memory: Rc<MemoryMeter>, cpu_limit: Duration) -> Rc<Self> {
        Rc::new(Self {
            cpu_limit: Cell::new(cpu_limit),
            cpu_used: Cell::new(Duration::ZERO),
            segment_start: Cell::new(None),
            depth: Cell::new(0),
            tripped: RefCell::new(None),
            memory,
        })
    }

    /// Start a new budget (a new request, or start-up): CPU used is reset to zero.
    pub fn reset(&self, cpu_limit: Duration) {
        self.cpu_limit.set(cpu_limit);
        self.cpu_used.set(Duration::ZERO);
    }

    /// JS is about to run. Nested calls are counted once.
    pub fn enter(&self) {
        if self.depth.get() == 0 {
            self.segment_start.set(Some(thread_cpu_time()));
        }
        self.depth.set(self.depth.get() + 1);
    }

    /// JS has returned to the host.
    pub fn leave(&self) {
        let depth = self.depth.get().saturating_sub(1);
        self.depth.set(depth);
        if depth == 0 {
            if let Some(start) = self.segment_start.take() {
                let spent = thread_cpu_time().saturating_sub(start);
                self.cpu_used.set(self.cpu_used.get() + spent);
            }
            self.check();
        }
    }

    /// CPU time used under the current budget, including a segment in progress.
    pub fn cpu_used(&self) -> Duration {
        let running = self
            .segment_start
            .get()
            .map(|s| thread_cpu_time().saturating_sub(s))
            .unwrap_or_default();
        self.cpu_used.get() + running
    }

    /// The heap meter.
    pub fn memory(&self) -> &Rc<MemoryMeter> {
        &self.memory
    }

    /// Record a violation found by the host (wall clock, subrequests). The first one wins.
    pub fn trip(&self, violation: Violation) {
        let mut t = self.tripped.borrow_mut();
        if t.is_none() {
            *t = Some(violation);
        }
    }

    /// The first limit exceeded, if any. Once set, the isolate must not serve again.
    pub fn violation(&self) -> Option<Violation> {
        self.tripped.borrow().clone()
    }

    /// Check every limit now; called by the interrupt handler and after each segment.
    /// Returns `true` when JS must stop.
    pub fn check(&self) -> bool {
        if self.tripped.borrow().is_some() {
            return true;
        }
        if let Some(at) = self.memory.refused_at() {
            self.trip(Violation {
                kind: ViolationKind::Memory,
                used: at as f64,
                limit: self.memory.limit() as f64,
            });
            return true;
        }
        let used = self.cpu_used();
        if used > self.cpu_limit.get() {
            self.trip(Violation::cpu(used, self.cpu_limit.get()));
            return true;
        }
        false
    }
}
