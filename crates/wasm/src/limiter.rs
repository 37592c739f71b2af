//! The store's resource limiter: linear memory (all memories of an instance together) under
//! `limits.memory_mb`, and a cap on table growth.

use crate::meter::RequestMeter;
use std::sync::Arc;
use verge_core::Violation;

/// Largest table a guest may grow to (function references for indirect calls).
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// A memory violation, as the error that stops the guest.
#[derive(Debug)]
pub(crate) struct LimitTrap(pub Violation);

impl std::fmt::Display for LimitTrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for LimitTrap {}

/// Counts linear memory across the instance's memories.
pub(crate) struct MemoryLimiter {
    meter: Arc<RequestMeter>,
    total: usize,
}

impl MemoryLimiter {
    pub(crate) fn new(meter: Arc<RequestMeter>) -> Self {
        Self { meter, total: 0 }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let next = self.total.saturating_add(desired.saturating_sub(current));
        match self.meter.grow_memory(next) {
            Ok(()) => {
                self.total = next;
                Ok(true)
            }
            // An error (not `false`, which the guest would see as a failed `memory.grow` and might
            // survive) stops the guest right here.
            Err(v) => Err(wasmtime::Error::new(LimitTrap(v))),
        }
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}
