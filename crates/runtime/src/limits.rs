//! The limit enforcer: every limit of a request is checked here (or by the isolate's guard, which it drives),
//! and every violation becomes the same thing: a status, a `verge-error` code, a log line, a metric.

use crate::body::{LimitedBody, Tripwire};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use verge_core::{Limits, Violation, ViolationKind};
use verge_js::{Guard, Isolate};
use verge_web::Body;

/// Limits of one request in flight.
pub struct LimitEnforcer {
    limits: Limits,
    guard: Rc<Guard>,
    subrequests: Cell<u32>,
    started: Instant,
    body: Arc<Tripwire<Body>>,
}

impl LimitEnforcer {
    /// Start enforcing `limits` for a request on `isolate`: a fresh CPU budget, the wall clock starts now.
    pub fn begin(isolate: &Isolate, limits: &Limits) -> Rc<Self> {
        isolate.reset_budget(limits.cpu());
        Rc::new(Self {
            limits: limits.clone(),
            guard: isolate.guard().clone(),
            subrequests: Cell::new(0),
            started: Instant::now(),
            body: Arc::default(),
        })
    }

    /// Refuse a request whose declared length is already over the body limit.
    pub fn check_content_length(limits: &Limits, length: Option<u64>) -> Result<(), Violation> {
        match length {
            Some(n) if n > limits.request_body_bytes() => Err(Violation {
                kind: ViolationKind::RequestBody,
                used: n as f64,
                limit: limits.request_body_bytes() as f64,
            }),
            _ => Ok(()),
        }
    }

    /// Wrap the request body so that it cannot exceed the body limit.
    pub fn limit_body(&self, body: Body) -> LimitedBody<Body> {
        LimitedBody::new(body, self.limits.request_body_bytes(), self.body.clone())
    }

    /// Count one subrequest; past the limit, the request is over.
    pub fn count_subrequest(&self) -> Result<(), Violation> {
        let n = self.subrequests.get() + 1;
        self.subrequests.set(n);
        if n > self.limits.subrequests {
            let v = Violation {
                kind: ViolationKind::Subrequests,
                used: f64::from(n),
                limit: f64::from(self.limits.subrequests),
            };
            self.guard.trip(v.clone());
            return Err(v);
        }
        Ok(())
    }

    /// The unread rest of a request body that went over its limit.
    pub fn take_rejected_body(&self) -> Option<Body> {
        self.body.take_rest()
    }

    /// Subrequests made so far.
    pub fn subrequests(&self) -> u32 {
        self.subrequests.get()
    }

    /// The wall-clock limit.
    pub fn wall(&self) -> Duration {
        self.limits.wall()
    }

    /// The wall clock ran out: record it.
    pub fn wall_exceeded(&self) -> Violation {
        let v = Violation::wall(self.started.elapsed(), self.limits.wall());
        self.guard.trip(v.clone());
        self.guard.violation().unwrap_or(v)
    }

    /// The first limit exceeded, if any.
    pub fn violation(&self) -> Option<Violation> {
        if let Some(v) = self.body.violation() {
            self.guard.trip(v);
        }
        self.guard.violation()
    }

    /// CPU time used by the request so far.
    pub fn cpu_used(&self) -> Duration {
        self.guard.cpu_used()
    }

    /// Wall time since the request started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// Violations counted per kind, for metrics.
#[derive(Debug, Default)]
pub struct ViolationCounters {
    cpu: AtomicU64,
    memory: AtomicU64,
    wall: AtomicU64,
    subrequests: AtomicU64,
    request_body: AtomicU64,
}

impl ViolationCounters {
    /// Count one violation.
    pub fn record(&self, kind: ViolationKind) {
        let c = match kind {
            ViolationKind::Cpu => &self.cpu,
            ViolationKind::Memory => &self.memory,
            ViolationKind::Wall => &self.wall,
            ViolationKind::Subrequests => &self.subrequests,
            _ => &self.request_body,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts by `verge-error` code.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("cpu-limit", self.cpu.load(Ordering::Relaxed)),
            ("memory-limit", self.memory.load(Ordering::Relaxed)),
            ("wall-limit", self.wall.load(Ordering::Relaxed)),
            ("subrequest-limit", self.subrequests.load(Ordering::Relaxed)),
            (
                "request-body-limit",
                self.request_body.load(Ordering::Relaxed),
            ),
        ]
    }
}
