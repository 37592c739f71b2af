//! Resource limits of a worker, and the record of a limit being exceeded.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Every limit a worker runs under. Defaults follow Cloudflare Workers where it has one.
///
/// Limits are data: they are read from `[limits]` in `verge.toml`, and enforced in one place
/// (the runtime's limit enforcer and the isolate's allocator and interrupt handler).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// CPU time per request, in milliseconds, measured on the shard thread's CPU clock.
    pub cpu_ms: u64,
    /// CPU time for evaluating the worker's modules at start-up, in milliseconds.
    pub startup_cpu_ms: u64,
    /// Heap per isolate, in MiB.
    pub memory_mb: u64,
    /// Wall-clock time per request, in milliseconds, including `ctx.waitUntil` work.
    pub wall_ms: u64,
    /// Outbound `fetch()` calls per request.
    pub subrequests: u32,
    /// Largest request body accepted, in MiB.
    pub request_body_mb: u64,
    /// Deepest JS native stack, in KiB (deep recursion raises a catchable RangeError).
    pub stack_kb: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cpu_ms: 50,
            startup_cpu_ms: 400,
            memory_mb: 128,
            wall_ms: 30_000,
            subrequests: 50,
            request_body_mb: 100,
            stack_kb: 1024,
        }
    }
}

impl Limits {
    /// CPU time per request.
    pub fn cpu(&self) -> Duration {
        Duration::from_millis(self.cpu_ms)
    }
    /// CPU time for start-up.
    pub fn startup_cpu(&self) -> Duration {
        Duration::from_millis(self.startup_cpu_ms)
    }
    /// Wall-clock time per request.
    pub fn wall(&self) -> Duration {
        Duration::from_millis(self.wall_ms)
    }
    /// Heap per isolate in bytes.
    pub fn memory_bytes(&self) -> usize {
        usize::try_from(self.memory_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }
    /// Largest request body in bytes.
    pub fn request_body_bytes(&self) -> u64 {
        self.request_body_mb.saturating_mul(1 << 20)
    }
    /// Native stack for JS, in bytes.
    pub fn stack_bytes(&self) -> usize {
        usize::try_from(self.stack_kb.saturating_mul(1024)).unwrap_or(usize::MAX)
    }
}

/// Which limit was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// CPU time per request (or at start-up).
    Cpu,
    /// Heap per isolate.
    Memory,
    /// Wall-clock time per request.
    Wall,
    /// Subrequests per request.
    Subrequests,
    /// Request body size.
    RequestBody,
}

impl ViolationKind {
    /// The value of the `verge-error` response header.
    pub fn code(self) -> &'static str {
        match self {
            Self::Cpu => "cpu-limit",
            Self::Memory => "memory-limit",
            Self::Wall => "wall-limit",
            Self::Subrequests => "subrequest-limit",
            Self::RequestBody => "request-body-limit",
        }
    }

    /// The HTTP status a violation answers with.
    pub fn status(self) -> u16 {
        match self {
            Self::RequestBody => 413,
            _ => 503,
        }
    }
}

/// A limit that was exceeded, with the measured value, ready to be shown to a person.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Which limit.
    pub kind: ViolationKind,
    /// What was measured, in the limit's unit (ms, bytes, count).
    pub used: f64,
    /// The limit, in the same unit.
    pub limit: f64,
}

impl Violation {
    /// A CPU-time violation, from durations.
    pub fn cpu(used: Duration, limit: Duration) -> Self {
        Self {
            kind: ViolationKind::Cpu,
            used: used.as_secs_f64() * 1e3,
            limit: limit.as_secs_f64() * 1e3,
        }
    }
    /// A wall-clock violation, from durations.
    pub fn wall(used: Duration, limit: Duration) -> Self {
        Self {
            kind: ViolationKind::Wall,
            used: used.as_secs_f64() * 1e3,
            limit: limit.as_secs_f64() * 1e3,
        }
    }
}

fn mib(bytes: f64) -> f64 {
    bytes / f64::from(1u32 << 20)
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ViolationKind::Cpu => write!(
                f,
                "CPU time limit exceeded: {:.1} ms used of {} ms",
                self.used, self.limit
            ),
            ViolationKind::Wall => write!(
                f,
                "Wall-clock time limit exceeded: {:.1} ms elapsed of {} ms",
                self.used, self.limit
            ),
            ViolationKind::Memory => write!(
                f,
                "Memory limit exceeded: an allocation would bring the isolate's heap to {:.1} MiB of {} MiB",
                mib(self.used),
                mib(self.limit)
            ),
            ViolationKind::Subrequests => write!(
                f,
                "Subrequest limit exceeded: subrequest {} of at most {} per request",
                self.used, self.limit
            ),
            ViolationKind::RequestBody => write!(
                f,
                "Request body limit exceeded: {:.1} MiB received of at most {} MiB",
                mib(self.used),
                mib(self.limit)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_limit_and_value() {
        let v = Violation::cpu(Duration::from_micros(73_140), Duration::from_millis(50));
        assert_eq!(
            v.to_string(),
            "CPU time limit exceeded: 73.1 ms used of 50 ms"
        );
        assert_eq!(v.kind.code(), "cpu-limit");
        let m = Violation {
            kind: ViolationKind::Memory,
            used: 200.0 * 1048576.0,
            limit: 128.0 * 1048576.0,
        };
        assert!(m.to_string().contains("200.0 MiB of 128 MiB"), "{m}");
    }
}
