//! The limits of one request on a WebAssembly worker, and the first violation.
//!
//! Every limit of a Wasm request is checked here: CPU time and the wall clock from the epoch callback
//! (wasmtime calls it every tick of the engine's epoch while guest code runs), memory from the store's
//! resource limiter, subrequests from the outbound hook, the request body from the body wrapper. The
//! first violation is kept; it stops the guest at its next check and wins over whatever error it caused.
//!
//! CPU time is the shard thread's CPU clock, bracketed around every poll of the guest's future
//! ([`Metered`]), so time the thread spends on other requests while this one waits is not charged.

use crate::cpu::thread_cpu_time;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use verge_core::{Limits, Violation, ViolationKind};

/// Not inside a poll of the guest.
const IDLE: u64 = u64::MAX;

/// One request's limits and usage. Shared by the store's callbacks (`Send + Sync`).
#[derive(Debug)]
pub struct RequestMeter {
    limits: Limits,
    started: Instant,
    cpu_used_ns: AtomicU64,
    poll_started_ns: AtomicU64,
    subrequests: AtomicU32,
    memory_peak: AtomicU64,
    violation: Mutex<Option<Violation>>,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl RequestMeter {
    /// Start metering a request under `limits`: the wall clock starts now.
    pub fn new(limits: &Limits) -> Self {
        Self {
            limits: limits.clone(),
            started: Instant::now(),
            cpu_used_ns: AtomicU64::new(0),
            poll_started_ns: AtomicU64::new(IDLE),
            subrequests: AtomicU32::new(0),
            memory_peak: AtomicU64::new(0),
            violation: Mutex::new(None),
        }
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Record `v` unless a violation was recorded before; returns the one that stands.
    pub fn trip(&self, v: Violation) -> Violation {
        let mut slot = self.violation.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(v).clone()
    }

    /// The first limit exceeded, if any.
    pub fn violation(&self) -> Option<Violation> {
        self.violation
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// CPU time charged so far, including the poll running now.
    pub fn cpu_used(&self) -> Duration {
        let mut ns = self.cpu_used_ns.load(Ordering::Relaxed);
        let start = self.poll_started_ns.load(Ordering::Relaxed);
        if start != IDLE {
            ns = ns.saturating_add(nanos(thread_cpu_time()).saturating_sub(start));
        }
        Duration::from_nanos(ns)
    }

    /// Wall time since the request started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The periodic check (from the epoch callback): a violation recorded anywhere, CPU time, wall clock.
    pub fn check(&self) -> Result<(), Violation> {
        if let Some(v) = self.violation() {
            return Err(v);
        }
        let cpu = self.cpu_used();
        if cpu > self.limits.cpu() {
            return Err(self.trip(Violation::cpu(cpu, self.limits.cpu())));
        }
        let wall = self.elapsed();
        if wall > self.limits.wall() {
            return Err(self.trip(Violation::wall(wall, self.limits.wall())));
        }
        Ok(())
    }

    /// The wall clock ran out while the guest was waiting: record it.
    pub fn wall_exceeded(&self) -> Violation {
        self.trip(Violation::wall(self.elapsed(), self.limits.wall()))
    }

    /// Count one subrequest; past the limit, the request is over.
    pub fn count_subrequest(&self) -> Result<(), Violation> {
        let n = self.subrequests.fetch_add(1, Ordering::Relaxed) + 1;
        if n > self.limits.subrequests {
            return Err(self.trip(Violation {
                kind: ViolationKind::Subrequests,
                used: f64::from(n),
                limit: f64::from(self.limits.subrequests),
            }));
        }
        Ok(())
    }

    /// Subrequests made so far.
    pub fn subrequests(&self) -> u32 {
        self.subrequests.load(Ordering::Relaxed)
    }

    /// Linear memory would grow to `bytes` in total: allowed, or the memory violation.
    pub fn grow_memory(&self, bytes: usize) -> Result<(), Violation> {
        let limit = self.limits.memory_bytes();
        if bytes > limit {
            return Err(self.trip(Violation {
                kind: ViolationKind::Memory,
                used: bytes as f64,
                limit: limit as f64,
            }));
        }
        self.memory_peak
            .fetch_max(u64::try_from(bytes).unwrap_or(u64::MAX), Ordering::Relaxed);
        Ok(())
    }

    /// Largest total linear memory the guest had.
    pub fn memory_peak(&self) -> u64 {
        self.memory_peak.load(Ordering::Relaxed)
    }

    /// The request body went past its limit after `received` bytes.
    pub fn request_body_exceeded(&self, received: u64) -> Violation {
        self.trip(Violation {
            kind: ViolationKind::RequestBody,
            used: received as f64,
            limit: self.limits.request_body_bytes() as f64,
        })
    }

    fn poll_begins(&self) {
        self.poll_started_ns
            .store(nanos(thread_cpu_time()), Ordering::Relaxed);
    }

    fn poll_ends(&self) {
        let start = self.poll_started_ns.swap(IDLE, Ordering::Relaxed);
        if start != IDLE {
            let spent = nanos(thread_cpu_time()).saturating_sub(start);
            self.cpu_used_ns.fetch_add(spent, Ordering::Relaxed);
        }
    }
}

/// A future whose polls are charged to a request's CPU time.
pub struct Metered<F> {
    inner: Pin<Box<F>>,
    meter: std::sync::Arc<RequestMeter>,
}

impl<F> Metered<F> {
    /// Charge `inner`'s polls to `meter`.
    pub fn new(inner: F, meter: std::sync::Arc<RequestMeter>) -> Self {
        Self {
            inner: Box::pin(inner),
            meter,
        }
    }
}

impl<F: Future> Future for Metered<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.meter.poll_begins();
        let out = self.inner.as_mut().poll(cx);
        self.meter.poll_ends();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(cpu_ms: u64) -> Limits {
        Limits {
            cpu_ms,
            ..Limits::default()
        }
    }

    #[test]
    fn first_violation_stands() {
        let m = RequestMeter::new(&limits(10));
        assert!(m.check().is_ok());
        let first = m.grow_memory(usize::MAX).unwrap_err();
        assert_eq!(first.kind, ViolationKind::Memory);
        assert_eq!(m.check().unwrap_err().kind, ViolationKind::Memory);
        assert_eq!(m.wall_exceeded().kind, ViolationKind::Memory);
    }

    #[test]
    fn subrequests_are_capped() {
        let m = RequestMeter::new(&Limits {
            subrequests: 2,
            ..Limits::default()
        });
        assert!(m.count_subrequest().is_ok());
        assert!(m.count_subrequest().is_ok());
        let v = m.count_subrequest().unwrap_err();
        assert_eq!(v.kind, ViolationKind::Subrequests);
        assert_eq!(m.subrequests(), 3);
    }

    #[test]
    fn only_polls_are_charged() {
        let m = std::sync::Arc::new(RequestMeter::new(&limits(1)));
        // Work outside a poll is not charged.
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert_eq!(m.cpu_used(), Duration::ZERO);
        let spin = Metered::new(
            async {
                let start = thread_cpu_time();
                while thread_cpu_time() - start < Duration::from_millis(5) {}
            },
            m.clone(),
        );
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(spin);
        assert!(
            m.cpu_used() >= Duration::from_millis(5),
            "{:?}",
            m.cpu_used()
        );
        assert_eq!(m.check().unwrap_err().kind, ViolationKind::Cpu);
    }
}
